"""Event handlers of product-release, by event type; it subscribes to none until its rules land."""
