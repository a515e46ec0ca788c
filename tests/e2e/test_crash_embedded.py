"""Embedded mode survives ``kill -9``: an event committed before the crash is delivered
after the restart and handled exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from libs.auth.tokens import TokenIssuer
from libs.bus.embedded import EmbeddedBus
from libs.bus.inbox import COLLECTION as INBOX
from libs.clock import SystemClock
from libs.store.sqlite import SqliteDocumentStore
from services.catalog.repository import RESOURCES
from services.disclosure.repository import LISTINGS
from tests.infra.servers import free_port
from tests.support.platform import TAX, keyring, resource_body

REPO = Path(__file__).resolve().parents[2]


def start(data_dir: Path, port: int, *services: str) -> subprocess.Popen[bytes]:
    with (data_dir / f"child-{port}.log").open("ab") as log:  # the child keeps its own fd
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.support.child_platform",
                str(data_dir),
                str(port),
                *services,
            ],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return child
        except httpx.HTTPError:
            pass
        if child.poll() is not None:
            raise AssertionError((data_dir / f"child-{port}.log").read_text()[-3000:])
        time.sleep(0.1)
    child.kill()
    raise AssertionError("child platform did not become healthy")


def kill9(child: subprocess.Popen[bytes]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)


async def test_an_event_committed_before_kill_9_is_handled_once_after_restart(
    tmp_path: Path,
) -> None:
    issuer = TokenIssuer(keyring(tmp_path), SystemClock(), region="370300")
    auth = {"Authorization": f"Bearer {await issuer.issue(TAX)}"}

    # 1. Only catalog runs: the command commits (state + event in its outbox), then the
    #    process is killed before any consumer could handle the event.
    port = free_port()
    child = start(tmp_path, port, "catalog")
    created = httpx.post(
        f"http://127.0.0.1:{port}/catalog/resources/",
        json=resource_body(),
        headers=auth,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    resource_id = created.json()["resource_id"]
    kill9(child)

    # 2. Everything restarts on the same data: the event is delivered and handled.
    port = free_port()
    child = start(tmp_path, port, "catalog", "disclosure")
    try:
        deadline = time.monotonic() + 30
        listed = None
        while time.monotonic() < deadline:
            listed = httpx.get(f"http://127.0.0.1:{port}/disclosure/resources/{resource_id}")
            if listed.status_code == 200:
                break
            time.sleep(0.1)
        assert listed is not None and listed.status_code == 200
    finally:
        kill9(child)  # a second crash, right after handling, must not double anything

    port = free_port()
    child = start(tmp_path, port, "catalog", "disclosure")
    time.sleep(1.5)  # give a wrongly redelivered event time to be handled again
    kill9(child)

    catalog = SqliteDocumentStore(tmp_path / "catalog.sqlite")
    disclosure = SqliteDocumentStore(tmp_path / "disclosure.sqlite")
    try:
        assert await catalog.with_outbox(RESOURCES, 10) == []  # relayed and cleared
        assert await disclosure.count(LISTINGS) == 1
        assert await disclosure.count(INBOX) == 1  # handled exactly once
    finally:
        await catalog.close()
        await disclosure.close()
    published = EmbeddedBus(tmp_path / "bus.sqlite").read_topic("pdo.370300.catalog.resources.v1")
    assert len({m.key for m in published}) == 1 and published[0].key == resource_id
