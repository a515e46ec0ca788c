"""Event handlers of request-review, by event type; it subscribes to none until its rules land."""
