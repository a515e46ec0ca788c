"""HTTP API of request-review: thin controllers; today only health and OpenAPI."""
