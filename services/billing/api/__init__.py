"""HTTP API of billing: thin controllers; today only health and OpenAPI."""
