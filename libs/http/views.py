"""Views (视图) converted by msgspec, not copied field by field.

``converted(source, View, **derived)`` reads every field of ``View`` from the attribute of
the same name on ``source`` (a domain dataclass, a request body, a struct), converting
nested values alike (``msgspec.convert(..., from_attributes=True)``); the fields a view
names differently or computes are given as ``derived``. A field added to both the
domain type and its view is carried without touching the conversion.

A stored document (a mapping, e.g. a read model) is read by key instead; a key the
document lacks (written before the field existed) reads as the field's empty value —
``""``, ``[]``, ``{}`` or ``None`` by its type — as the views' hand-written ``.get(key, "")``
did. A key whose type has no empty value stays required.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, Union, get_args, get_origin

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


_EMPTY: dict[Any, Callable[[], Any]] = {str: str, list: list, dict: dict}


_EMPTIES: dict[type[Any], tuple[tuple[str, Callable[[], Any]], ...]] = {}


def _empties(view: type[Any]) -> tuple[tuple[str, Callable[[], Any]], ...]:
    """The fields of ``view`` that have an empty value, with its maker (see the module)."""
    if view in _EMPTIES:
        return _EMPTIES[view]
    found: list[tuple[str, Callable[[], Any]]] = []
    for field in msgspec.structs.fields(view):
        kind = field.type
        origin = get_origin(kind)
        if origin in (Union, types.UnionType) and type(None) in get_args(kind):
            found.append((field.name, type(None)))
        elif (origin or kind) in _EMPTY:
            found.append((field.name, _EMPTY[origin or kind]))
    _EMPTIES[view] = tuple(found)
    return _EMPTIES[view]


def converted(source: object, view: type[V], **derived: Any) -> V:
    """``source`` as ``view``: same-named attributes (or a document's keys) converted,
    ``derived`` given."""
    if isinstance(source, Mapping):
        empty = {name: make() for name, make in _empties(view) if name not in source}
        return msgspec.convert({**empty, **source, **derived}, view, from_attributes=True)
    subject = _WithDerived(source, derived) if derived else source
    return msgspec.convert(subject, view, from_attributes=True)


__all__ = ["converted"]
