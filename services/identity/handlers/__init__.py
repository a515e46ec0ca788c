"""Event handlers of identity, by event type; it subscribes to none yet (evaluation's
rectification orders will feed AUTH-6 later)."""
