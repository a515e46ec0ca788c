"""A graceful stop goes through every service even when one of them fails: one
outbox drain that raises, or one stop hook that raises, must not leave the other
services' outboxes undrained or their stores open."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from libs.runtime import Platform
from tests.support.platform import keyring, settings

SERVICES = ("catalog", "disclosure", "billing")


def _count_closes(platform: Platform, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    closed: list[str] = []
    for name, running in platform.running.items():

        def close(
            name: str = name, real: Callable[[], Awaitable[None]] = running.store.close
        ) -> Awaitable[None]:
            closed.append(name)
            return real()

        monkeypatch.setattr(running.store, "close", close)
    return closed


async def test_stop_drains_and_closes_every_service_when_one_drain_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    platform = Platform(settings(tmp_path), SERVICES, secrets=keyring(tmp_path)).build()
    await platform.start()
    drained: list[str] = []

    async def failing_drain(**_: object) -> int:
        raise RuntimeError("broker gone")

    for name, running in platform.running.items():

        async def drain(name: str = name, **_: object) -> int:
            if platform.stopping:  # the running relay drains too; count the final drains
                drained.append(name)
            return 0

        monkeypatch.setattr(running.relay, "drain", failing_drain if name == "catalog" else drain)
    closed = _count_closes(platform, monkeypatch)

    await platform.stop()

    assert set(drained) == {"disclosure", "billing"}
    assert closed == list(SERVICES)
    assert not platform.started
    assert "catalog: final outbox drain failed" in caplog.text


async def test_stop_goes_on_after_a_stop_hook_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    platform = Platform(settings(tmp_path), SERVICES, secrets=keyring(tmp_path)).build()
    first = platform.running["catalog"]

    async def broken_hook() -> None:
        raise RuntimeError("hook broke")

    first.parts = dataclasses.replace(first.parts, on_stop=(broken_hook,))
    await platform.start()
    closed = _count_closes(platform, monkeypatch)

    await platform.stop()

    assert closed == list(SERVICES)
    assert not platform.started
