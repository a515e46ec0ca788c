"""Signed access tokens (JWT, EdDSA) whose keys never leave the Secrets port.

Issuing: the signing input is signed by the SecretStore (Vault Transit in distributed
mode), so no service holds a private key. The key id is ``<key name>:v<version>``, so
rotation adds a version and tokens signed before it still verify until they expire.
Verifying: only ``EdDSA`` is accepted (no ``none``, no algorithm switch), with issuer,
audience, expiry, not-before and the ``at+jwt`` type checked; unknown key ids refresh
the key set once, then fail.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections import OrderedDict
from datetime import date
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.clock import Clock
from libs.secrets.port import SecretNotFound, SecretStore

SIGNING_KEY = "identity-jwt"
AUDIENCE = "pdo"
TOKEN_TYPE = "at+jwt"  # noqa: S105 - a JWT type name (RFC 9068), not a secret


class TokenError(Exception):
    """The token is missing, malformed, forged, expired or not meant for us."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def issuer_for(region: str) -> str:
    return f"pdo-identity:{region}"


class TokenIssuer:
    """Issues access tokens for users and machine clients."""

    def __init__(
        self,
        secrets: SecretStore,
        clock: Clock,
        *,
        region: str,
        key_name: str = SIGNING_KEY,
        create_key: bool = True,
    ) -> None:
        """``create_key=False``: sign only with a key that already exists (``pdo token``
        signs for a running instance and must never make a key of its own); a missing
        key raises ``SecretNotFound``."""
        self._secrets = secrets
        self._clock = clock
        self._issuer = issuer_for(region)
        self._key = key_name
        self._create_key = create_key

    async def issue(self, principal: Principal, *, ttl_seconds: int = 900) -> str:
        if self._create_key:
            await self._secrets.ensure_signing_key(self._key)
        now = int(self._clock.now().timestamp())
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": AUDIENCE,
            "sub": principal.user_id,
            "org": principal.org_id,
            "role": principal.role.value,
            "region": principal.region,
            "iat": now,
            "nbf": now,
            "exp": now + ttl_seconds,
            "jti": str(uuid.uuid4()),
        }
        if principal.scopes:
            claims["scope"] = " ".join(sorted(principal.scopes))
        if principal.staff:
            # SEC-4: a person's token says until when their confidentiality agreement runs
            # ("" for none); services refuse reviews, jobs and export decisions without one.
            until = principal.confidentiality_until
            claims["cfa"] = until.isoformat() if until else ""
        versions = await self._secrets.public_keys(self._key)
        kid = f"{self._key}:v{versions[-1].version}"
        header = {"alg": "EdDSA", "typ": TOKEN_TYPE, "kid": kid}
        signing_input = (
            _b64url(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64url(json.dumps(claims, separators=(",", ":")).encode())
        )
        signature = await self._secrets.sign(self._key, signing_input.encode("ascii"))
        _, version, b64sig = signature.split(":", 2)
        if f"{self._key}:{version}" != kid:
            raise TokenError("the key rotated while signing; issue again")
        return signing_input + "." + _b64url(base64.b64decode(b64sig))


class TokenVerifier:
    """Verifies access tokens against the public keys the Secrets port publishes."""

    def __init__(
        self,
        secrets: SecretStore,
        clock: Clock,
        *,
        region: str,
        key_name: str = SIGNING_KEY,
        leeway_seconds: int = 30,
        cache_size: int = 20_000,
    ) -> None:
        self._secrets = secrets
        self._clock = clock
        self._issuer = issuer_for(region)
        self._key = key_name
        self._leeway = leeway_seconds
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._refreshed_at = 0.0
        self._verified: OrderedDict[str, tuple[Principal, float, float]] = OrderedDict()
        self._cache_size = cache_size

    async def _refresh(self) -> None:
        keys: dict[str, Ed25519PublicKey] = {}
        try:
            versions = await self._secrets.public_keys(self._key)
        except SecretNotFound:
            versions = []  # identity has not created its key yet: every kid is unknown
        for version in versions:
            public = load_pem_public_key(version.public_key_pem.encode())
            if isinstance(public, Ed25519PublicKey):
                keys[f"{self._key}:v{version.version}"] = public
        self._keys = keys
        self._refreshed_at = time.monotonic()

    async def _key_for(self, kid: str) -> Ed25519PublicKey:
        if kid not in self._keys and time.monotonic() - self._refreshed_at > 1.0:
            await self._refresh()
        try:
            return self._keys[kid]
        except KeyError:
            raise TokenError("token signed by an unknown key") from None

    async def verify(self, token: str) -> Principal:
        known = self._verified.get(token)
        if known is not None:
            principal, not_before, expires = known
            self._check_time(not_before, expires)
            self._verified.move_to_end(token)
            return principal
        principal, not_before, expires = await self._verify_signed(token)
        self._check_time(not_before, expires)
        self._verified[token] = (principal, not_before, expires)
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    def _check_time(self, not_before: float, expires: float) -> None:
        now = self._clock.now().timestamp()
        if now > expires + self._leeway:
            raise TokenError("token expired")
        if now < not_before - self._leeway:
            raise TokenError("token not yet valid")

    async def _verify_signed(self, token: str) -> tuple[Principal, float, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise TokenError(f"malformed token: {exc}") from None
        if header.get("alg") != "EdDSA":
            raise TokenError("token algorithm not accepted")
        if header.get("typ") != TOKEN_TYPE:
            raise TokenError("not an access token")
        key = await self._key_for(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=AUDIENCE,
                issuer=self._issuer,
                leeway=self._leeway,
                # Time is checked below against the injectable clock, not PyJWT's own.
                options={
                    "require": ["exp", "nbf", "iat", "sub", "iss", "aud"],
                    "verify_iat": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidAudienceError:
            raise TokenError("token not meant for this platform") from None
        except jwt.InvalidIssuerError:
            raise TokenError("token issued by another authority") from None
        except jwt.PyJWTError as exc:
            raise TokenError(f"invalid token: {exc}") from None
        try:
            principal = Principal(
                user_id=str(claims["sub"]),
                org_id=str(claims["org"]),
                role=Role(claims["role"]),
                region=str(claims["region"]),
                scopes=frozenset(str(claims.get("scope", "")).split()),
                staff="cfa" in claims,
                confidentiality_until=(
                    date.fromisoformat(str(claims["cfa"])) if claims.get("cfa") else None
                ),
            )
            return principal, float(claims["nbf"]), float(claims["exp"])
        except (KeyError, ValueError, TypeError):
            raise TokenError("token lacks organization, role or region") from None
