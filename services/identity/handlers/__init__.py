"""Event handlers of identity, by event type; it subscribes to none until its rules land."""
