"""Canonical JSON and SHA-256 digests, so anyone can recompute an evidence hash (存证).

Canonical form: UTF-8 JSON, keys sorted, no insignificant whitespace, non-ASCII kept
as is. Producers and outside verifiers (the public, the exchange) use this one function.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def sha256_hex(value: Any) -> str:
    """The hex SHA-256 of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
