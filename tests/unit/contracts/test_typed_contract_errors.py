"""Typed errors where ``contracts`` once asserted (asserts vanish under ``python -O``):
an event type without a string tag, a baseline that is not a JSON object."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from contracts import asyncapi
from contracts.compat import load_baseline
from contracts.envelope import UntaggedEvent, event_type, tag_of
from contracts.events import ALL_EVENTS


class Untagged(msgspec.Struct):
    name: str


def test_an_event_type_without_a_string_tag_is_refused_by_name() -> None:
    with pytest.raises(UntaggedEvent, match="Untagged"):
        tag_of(Untagged)  # type: ignore[arg-type]
    with pytest.raises(UntaggedEvent):
        event_type(Untagged(name="x"))  # type: ignore[arg-type]


def test_every_registered_event_has_its_dotted_tag() -> None:
    event = next(iter(ALL_EVENTS))
    assert tag_of(event) == event.__struct_config__.tag
    assert asyncapi._tag(event) == tag_of(event)


def test_a_baseline_that_is_not_a_json_object_is_refused(tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(["not", "an", "object"]), encoding="utf-8")
    with pytest.raises(ValueError, match="JSON object"):
        load_baseline(baseline)
    baseline.write_text(json.dumps({"events": {}}), encoding="utf-8")
    assert load_baseline(baseline) == {"events": {}}
