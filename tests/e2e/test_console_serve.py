"""``pdo serve console``: the console alone, without Kafka, a database or Vault; its
probes answer and its sign-in page carries the strict CSP (issue 13)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.infra.servers import free_port

REPO = Path(__file__).resolve().parents[2]


def test_pdo_serve_console_runs_alone_and_serves_its_pages() -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDO_")}
    env.update(
        PDO_HTTP_HOST="127.0.0.1",
        PDO_HTTP_PORT=str(port),
        PDO_CONSOLE_API_URL=f"http://127.0.0.1:{free_port()}",
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "libs.cli", "serve", "console"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or child.poll() is not None:
                raise AssertionError("pdo serve console did not start")
            time.sleep(0.3)
        page = httpx.get(f"http://127.0.0.1:{port}/console/login", timeout=10)
        assert page.status_code == 200 and "登录" in page.text
        assert "unsafe-inline" not in page.headers["content-security-policy"]
        home = httpx.get(f"http://127.0.0.1:{port}/console/", timeout=10)
        assert home.status_code == 303 and home.headers["location"] == "/console/login"
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
