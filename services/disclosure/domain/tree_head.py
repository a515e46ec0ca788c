"""Signed tree heads (签名树头, DIS-3): what is signed, and the alarm on a forked log.

A signed tree head (STH) commits the log to its size and root at a time. The signed bytes
are RFC 6962 §3.5's ``TreeHeadSignature``: version ``0``, signature type ``1``
(tree_hash), the timestamp in milliseconds since the epoch and the tree size as
big-endian uint64, then the 32-byte root hash — so any CT tool reads them the same way.

A log that shows one public two different trees of the same size has forked (a "split
view"); two STHs of one size with different roots are proof of it, signed by the log
itself. ``split_views`` finds them: monitors and the ``pdo verify`` command raise the
alarm. Pure: standard library only.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from services.disclosure.domain.transparency_log import HASH_SIZE

STH_VERSION = 0
TREE_HASH_SIGNATURE_TYPE = 1


@dataclass(frozen=True, slots=True)
class TreeHead:
    """One signed tree head. ``signature`` is the raw Ed25519 signature in base64;
    ``key_id`` names the key version that made it (``<key name>:v<N>``)."""

    tree_size: int
    root_hash: bytes
    timestamp_ms: int
    signature: str
    key_id: str

    @property
    def issued_at(self) -> datetime:
        return datetime.fromtimestamp(self.timestamp_ms / 1000, UTC)


def signed_bytes(tree_size: int, root_hash: bytes, timestamp_ms: int) -> bytes:
    """The 50 bytes an STH signature covers (RFC 6962 §3.5 ``TreeHeadSignature``)."""
    if len(root_hash) != HASH_SIZE:
        raise ValueError(f"a root hash has {HASH_SIZE} bytes, not {len(root_hash)}")
    if tree_size < 0 or timestamp_ms < 0:
        raise ValueError("tree size and timestamp are unsigned")
    return (
        struct.pack(">BBQQ", STH_VERSION, TREE_HASH_SIGNATURE_TYPE, timestamp_ms, tree_size)
        + root_hash
    )


def timestamp_ms(at: datetime) -> int:
    """Milliseconds since the epoch, the precision an STH carries."""
    if at.tzinfo is None:
        raise ValueError("a tree head's time must be timezone-aware")
    return int(at.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class SplitView:
    """Alarm (DIS-3): the log signed different roots for one tree size."""

    tree_size: int
    root_hashes: tuple[bytes, ...]
    heads: tuple[TreeHead, ...]

    def describe(self) -> str:
        roots = ", ".join(r.hex() for r in self.root_hashes)
        return (
            f"ALARM: the log signed {len(self.root_hashes)} different roots for tree size "
            f"{self.tree_size} ({roots}); it has shown different histories (split view)"
        )


def split_views(heads: Iterable[TreeHead]) -> list[SplitView]:
    """Every tree size for which ``heads`` hold more than one root (DIS-3), by size."""
    by_size: dict[int, list[TreeHead]] = {}
    for head in heads:
        by_size.setdefault(head.tree_size, []).append(head)
    alarms: list[SplitView] = []
    for size in sorted(by_size):
        group = by_size[size]
        roots = tuple(dict.fromkeys(h.root_hash for h in group))
        if len(roots) > 1:
            alarms.append(SplitView(size, roots, tuple(group)))
    return alarms
