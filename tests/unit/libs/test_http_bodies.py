"""The shared request-body decoder (``libs.http.bodies``) and the string rules it applies
(``contracts.text``): strict JSON types, bounded depth, ids, names, text and NFC."""

from __future__ import annotations

import unicodedata
from typing import Any

import msgspec
import pytest
from litestar.exceptions import ValidationException

from contracts import text
from libs.http.bodies import MAX_DEPTH, decode_body


class Line(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    note: str = ""


class Command(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    product_id: str
    amount_fen: int
    urgent: bool = False
    lines: list[Line] = []
    tags: dict[str, str] = {}
    extra: Any = None


def _refused(body: bytes) -> str:
    with pytest.raises(ValidationException) as caught:
        decode_body(body, Command)
    return str(caught.value.extra)


@pytest.mark.parametrize("amount", [b'"100"', b'"1e2"', b"1.0", b'"100.0"', b"true"])
def test_an_integer_must_be_a_json_integer(amount: bytes) -> None:
    assert "amount_fen" in _refused(b'{"product_id": "p-1", "amount_fen": ' + amount + b"}")


@pytest.mark.parametrize("flag", [b'"false"', b'"0"', b"0", b"1", b"null"])
def test_a_flag_must_be_a_json_boolean(flag: bytes) -> None:
    assert "urgent" in _refused(b'{"product_id": "p-1", "amount_fen": 1, "urgent": ' + flag + b"}")


def test_nesting_is_bounded_even_where_any_value_is_allowed() -> None:
    shallow = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    deep = b"[" * (MAX_DEPTH + 5) + b"]" * (MAX_DEPTH + 5)
    thousand = b"[" * 1000 + b"]" * 1000
    ok = decode_body(
        b'{"product_id": "p", "amount_fen": 1, "extra": ' + shallow[2:-2] + b"}", Command
    )
    assert ok.amount_fen == 1
    for body in (deep, thousand):
        assert "nested deeper" in _refused(
            b'{"product_id": "p", "amount_fen": 1, "extra": ' + body + b"}"
        )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"product_id": "p\\u0000", "amount_fen": 1}', "product_id"),
        (b'{"product_id": "' + b"p" * 200 + b'", "amount_fen": 1}', "product_id"),
        (b'{"product_id": "p 1", "amount_fen": 1}', "product_id"),
        (b'{"product_id": "p", "amount_fen": 1, "lines": [{"name": "a\\nb"}]}', "lines[0].name"),
        (
            b'{"product_id": "p", "amount_fen": 1, "lines": [{"name": "a\\u202eb"}]}',
            "lines[0].name",
        ),
        (
            b'{"product_id": "p", "amount_fen": 1, "lines": [{"name": "a", "note": "\\u0007"}]}',
            "lines[0].note",
        ),
        (b'{"product_id": "p", "amount_fen": 1, "tags": {"": "x"}}', "tags"),
    ],
    ids=[
        "nul-id",
        "long-id",
        "space-in-id",
        "newline-in-name",
        "rlo-in-name",
        "bel-in-text",
        "empty-key",
    ],
)
def test_strings_follow_the_rule_of_their_kind(body: bytes, field: str) -> None:
    assert f"$.{field}" in _refused(body)


def test_text_keeps_line_breaks_and_every_string_is_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Café")
    body = msgspec.json.encode(
        {"product_id": "p", "amount_fen": 1, "lines": [{"name": decomposed, "note": "a\r\nb\nc"}]}
    )
    decoded = decode_body(body, Command)
    assert decoded.lines[0].name == "Café" and unicodedata.is_normalized(
        "NFC", decoded.lines[0].name
    )
    assert decoded.lines[0].note == "a\r\nb\nc"


@pytest.mark.parametrize(
    ("field", "kind"),
    [
        ("product_id", "id"),
        ("resource_ids", "id"),
        ("name", "name"),
        ("org_name", "name"),
        ("title", "name"),
        ("description", "text"),
    ],
)
def test_a_field_name_decides_the_kind_of_its_string(field: str, kind: str) -> None:
    assert text.kind_of(field) == kind
