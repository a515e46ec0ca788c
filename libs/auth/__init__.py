"""Tokens: identity issues signed JWTs; every service verifies them with the shared verifier."""

from libs.auth.principal import Principal
from libs.auth.tokens import TokenError, TokenIssuer, TokenVerifier

__all__ = ["Principal", "TokenError", "TokenIssuer", "TokenVerifier"]
