"""HTTP API of trading-bridge: thin controllers; today only health and OpenAPI."""
