"""``pdo demo --url`` loads the demo year into a running ``pdo up --no-demo`` through HTTP
only, moving the instance's demo clock (``/demo/clock``) and handing it back to wall time;
a second run loads nothing. The front door at ``/`` says what the platform is, links the
public pages, every service's OpenAPI document and the AsyncAPI document, is escaped and
served with the pages' CSP; the demo accounts appear only in embedded demo mode."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from litestar.testing import AsyncTestClient

from contracts.topics import SERVICES
from demo.year import DEMO_PASSWORD, SCENARIOS
from libs.http.front_door import DemoAccounts, render
from libs.http.gateway import gateway
from tests.infra.pdo_up import PDO, REPO
from tests.infra.pdo_up import pdo_env as _env
from tests.infra.servers import free_port
from tests.support.platform import platform


def test_REQ_1_pdo_demo_loads_the_year_into_pdo_up_no_demo_through_http(tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "pdo.log").open("wb")
    child = subprocess.Popen(
        [*PDO, "up", "--no-demo", "--port", str(port), "--data-dir", str(tmp_path)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_env(PDO_RATE_LIMIT_PER_MINUTE="0"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert child.poll() is None, (tmp_path / "pdo.log").read_text()[-3000:]
            time.sleep(0.3)
        # --no-demo starts empty, and its front door shows no demo accounts.
        assert httpx.get(f"{base}/disclosure/resources/").json()["total"] == 0
        assert DEMO_PASSWORD not in httpx.get(f"{base}/").text

        def demo() -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [*PDO, "demo", "--url", base, "--data-dir", str(tmp_path)],
                cwd=REPO,
                capture_output=True,
                text=True,
                env=_env(),
                timeout=280,
            )

        loaded = demo()
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        assert "demo [15/15]" in loaded.stderr and "demo year" in loaded.stdout
        told = datetime.fromisoformat(httpx.get(f"{base}/demo/clock").json()["now"])
        assert abs((told - datetime.now(UTC)).total_seconds()) < 60  # back on wall time
        page = httpx.get(f"{base}/disclosure/resources/?limit=200").json()
        assert page["total"] >= 40

        again = demo()
        assert again.returncode == 0, again.stderr[-3000:]
        assert "already holds the demo city" in again.stderr
        assert "demo [1/15]" not in again.stderr
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)


def test_pdo_demo_refuses_an_instance_without_a_key_it_can_read(tmp_path: Path) -> None:
    refused = subprocess.run(
        [*PDO, "demo", "--url", "http://127.0.0.1:9", "--data-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert refused.returncode == 2 and "no signing key" in refused.stderr


async def test_the_front_door_links_the_public_pages_and_every_document(tmp_path: Path) -> None:
    p = platform(tmp_path)
    async with AsyncTestClient(app=gateway(p)) as client:
        door = await client.get("/")
        assert door.status_code == 200
        assert door.headers["content-type"].startswith("text/html")
        assert "default-src 'none'" in door.headers["content-security-policy"]
        html = door.text
        assert "公共数据资源授权运营平台" in html
        for link in ("/disclosure/pages/", "/rules/", "/asyncapi.json"):
            assert f'href="{link}"' in html
            assert (await client.get(link)).status_code == 200, link
        for service in SERVICES:
            assert f'href="/{service}/schema"' in html
            assert (await client.get(f"/{service}/schema/openapi.json")).status_code == 200
        assert (await client.get("/asyncapi.json")).json()["asyncapi"].startswith("3.")
        assert DEMO_PASSWORD not in html and "演示账户" not in html


def test_the_front_door_shows_demo_accounts_escaped_only_when_given() -> None:
    shown = render("370300", SERVICES, DemoAccounts("p<w>", [("bureau.demo", "<税务局>", "x")]))
    assert "演示账户" in shown and "&lt;税务局&gt;" in shown and "<税务局>" not in shown
    assert "p&lt;w&gt;" in shown
    assert "演示账户" not in render("370300", SERVICES, None)
    assert len(SCENARIOS) >= 12
