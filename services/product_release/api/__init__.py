"""HTTP API of product-release: thin controllers; today only health and OpenAPI."""
