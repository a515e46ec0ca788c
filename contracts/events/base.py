"""The base of every event payload: frozen, tagged by its dotted type name."""

from __future__ import annotations

import msgspec


# gc=False: payloads are immutable values, never part of a reference cycle, so the cycle
# collector need not track them (see contracts.envelope.Envelope).
class Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", gc=False):
    """A fact in the past tense. Subclasses set ``tag="<aggregate>.<verb>"``.

    Within a major version fields may only be added, and only with a default, so an
    old consumer keeps decoding (tests/contract/test_compatibility.py guards this)."""
