"""HTTP API of identity: thin controllers; today health, OpenAPI and the JWKS."""
