"""Event handlers of billing, by event type; it subscribes to none until its rules land."""
