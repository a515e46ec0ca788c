"""Issue 4's whole path in embedded mode, through HTTP only: scenario → application →
bureau and provider approval → sandboxes → jobs → export checks → human approval →
product on the public list → a metered verification call (REQ, SBX, EXP end to end)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import decode
from contracts.events import UsageMetered
from contracts.topics import topic_for
from libs.bus.embedded import EmbeddedBus
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.full_path import SERVICES, FullPath, scenario_to_metered_call, source_env
from tests.support.platform import keyring, settings
from tests.support.sandbox_broker import sandbox_root

REGION = "370300"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
async def walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FullPath]:
    root = sandbox_root()
    for name, value in source_env(tmp_path, root).items():
        monkeypatch.setenv(name, value)
    clock = FixedClock(START)
    p = Platform(settings(tmp_path), SERVICES, clock=clock, secrets=keyring(tmp_path)).build()
    try:
        async with AsyncTestClient(app=gateway(p)) as client:
            yield FullPath(p, client, clock, REGION)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def usage_events(tmp: Path) -> list[UsageMetered]:
    topic = topic_for("usage.metered").name(REGION)
    found = [decode(m.value).payload for m in EmbeddedBus(tmp / "bus.sqlite").read_topic(topic)]
    return [e for e in found if isinstance(e, UsageMetered)]


async def test_REQ_SBX_EXP_the_whole_path_from_scenario_to_a_metered_verification_call(
    walk: FullPath, tmp_path: Path
) -> None:
    async def metered() -> list[UsageMetered]:
        return usage_events(tmp_path)

    await scenario_to_metered_call(walk, tmp_path, metered)
