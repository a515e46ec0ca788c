"""Issue 5's whole lifecycle in embedded mode, through HTTP only (the exchange with its own
client-credential token): resource registered → … → product released (issue 4's walk) →
price capped and published → listed on a licensed exchange → order → execution →
settlement → invoice traced to the events → revenue shares → annual report and
evaluation → annual disclosure report → the transparency log verified offline."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from litestar.testing import AsyncTestClient

from contracts import asyncapi
from contracts.envelope import Envelope, decode
from contracts.events import ALL_EVENTS
from contracts.topics import TOPICS, topic_for
from libs.bus.embedded import EmbeddedBus
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.full_path import source_env
from tests.support.lifecycle import SERVICES, Events, Lifecycle, LifecyclePath
from tests.support.platform import keyring, settings
from tests.support.sandbox_broker import sandbox_root

REGION = "370300"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SCHEMAS = asyncapi.HERE / "schemas"


def bus_events(p: Platform) -> Events:
    """Every envelope of a type on its topic of the embedded bus, in log order."""
    bus = p.bus
    assert isinstance(bus, EmbeddedBus)

    async def read(event_type: str) -> list[Envelope]:
        topic = topic_for(event_type).name(REGION)
        found = (decode(m.value) for m in bus.read_topic(topic))
        return [e for e in found if e.type == event_type]

    return read


@pytest.fixture
async def lifecycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Lifecycle]:
    root = sandbox_root()
    for name, value in source_env(tmp_path, root).items():
        monkeypatch.setenv(name, value)
    clock = FixedClock(START)
    p = Platform(settings(tmp_path), SERVICES, clock=clock, secrets=keyring(tmp_path)).build()
    try:
        async with AsyncTestClient(app=gateway(p)) as client:
            walk = LifecyclePath(p, client, clock, REGION, keys=keyring(tmp_path))
            yield Lifecycle(walk, bus_events(p), tmp_path)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def test_TRD_BIL_EVA_DIS_the_lifecycle_from_product_to_a_verified_annual_disclosure(
    lifecycle: Lifecycle,
) -> None:
    await lifecycle.run()


async def test_every_record_of_the_lifecycle_validates_against_the_published_schema_files_alone(
    lifecycle: Lifecycle, tmp_path: Path
) -> None:
    """Issue 11 item 5: each file of ``contracts/schemas/`` is self-contained. Every record
    the lifecycle put on any topic validates, with ``jsonschema`` and nothing else,
    against ``Envelope.json`` and its payload against ``<Event>.json``, each file read on
    its own (copied alone into an empty directory: no reference can leave it)."""
    await lifecycle.run()
    assert lifecycle.walk.platform is not None
    bus = lifecycle.walk.platform.bus
    assert isinstance(bus, EmbeddedBus)
    names = {e.__struct_config__.tag: e.__name__ for e in ALL_EVENTS}

    def validator(name: str) -> jsonschema.protocols.Validator:
        alone = tmp_path / "alone" / name
        alone.mkdir(parents=True, exist_ok=True)
        shutil.copy(SCHEMAS / f"{name}.json", alone / f"{name}.json")
        schema = json.loads((alone / f"{name}.json").read_text(encoding="utf-8"))
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        return cls(schema, format_checker=cls.FORMAT_CHECKER)  # type: ignore[no-any-return]

    envelope = validator("Envelope")
    checked: dict[str, int] = {}
    for spec in TOPICS:
        for message in bus.read_topic(spec.name(REGION)):
            record = json.loads(message.value)
            envelope.validate(record)
            validator(names[record["type"]]).validate(record["payload"])
            checked[record["type"]] = checked.get(record["type"], 0) + 1
    print(f"{sum(checked.values())} records of {len(checked)} event types validated")
    assert sum(checked.values()) >= 80, checked
    for chain in ("listing.created", "order.received", "trade.executed", "trade.settled"):
        assert checked.get(chain) == 1, checked
    # the check can fail: money as a float, a region that is no GB/T 2260 code, a
    # payload without its required fields are refused
    sample = json.loads(bus.read_topic(topic_for("trade.settled").name(REGION))[0].value)
    bad_money = {**sample["payload"], "amount_fen": 12.5}
    with pytest.raises(jsonschema.ValidationError):
        validator("TradeSettled").validate(bad_money)
    with pytest.raises(jsonschema.ValidationError):
        envelope.validate({**sample, "region": "37030"})
    with pytest.raises(jsonschema.ValidationError):
        envelope.validate({**sample, "payload": {"type": "trade.settled"}})
