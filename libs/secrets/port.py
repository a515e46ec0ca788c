"""The secrets port: service credentials (key/value) and signing keys that never leave it.

Signing follows Vault Transit's model so both adapters behave alike: a named key has
numbered versions; ``sign`` uses the newest version and returns a signature string that
names the version (``vault:v<N>:<base64>``), so signatures made before a rotation still
verify; ``public_keys`` gives every version's public key (PEM) for offline verification.
Keys are Ed25519 and created non-exportable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class SecretNotFound(KeyError):
    """No secret or key under that name."""


@dataclass(frozen=True, slots=True)
class SigningKey:
    """One version of a signing key, public half only."""

    name: str
    version: int
    public_key_pem: str


class SecretStore(Protocol):
    """Reads secrets and signs with keys it keeps. Every method is idempotent except
    ``rotate_key``, which adds one version each call."""

    async def read_secret(self, path: str) -> dict[str, str]:
        """The key/value secret at ``path`` (KV v2, newest version)."""
        ...

    async def write_secret(self, path: str, data: dict[str, str]) -> None: ...

    async def ensure_signing_key(self, name: str) -> None:
        """Create the Ed25519 key ``name`` if it does not exist (non-exportable)."""
        ...

    async def rotate_key(self, name: str) -> int:
        """Add a new key version and return its number; older versions still verify."""
        ...

    async def sign(self, name: str, data: bytes) -> str:
        """Sign with the newest version; returns ``vault:v<N>:<base64 signature>``."""
        ...

    async def verify(self, name: str, data: bytes, signature: str) -> bool: ...

    async def public_keys(self, name: str) -> list[SigningKey]:
        """Every version's public key, oldest first."""
        ...
