"""The ``pdo`` command as a user runs it: ``pdo up`` serves all nine services with the
demo city, ``pdo token`` signs in a demo organization, ``pdo contracts --check`` and
``pdo serve`` refuse clearly when something is wrong."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import time
from pathlib import Path

import httpx

from demo.city import RESOURCES
from tests.infra.pdo_up import PDO, REPO
from tests.infra.pdo_up import pdo_env as _env
from tests.infra.servers import free_port
from tests.support.platform import resource_body


def test_pdo_up_serves_nine_services_and_the_demo_city(tmp_path: Path) -> None:
    port = free_port()
    log = (tmp_path / "pdo.log").open("wb")  # closed with the test's tmp dir
    child = subprocess.Popen(
        [*PDO, "up", "--port", str(port), "--data-dir", str(tmp_path)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        # a smaller source than the default million rows: the products of the demo year
        # come from it, and the year loads before the first request is served
        env=_env(PDO_DEMO_ROWS="20000"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        listed: list[dict[str, object]] = []
        while time.monotonic() < deadline:
            try:
                page = httpx.get(f"{base}/disclosure/resources/?limit=200", timeout=2)
                listed = page.json()["items"] if page.status_code == 200 else []
                if len(listed) >= len(RESOURCES):
                    break
            except httpx.HTTPError:
                pass
            assert child.poll() is None, (tmp_path / "pdo.log").read_text()[-3000:]
            time.sleep(0.2)
        assert len(listed) == len(RESOURCES)
        assert {r["name"] for r in listed} >= {"企业纳税信息", "住房公积金缴存信息"}
        health = httpx.get(f"{base}/healthz").json()
        assert health["status"] == "up" and len(health["services"]) == 9

        token = subprocess.run(
            [*PDO, "token", "--org", "org-370300-tax", "--data-dir", str(tmp_path)],
            cwd=REPO,
            capture_output=True,
            text=True,
            env=_env(),
            timeout=60,
            check=True,
        ).stdout.strip()
        created = httpx.post(
            f"{base}/catalog/resources/",
            json=resource_body(name="新资源"),
            headers={"Authorization": f"Bearer {token}"},
        )
        assert created.status_code == 201, created.text
    finally:
        child.send_signal(signal.SIGTERM)
        child.wait(timeout=30)
    assert (tmp_path / "keyring.passphrase").stat().st_mode & 0o077 == 0

    # A second start on the same data loads nothing twice.
    port = free_port()
    again = subprocess.Popen(
        [*PDO, "up", "--port", str(port), "--data-dir", str(tmp_path)],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_env(),
    )
    try:
        deadline = time.monotonic() + 180  # startup can take over a minute on a busy machine
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        time.sleep(1)
        page = httpx.get(f"http://127.0.0.1:{port}/disclosure/resources/?limit=200").json()
        assert page["total"] == len(RESOURCES) + 1
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=30)


def test_pdo_contracts_check_passes_on_the_checked_in_files() -> None:
    result = subprocess.run(
        [*PDO, "contracts", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_pdo_serve_without_kafka_or_mongo_says_what_is_missing() -> None:
    result = subprocess.run(
        [*PDO, "serve", "catalog"], cwd=REPO, capture_output=True, text=True, env=_env(), timeout=60
    )
    assert result.returncode == 2
    assert "PDO_KAFKA_BOOTSTRAP is required in distributed mode" in result.stderr


def test_pdo_refuses_a_malformed_region() -> None:
    result = subprocess.run(
        [*PDO, "serve", "catalog"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(PDO_REGION="abc", PDO_KAFKA_BOOTSTRAP="x", PDO_MONGO_URI="mongodb://x"),
    )
    assert result.returncode == 2
    assert "PDO_REGION='abc'" in result.stderr


def test_the_readme_states_the_number_of_demo_resources_the_code_registers() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"\b(\d+) resources\b", readme)
    assert stated is not None, "the README does not say how many demo resources there are"
    assert int(stated.group(1)) == len(RESOURCES)


def test_pdo_token_never_creates_a_key_and_names_the_data_directory_it_looked_in(
    tmp_path: Path,
) -> None:
    result = subprocess.run(
        [*PDO, "token", "--org", "org-370300-tax", "--data-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert str(tmp_path.resolve()) in result.stderr
    assert list(tmp_path.iterdir()) == []  # no keyring, no passphrase, no key


def test_pdo_token_refuses_a_keyring_without_the_signing_key(tmp_path: Path) -> None:
    from libs.secrets.keyring import LocalKeyring, load_or_create_passphrase

    passphrase = load_or_create_passphrase(tmp_path / "keyring.passphrase")
    ring = LocalKeyring(tmp_path / "keyring.bin", passphrase)
    asyncio.run(ring.ensure_signing_key("disclosure-tree-heads"))  # another key only
    before = (tmp_path / "keyring.bin").read_bytes()
    result = subprocess.run(
        [*PDO, "token", "--org", "org-370300-tax", "--data-dir", str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=_env(),
        timeout=60,
    )
    assert result.returncode == 2 and str(tmp_path.resolve()) in result.stderr
    assert (tmp_path / "keyring.bin").read_bytes() == before
