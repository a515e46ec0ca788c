"""``/identity/.well-known/jwks.json``: the public keys that verify access tokens (RFC 7517).

Public on purpose: relying parties (county instances, the exchange) verify tokens
offline with them. Private halves never leave the Secrets port.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from litestar import get
from litestar.di import NamedDependency

from libs.auth.tokens import SIGNING_KEY
from libs.service import ServiceContext


def jwk(kid: str, pem: str) -> dict[str, str]:
    """One Ed25519 public key as a JSON Web Key (RFC 8037)."""
    key = load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError(f"{kid} is not an Ed25519 key")
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}


@get(
    "/.well-known/jwks.json",
    opt={"public": True},
    security=[],
    tags=["public"],
    summary="Public keys that verify access tokens (JWKS)",
)
async def jwks(ctx: NamedDependency[ServiceContext]) -> dict[str, list[dict[str, str]]]:
    await ctx.secrets.ensure_signing_key(SIGNING_KEY)
    versions = await ctx.secrets.public_keys(SIGNING_KEY)
    return {"keys": [jwk(f"{SIGNING_KEY}:v{v.version}", v.public_key_pem) for v in versions]}
