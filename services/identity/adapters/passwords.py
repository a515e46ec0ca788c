"""Password and client-secret hashing (口令散列) with Argon2id (argon2-cffi, RFC 9106).

Hashing is CPU- and memory-bound, so it runs in a worker thread and never blocks the
event loop. ``verify`` of an unknown account still spends the time of one verification
against a fixed hash, so response time does not reveal which usernames exist.
"""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


@functools.cache
def _decoy() -> str:
    return _HASHER.hash("decoy secret for unknown accounts")


def _verify(encoded: str | None, secret: str) -> bool:
    try:
        return _HASHER.verify(encoded or _decoy(), secret) and encoded is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_secret(secret: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, secret)


async def verify(encoded: str | None, secret: str) -> bool:
    """True only if ``encoded`` exists and matches; ``None`` (no such account) costs the
    same time and answers False."""
    return await asyncio.to_thread(_verify, encoded, secret)
