"""``pdo serve <service>`` as an operator runs it: two processes configured only by
environment variables, on the real Kafka broker and MongoDB-wire server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.clock import SystemClock
from libs.secrets.keyring import LocalKeyring
from tests.infra.servers import free_port
from tests.integration.test_resource_flow_kafka import fresh_region
from tests.support.platform import TAX, resource_body

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]
REPO = Path(__file__).resolve().parents[2]


def serve(service: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    with log.open("ab") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "libs.cli", "serve", service],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**env, "PDO_HTTP_PORT": str(port)},
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert child.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return child, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    child.kill()
    raise AssertionError(log.read_text()[-3000:])


def test_two_services_started_with_pdo_serve_cooperate_over_kafka(
    tmp_path: Path, kafka_bootstrap: str, mongo_uri: str
) -> None:
    region = fresh_region()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PDO_")}
    env.update(
        PDO_MODE="distributed",
        PDO_REGION=region,
        PDO_KAFKA_BOOTSTRAP=kafka_bootstrap,
        PDO_MONGO_URI=mongo_uri,
        PDO_DATA_DIR=str(tmp_path),
        PDO_KEYRING_PASSPHRASE="serve-test-passphrase",
    )
    catalog, catalog_url = serve("catalog", env, tmp_path / "catalog.log")
    disclosure, disclosure_url = serve("disclosure", env, tmp_path / "disclosure.log")
    try:
        keyring = LocalKeyring(tmp_path / "keyring.bin", "serve-test-passphrase")
        issuer = TokenIssuer(keyring, SystemClock(), region=region)
        who = Principal(user_id=TAX.user_id, org_id=TAX.org_id, role=TAX.role, region=region)
        auth = {"Authorization": f"Bearer {asyncio.run(issuer.issue(who))}"}
        created = httpx.post(
            f"{catalog_url}/catalog/resources/", json=resource_body(), headers=auth, timeout=10
        )
        assert created.status_code == 201, created.text
        rid = created.json()["resource_id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            listed = httpx.get(f"{disclosure_url}/disclosure/resources/{rid}", timeout=5)
            if listed.status_code == 200:
                break
            time.sleep(0.2)
        assert listed.status_code == 200
        assert listed.json()["region"] == region
        # Each process serves only its own service.
        assert httpx.get(f"{catalog_url}/disclosure/resources/").status_code == 404
        assert httpx.get(f"{catalog_url}/healthz").json()["services"] == {"catalog": "up"}
        # The rule pages answer at the root of a service started alone, too.
        page = httpx.get(f"{catalog_url}/rules/CAT-2", timeout=5)
        assert page.status_code == 200 and "CAT-2 负面清单资源不得授权运营" in page.text
        assert httpx.get(f"{disclosure_url}/rules.json", timeout=5).json()["rules"]
    finally:
        for child in (catalog, disclosure):
            child.send_signal(signal.SIGTERM)
            child.wait(timeout=30)
