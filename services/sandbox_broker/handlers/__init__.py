"""Event handlers of sandbox-broker (``handlers.on_events``)."""
