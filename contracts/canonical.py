"""Canonical JSON and SHA-256 digests, so anyone can recompute an evidence hash (存证).

Canonical form: UTF-8 JSON, keys sorted, no insignificant whitespace, non-ASCII kept
as is. Producers and outside verifiers (the public, the exchange) use this one function.

The form is what ``json.dumps(value, sort_keys=True, ensure_ascii=False,
separators=(",", ":"))`` writes. A value made only of ``dict`` (``str`` keys), ``list``,
``str``, ``int``, ``bool`` and ``None`` — no floats, no subclasses — is written by
``msgspec`` with sorted keys instead, which gives the same bytes (same escapes: ``\\"``,
``\\\\``, ``\\b\\f\\n\\r\\t``, ``\\u00xx`` for the other control characters, nothing else;
keys in code-point order) about twenty times faster; anything else takes ``json.dumps``.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import msgspec

_SORTED = msgspec.json.Encoder(order="sorted")
_PLAIN = frozenset({str, int, bool, type(None)})
_PLAIN_LIMIT = 10_000
"""Containers walked at most before ``json.dumps`` is left to it (which also refuses a
value that contains itself)."""


def _plain(value: Any) -> bool:
    """Whether ``value`` holds only the types ``msgspec`` writes as ``json.dumps`` does."""
    stack = [value]
    plain = _PLAIN
    room = _PLAIN_LIMIT
    while stack:
        node = stack.pop()
        kind = type(node)
        room -= 1
        if room < 0:
            return False
        if kind is dict:
            for key, item in node.items():
                if type(key) is not str:
                    return False
                if type(item) in plain:
                    continue
                stack.append(item)
        elif kind is list:
            for item in node:
                if type(item) in plain:
                    continue
                stack.append(item)
        elif kind not in plain:
            return False
    return True


def canonical_json(value: Any) -> bytes:
    if _plain(value):
        return _SORTED.encode(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def is_plain(value: Any) -> bool:
    """Whether ``value`` (at most ten thousand containers) holds only ``dict`` with
    ``str`` keys, ``list``, ``str``, ``int``, ``bool`` and ``None``: what
    ``canonical_json_of_plain`` may be given."""
    return _plain(value)


def canonical_json_of_plain(value: Any) -> bytes:
    """``canonical_json(value)`` for a value the caller has checked holds only
    ``dict`` (``str`` keys), ``list``, ``tuple``, ``str``, ``int``, ``bool`` and
    ``None`` (exact types, no subclasses): written by ``msgspec`` without the walk,
    whatever its size; a tuple is written as the array ``json.dumps`` writes for it."""
    return _SORTED.encode(value)


def sha256_hex(value: Any) -> str:
    """The hex SHA-256 of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
