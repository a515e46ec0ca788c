"""HTTP API of evaluation: thin controllers; today only health and OpenAPI."""
