"""Registration codes (登记编号) and evidence hashes (存证) of CAT-4.

The code format (region, type letter, sequence, ISO/IEC 7064 MOD 37,36 check character)
is shared with product-release and lives in ``contracts.identifiers.registration_code``.

Every registration act — first (首次登记), change (变更登记) and cancellation (注销登记) —
draws its own code from the region's sequence and hashes the metadata it registers; a
resource keeps the list of its acts (``RegistrationAct``) as its registration history.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contracts.canonical import sha256_hex
from contracts.identifiers.registration_code import (
    ALPHABET,
    CODE_PATTERN,
    KINDS,
    check_character,
    is_valid_code,
    registration_code,
)

__all__ = [
    "ALPHABET",
    "CODE_PATTERN",
    "KINDS",
    "RegistrationAct",
    "check_character",
    "evidence_hash",
    "is_valid_code",
    "registration_code",
]

FIRST = "first"
CHANGE = "change"
CANCELLATION = "cancellation"
ACT_KINDS: frozenset[str] = frozenset({FIRST, CHANGE, CANCELLATION})


@dataclass(frozen=True, slots=True)
class RegistrationAct:
    """One registration act of a resource: its kind, code, evidence hash and time."""

    kind: str
    registration_code: str
    evidence_hash: str
    at: str = ""


def evidence_hash(metadata: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the registered metadata (CAT-4)."""
    return sha256_hex(metadata)
