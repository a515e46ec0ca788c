"""Event handlers of evaluation, by event type; it subscribes to none until its rules land."""
