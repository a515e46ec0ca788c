"""Event handlers of sandbox-broker, by event type; it subscribes to none until its rules land."""
