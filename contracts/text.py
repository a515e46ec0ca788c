"""What a string sent to the platform may contain: ids, names and free text (edge rules).

Every string of every request body is one of three kinds, decided by its field name so
that one rule covers every service (``libs.http.bodies`` applies it while decoding and
``libs.http.openapi`` states it in the published schema):

- **id** (``id``, ``*_id``, and the items of ``*_ids``): up to ``ID_MAX`` characters of
  ``[A-Za-z0-9._:-]``, starting with a letter or digit (empty where a body's schema lets
  an optional id be ``""``: "none");
- **name** (``name``, ``*_name``, ``title``): no control character at all (C0, DEL,
  C1), no bidirectional override or mark (U+200E/F, U+202A–U+202E, U+2066–U+2069);
- **text** (everything else): as a name, except that line breaks (LF, CR) are kept.

Strings are normalized to NFC before they are used, so two spellings of one name are
one name.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

Kind = Literal["id", "name", "text"]

ID_MAX = 128
"""Longest id accepted anywhere (a UUID with a prefix is under 50)."""

_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_C0_NO_BREAKS = "\x00-\x09\x0b\x0c\x0e-\x1f"

ID_PATTERN = r"^(?:[A-Za-z0-9][A-Za-z0-9._:-]*)?$"
NAME_PATTERN = f"^[^\\x00-\\x1f\\x7f-\\x9f{_BIDI}]*$"
TEXT_PATTERN = f"^[^{_C0_NO_BREAKS}\\x7f-\\x9f{_BIDI}]*$"

PATTERNS: dict[Kind, str] = {"id": ID_PATTERN, "name": NAME_PATTERN, "text": TEXT_PATTERN}
_COMPILED = {kind: re.compile(p) for kind, p in PATTERNS.items()}
_MESSAGES: dict[Kind, str] = {
    "id": f"an id is at most {ID_MAX} characters of A-Z a-z 0-9 . _ : - (starting alphanumeric)",
    "name": "a name may not contain control characters, line breaks or bidirectional overrides",
    "text": "text may not contain control characters (other than line breaks) or "
    "bidirectional overrides",
}


def kind_of(field: str) -> Kind:
    """The kind of string a field named ``field`` holds (see the module docstring)."""
    if field == "id" or field.endswith("_id") or field.endswith("_ids"):
        return "id"
    if field in ("name", "title") or field.endswith("_name"):
        return "name"
    return "text"


def problem_with(kind: Kind, value: str) -> str | None:
    """Why ``value`` is not an acceptable string of ``kind``, or ``None`` when it is."""
    if kind == "id" and len(value) > ID_MAX:
        return _MESSAGES["id"]
    if _COMPILED[kind].match(value) is None:
        return _MESSAGES[kind]
    return None


def normalized(value: str) -> str:
    """``value`` in Unicode normalization form C."""
    if value.isascii() or unicodedata.is_normalized("NFC", value):
        return value
    return unicodedata.normalize("NFC", value)
