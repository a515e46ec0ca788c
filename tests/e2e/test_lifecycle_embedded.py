"""Issue 5's whole lifecycle in embedded mode, through HTTP only (the exchange with its own
client-credential token): resource registered → … → product released (issue 4's walk) →
price capped and published → listed on a licensed exchange → order → execution →
settlement → invoice traced to the events → revenue shares → annual report and
evaluation → annual disclosure report → the transparency log verified offline."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Envelope, decode
from contracts.topics import topic_for
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
