"""The base of every event payload: frozen, tagged by its dotted type name."""

from __future__ import annotations

import msgspec


class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", gc=False):
    """A fact in the past tense. Subclasses set ``tag="<aggregate>.<verb>"``.

    Untracked by the cycle collector (``gc=False``): payloads are immutable values, never
    part of a reference cycle (see ``contracts.envelope.Envelope``).

    Within a major version fields may only be added, and only with a default, so an
    old consumer keeps decoding (tests/contract/test_compatibility.py guards this)."""
