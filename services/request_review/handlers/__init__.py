"""Event handlers of request-review, by event type: identity's developers and
agreements, catalog's resources and product-release's rejected exports."""
