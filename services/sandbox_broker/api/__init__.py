"""HTTP API of sandbox-broker: thin controllers over the service layer (``commands/``) —
sandboxes, jobs and outputs; own-data imports; verification calls."""
