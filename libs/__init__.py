"""Shared runtime for every service: config, bus, store, secrets, auth, audit, telemetry."""
