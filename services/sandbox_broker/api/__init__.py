"""HTTP API of sandbox-broker: thin controllers; today only health and OpenAPI."""
