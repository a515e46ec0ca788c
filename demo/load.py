"""Loading the demo year: into the embedded platform at ``pdo up`` (in-process, through
the gateway's ASGI app), or into a running instance with ``pdo demo --url``.

Once per data directory: the embedded loader writes ``demo-loaded.json`` (the counts)
when the year is in and loads nothing when it is there; ``pdo demo`` asks identity for
the demo operator first and stops when it exists. Time: embedded ``pdo up`` runs the
platform on a ``DemoClock`` that starts on the first working day of the previous year
(``start_of_demo``); the loader moves it month by month and hands over to wall time at
the end. ``pdo demo --url`` moves the target's clock with ``PUT /demo/clock``, which only
an embedded instance serves (``libs.http.demo_clock``): a distributed deployment never
moves time, so ``pdo demo`` refuses it, saying so.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx

from demo.city import OPERATOR
from demo.driver import DemoError, Driver
from demo.year import Year, YearReport
from libs.clock import DemoClock
from libs.secrets.port import SecretStore

log = logging.getLogger("pdo.demo")
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per demo call otherwise

MARKER = "demo-loaded.json"


def start_of_demo(now: datetime) -> datetime:
    """00:00 Beijing time, 2 January of the year before ``now``."""
    return datetime(now.year - 1, 1, 2, tzinfo=UTC) - timedelta(hours=8)


def loaded(data_dir: Path) -> bool:
    return (data_dir / MARKER).exists()


async def load_embedded(
    app: Any,
    *,
    secrets: SecretStore,
    clock: DemoClock,
    region: str,
    data_dir: Path,
    say: Callable[[str], None] | None = None,
) -> YearReport | None:
    """The year, through ``app`` in this process; ``None`` when it was loaded before."""
    speak = say or log.info
    if loaded(data_dir):
        clock.hand_over()
        speak(f"demo: already loaded in {data_dir} ({MARKER}); nothing to do")
        return None
    report = await through_app(app, secrets=secrets, clock=clock, region=region, say=speak)
    clock.hand_over()
    (data_dir / MARKER).write_text(
        json.dumps({"year": report.year, "counts": report.counts}, ensure_ascii=False),
        encoding="utf-8",
    )
    speak(f"demo: the year {report.year} loaded in {report.seconds:.1f} s: {report.counts}")
    return report


class SettableClock(Protocol):
    def now(self) -> datetime: ...

    def set(self, at: datetime) -> None: ...


async def through_app(
    app: Any,
    *,
    secrets: SecretStore,
    clock: SettableClock,
    region: str,
    through: str = "",
    say: Callable[[str], None] | None = None,
) -> YearReport:
    """The year (or its steps up to ``through``) through the ASGI ``app`` of a started
    platform in this process, on its ``clock`` (a ``DemoClock``, or a test's
    ``FixedClock``); the year is the clock's."""
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 0))
    async with httpx.AsyncClient(transport=transport, base_url="http://pdo.local") as http:
        driver = Driver(http, secrets, clock, region, move_clock=clock.set, say=say or log.info)
        return await Year(driver, clock.now().year).run(through=through)


class _RemoteClock:
    """The target's demo clock as this client knows it: set by ``PUT /demo/clock``."""

    def __init__(self, http: httpx.AsyncClient, at: datetime) -> None:
        self.http = http
        self._offset = at - datetime.now(UTC)
        self.bearer: Callable[[], Any] | None = None

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    async def move(self, at: datetime | None) -> None:
        """To ``at``, or back to wall time (``None``)."""
        headers = await self.bearer() if self.bearer is not None else {}
        body = {"at": at.isoformat() if at is not None else None}
        response = await self.http.put("/demo/clock", json=body, headers=headers)
        if response.status_code != 200:
            raise DemoError(f"PUT /demo/clock: {response.status_code} {response.text[:300]}")
        self._offset = datetime.fromisoformat(response.json()["now"]) - datetime.now(UTC)


async def load_remote(
    url: str, *, secrets: SecretStore, region: str, say: Callable[[str], None] = print
) -> YearReport | None:
    """The year into the instance at ``url``, through HTTP only."""
    async with httpx.AsyncClient(base_url=url.rstrip("/"), timeout=60) as http:
        told = await http.get("/demo/clock")
        if told.status_code != 200:
            raise DemoError(
                f"{url} has no demo clock (GET /demo/clock: {told.status_code}): the demo "
                "year needs the target's time moved through the previous year, which only "
                "an embedded instance allows (start it with `pdo up --no-demo`)"
            )
        server_now = datetime.fromisoformat(told.json()["now"])
        clock = _RemoteClock(http, server_now)
        driver = Driver(http, secrets, clock, region, move_clock=clock.move, say=say)

        async def bureau() -> dict[str, str]:
            from demo.city import BUREAU

            return await driver.headers(BUREAU)

        clock.bearer = bureau
        there = await http.get(f"/identity/organizations/{OPERATOR.org_id}", headers=await bureau())
        if there.status_code == 200:
            say(f"demo: {url} already holds the demo city ({OPERATOR.org_id}); nothing to do")
            return None
        start = start_of_demo(server_now)
        await clock.move(start)
        driver._tokens.clear()
        report = await Year(driver, start.year).run()
        await clock.move(None)
        say(f"demo: the year {report.year} loaded in {report.seconds:.1f} s: {report.counts}")
        return report
