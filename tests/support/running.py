"""A real ``pdo up`` on 127.0.0.1 for tests that must go through a socket (beside
``tests.infra.pdo_up``, this one sets the demo's size and lifts the rate limit, waits for
every demo resource, and reads the stores): a subprocess on a free port with a temporary
data directory, its tokens (``pdo token`` for demo
organizations, the instance's own keyring for principals the demo does not have) and
read-only snapshots of each service's SQLite store."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from demo.city import RESOURCES
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.clock import SystemClock
from libs.secrets.keyring import LocalKeyring, load_or_create_passphrase
from tests.infra.pdo_up import PDO, REPO
from tests.infra.pdo_up import pdo_env as _env
from tests.infra.servers import free_port

REGION = "370300"

Snapshot = dict[str, list[tuple[str, int, int, int | None]]]
"""Every collection of one store: ``table -> [(id, version, doc length, outbox_seq)]``."""

UNTRACKED = frozenset({"c_audit", "c__inbox", "c__inbox_marks", "c__sequences"})
"""Collections a refusal may change: its own record on the audit chain (recording every
refusal is a rule, SBX-5/SEC-4); the consumer inbox and its
high-water marks, which move with other services'
events rather than with the request; and number counters (a number drawn for a command
that is then refused is skipped, never reused: a gap, not a document)."""


@dataclass
class Running:
    """A running ``pdo up``: where it listens and where its data lives."""

    base: str
    data_dir: Path
    child: subprocess.Popen[bytes]

    def token(self, org_id: str) -> str:
        """A token for a demo organization, from ``pdo token`` as a user would get it."""
        result = subprocess.run(
            [*PDO, "token", "--org", org_id, "--data-dir", str(self.data_dir)],
            cwd=REPO,
            capture_output=True,
            text=True,
            env=_env(),
            timeout=60,
            check=True,
        )
        return result.stdout.strip()

    def sign(self, principal: Principal) -> str:
        """A token for any principal, signed with the instance's own key (never a new one)."""
        passphrase = load_or_create_passphrase(self.data_dir / "keyring.passphrase")
        secrets = LocalKeyring(self.data_dir / "keyring.bin", passphrase)
        issuer = TokenIssuer(secrets, SystemClock(), region=REGION, create_key=False)
        return asyncio.run(issuer.issue(principal, ttl_seconds=3600))

    def snapshot(self, service: str) -> Snapshot:
        """A fingerprint of every collection of ``service``'s store except ``UNTRACKED``:
        per collection its ids and their versions and outbox positions (every write of
        the store bumps a version or adds a row), read-only."""
        path = self.data_dir / f"{service}.sqlite"
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        try:
            tables = [
                name
                for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if name.startswith("c_") and name not in UNTRACKED
            ]
            rows = {
                t: db.execute(
                    f'SELECT id, version, length(doc), outbox_seq FROM "{t}" ORDER BY id'
                ).fetchall()
                for t in sorted(tables)
            }
            # A collection's table is made on first use: an empty one is no state.
            return {t: r for t, r in rows.items() if r}
        finally:
            db.close()

    def bus_length(self) -> int:
        """How many records the embedded bus log holds (events published by anyone)."""
        db = sqlite3.connect(f"file:{self.data_dir / 'bus.sqlite'}?mode=ro", uri=True, timeout=10)
        try:
            return int(db.execute("SELECT count(*) FROM log").fetchone()[0])
        finally:
            db.close()


@contextmanager
def pdo_up(data_dir: Path, *, rows: int = 200, timeout: float = 600.0) -> Iterator[Running]:
    """``pdo up`` with the demo city, served once its resources are listed; SIGTERM after."""
    port = free_port()
    log_path = data_dir / "pdo.log"
    with log_path.open("wb") as log:
        child = subprocess.Popen(
            [*PDO, "up", "--port", str(port), "--data-dir", str(data_dir)],
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=_env(PDO_DEMO_ROWS=str(rows), PDO_RATE_LIMIT_PER_MINUTE="0"),
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if child.poll() is not None:
                    raise AssertionError(log_path.read_text()[-3000:])
                try:
                    page = httpx.get(f"{base}/disclosure/resources/?limit=200", timeout=2)
                    if page.status_code == 200 and page.json()["total"] >= len(RESOURCES):
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError("pdo up did not serve the demo city in time")
                time.sleep(0.3)
            yield Running(base, data_dir, child)
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
