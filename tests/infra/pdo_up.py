"""A real ``pdo up`` (all nine services, the demo city) as a child process on 127.0.0.1.

``running_pdo_up(data_dir)`` starts it on a free port, waits until ``/healthz`` answers
200 and the demo city's resources are listed, and stops it with SIGTERM on exit; its
output goes to ``data_dir/pdo.log``, quoted when the start fails. ``PdoUp.token(org)``
signs in a demo organization with ``pdo token`` on the same data directory.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.infra.servers import free_port

PDO = [sys.executable, "-m", "libs.cli"]
REPO = Path(__file__).resolve().parents[2]


def pdo_env(**extra: str) -> dict[str, str]:
    """The environment without the caller's ``PDO_*`` settings, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDO_")}
    env.update(extra)
    return env


@dataclass(frozen=True)
class PdoUp:
    base_url: str
    data_dir: Path
    log: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def token(self, org: str) -> str:
        """An access token for a demo organization (``pdo token --org``)."""
        return subprocess.run(
            [*PDO, "token", "--org", org, "--data-dir", str(self.data_dir)],
            cwd=REPO,
            capture_output=True,
            text=True,
            env=pdo_env(),
            timeout=60,
            check=True,
        ).stdout.strip()


@contextmanager
def running_pdo_up(data_dir: Path, *, timeout: float = 90) -> Iterator[PdoUp]:
    port = free_port()
    log = data_dir / "pdo.log"
    with log.open("wb") as sink:
        child = subprocess.Popen(
            [*PDO, "up", "--port", str(port), "--data-dir", str(data_dir)],
            cwd=REPO,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env=pdo_env(),
        )
        up = PdoUp(f"http://127.0.0.1:{port}", data_dir, log)
        try:
            _wait_until_ready(up, child, timeout)
            yield up
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)


def _wait_until_ready(up: PdoUp, child: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"pdo up exited early:\n{up.log.read_text()[-3000:]}")
        try:
            health = httpx.get(up.url("/healthz"), timeout=2)
            listed = httpx.get(up.url("/disclosure/resources/?limit=1"), timeout=2)
            if health.status_code == 200 and listed.status_code == 200 and listed.json()["total"]:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"pdo up not ready in {timeout:.0f} s:\n{up.log.read_text()[-3000:]}")
