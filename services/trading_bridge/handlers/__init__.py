"""Event handlers of trading-bridge, by event type; it subscribes to none until its rules land."""
