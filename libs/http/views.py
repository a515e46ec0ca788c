"""Views (视图) converted by msgspec, not copied field by field.

``converted(source, View, **derived)`` reads every field of ``View`` from the attribute of
the same name on ``source`` (a domain dataclass, a request body, a struct), converting
nested values alike (``msgspec.convert(..., from_attributes=True)``); the fields a view
names differently or computes are given as ``derived``. A field added to both the
domain type and its view is carried without touching the conversion.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

V = TypeVar("V")


class _WithDerived:
    """``source``'s attributes, with ``derived`` in place of (or besides) some of them."""

    __slots__ = ("_derived", "_source")

    def __init__(self, source: object, derived: Mapping[str, Any]) -> None:
        self._source = source
        self._derived = derived

    def __getattr__(self, name: str) -> Any:
        if name in self._derived:
            return self._derived[name]
        return getattr(self._source, name)


def converted(source: object, view: type[V], **derived: Any) -> V:
    """``source`` as ``view``: same-named attributes converted, ``derived`` given."""
    subject = _WithDerived(source, derived) if derived else source
    return msgspec.convert(subject, view, from_attributes=True)


__all__ = ["converted"]
