"""``libs.http.views.converted``: a view read from a domain object by msgspec, same-named
attributes converted (nested too), derived fields given, nothing copied by hand."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec
import pytest

from libs.http.views import converted


@dataclass(frozen=True)
class Item:
    name: str
    grade: int


@dataclass(frozen=True)
class Thing:
    thing_id: str
    items: tuple[Item, ...]
    home: str
    secret: str = "never shown"


class ItemView(msgspec.Struct):
    name: str
    grade: int


class ThingView(msgspec.Struct, kw_only=True):
    thing_id: str
    items: list[ItemView]
    region: str


def test_a_view_is_read_from_same_named_attributes_and_derived_fields() -> None:
    thing = Thing(thing_id="t-1", items=(Item("credit_code", 2),), home="370300")
    assert converted(thing, ThingView, region=thing.home) == ThingView(
        thing_id="t-1", items=[ItemView("credit_code", 2)], region="370300"
    )


def test_a_view_field_the_source_lacks_and_nobody_derives_is_refused() -> None:
    with pytest.raises(msgspec.ValidationError):
        converted(Thing(thing_id="t-1", items=(), home="370300"), ThingView)


def test_a_derived_field_wins_over_the_attribute() -> None:
    item = converted(Item("credit_code", 2), ItemView, grade=4)
    assert item == ItemView("credit_code", 4)


class DocumentView(msgspec.Struct, kw_only=True):
    doc_id: str
    state: str
    reason: str
    tags: list[str]
    counts: dict[str, int]
    certificate: dict[str, str] | None
    size: int


def test_a_view_is_read_from_a_documents_keys_missing_ones_empty_by_type() -> None:
    doc = {"_id": "d-1", "state": "ready", "tags": ("a",), "size": 3, "internal": "x"}
    view = converted(doc, DocumentView, doc_id=doc["_id"])
    assert view == DocumentView(
        doc_id="d-1", state="ready", reason="", tags=["a"], counts={}, certificate=None, size=3
    )
    assert converted({**doc, "reason": "why"}, DocumentView, doc_id="d-1").reason == "why"
    a, b = converted(doc, DocumentView, doc_id="1"), converted(doc, DocumentView, doc_id="2")
    assert a.tags is not b.tags and a.counts is not b.counts  # never one shared empty list
    with pytest.raises(msgspec.ValidationError, match="size"):  # a number has no empty value
        converted({"_id": "d-2", "state": "ready"}, DocumentView, doc_id="d-2")
