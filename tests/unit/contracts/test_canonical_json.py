"""Canonical JSON (存证, DIS-3 leaf bytes): the fast writer gives exactly the bytes of the
reference definition, ``json.dumps(sort_keys=True, ensure_ascii=False, compact)``, and
whatever it cannot write that way takes the reference path."""

from __future__ import annotations

import enum
import hashlib
import json
import random
from typing import Any

import pytest

from contracts.canonical import canonical_json, sha256_hex


def reference(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


_ODD = (0x7F, 0x80, 0x9F, 0xA0, 0x2028, 0x2029, 0xFEFF, 0xE000, 0xFFFF, 0x10000, 0x1F600)
_CHARS = [chr(c) for c in (*range(0x80), *_ODD, 0x10FFFF, 0x4E2D, 0x6587, 0x516C, 0x5F00)]


def _text(draw: random.Random) -> str:
    return "".join(draw.choice(_CHARS) for _ in range(draw.randrange(0, 8)))


def _value(draw: random.Random, depth: int = 0) -> Any:
    kind = draw.randrange(7 if depth < 3 else 4)
    if kind in (0, 3):
        return _text(draw)
    if kind == 1:
        return draw.choice([0, -1, 1, 2**53, -(2**63), 2**63 - 1, 2**64, draw.randrange(-9, 9)])
    if kind == 2:
        return draw.choice([True, False, None])
    if kind in (4, 5):
        return {_text(draw): _value(draw, depth + 1) for _ in range(draw.randrange(0, 5))}
    return [_value(draw, depth + 1) for _ in range(draw.randrange(0, 4))]


def test_DIS_3_canonical_json_is_the_reference_bytes_for_plain_values() -> None:
    """Control characters, U+2028, astral and CJK text, keys that sort differently by
    UTF-16 and by code point, big integers, nesting: byte for byte the reference."""
    draw = random.Random(6962)
    for _ in range(20_000):
        value = {_text(draw): _value(draw) for _ in range(draw.randrange(1, 6))}
        assert canonical_json(value) == reference(value), value
    keys = {"\uffff": 1, "\U0001f600": 2, "\ue000": 3, "a": 4, "B": 5, "": 6}
    assert canonical_json(keys) == reference(keys)
    assert canonical_json(keys).index("\U0001f600".encode()) > canonical_json(keys).index(
        "\uffff".encode()
    )
    assert sha256_hex({"b": [1, "二"], "a": None}) == (
        hashlib.sha256(b'{"a":null,"b":[1,"\xe4\xba\x8c"]}').hexdigest()
    )


class _Colour(enum.IntEnum):
    RED = 1


class _Name(enum.StrEnum):
    A = "a"


@pytest.mark.parametrize(
    "value",
    [
        {"x": 1.5},
        {"x": [1e16, 0.1, -0.0]},
        {"x": float("nan")},
        {"x": float("inf")},
        {1: "int key"},
        {"x": (1, 2)},
        {"x": _Colour.RED},
        {"x": _Name.A},
        {"deep": [[{"x": 2.5}]]},
    ],
)
def test_DIS_3_values_msgspec_would_write_otherwise_take_the_reference_path(value: Any) -> None:
    assert canonical_json(value) == reference(value)


def test_DIS_3_a_value_containing_itself_is_refused_as_before() -> None:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match="Circular"):
        canonical_json(loop)


def test_DIS_3_text_that_is_not_unicode_scalars_is_refused_as_before() -> None:
    with pytest.raises(UnicodeEncodeError):
        canonical_json({"x": "\ud800"})
