"""HTTP API of identity: thin controllers; today only health and OpenAPI."""
