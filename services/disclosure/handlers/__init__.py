"""Event handlers of disclosure, by event type."""
