"""The chart rendered with ``vault.auth=approle`` (what docker-compose runs): catalog's
rendered command and environment, its secret id in the file the rendered variable names
(the mounted Secret), sign in to Vault with AppRole and nothing else, and serve; with a
wrong secret id Vault's refusal is logged naming the role id, never the secret id."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.clock import SystemClock
from tests.infra.servers import free_port
from tests.support.chart import documents, local, render, resolve_env
from tests.support.platform import TAX, resource_body
from tests.support.regions import fresh_region
from tests.support.vault_server import VaultStub, vault_server

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[VaultStub]:
    with vault_server(tmp_path / "vault") as stub:
        yield stub


def rendered_catalog(
    region: str, kafka: str, vault: VaultStub
) -> tuple[dict[str, Any], dict[str, dict[str, str]], dict[str, Any]]:
    docs = documents(
        render(
            "--set-string", f"region={region}",
            "--set", f"kafka.bootstrap={kafka}",
            "--set", "kafka.securityProtocol=PLAINTEXT",
            "--set", "kafka.saslMechanism=",
            "--set", f"vault.addr={vault.url}",
            "--set", "vault.auth=approle",
            release="approle",
        )
    )  # fmt: skip
    config_maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    (workload,) = [
        d for d in docs
        if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-catalog")
    ]  # fmt: skip
    pod = workload["spec"]["template"]["spec"]
    return pod["containers"][0], config_maps, pod


def start(
    tmp_path: Path, region: str, kafka: str, mongo: str, vault: VaultStub, secret_id: str
) -> tuple[subprocess.Popen[bytes], dict[str, str], Path]:
    container, config_maps, pod = rendered_catalog(region, kafka, vault)
    env = resolve_env(container, config_maps, {("pdo-mongo", "uri"): mongo})
    assert "VAULT_TOKEN" not in env and "PDO_VAULT_K8S_ROLE" not in env
    # the Secret volume, mapped: the file the rendered variable names
    (volume,) = [v for v in pod["volumes"] if v["name"] == "vault-approle"]
    assert volume["secret"]["secretName"] == f"{env['PDO_VAULT_APPROLE_ROLE_ID']}-vault-approle"
    secret_dir = tmp_path / "vault-approle"
    secret_dir.mkdir()
    (item,) = volume["secret"]["items"]
    (secret_dir / item["path"]).write_text(secret_id)
    mounted = Path(env["PDO_VAULT_APPROLE_SECRET_ID_PATH"])
    assert mounted.parent.as_posix() in {m["mountPath"] for m in container["volumeMounts"]}
    env["PDO_VAULT_APPROLE_SECRET_ID_PATH"] = str(secret_dir / mounted.name)
    env["PDO_DATA_DIR"] = str(tmp_path / "data")
    env["PDO_HTTP_HOST"] = "127.0.0.1"
    env["PDO_HTTP_PORT"] = str(free_port())
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PDO_", "VAULT_", "OTEL_"))}
    log = tmp_path / "catalog.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            local(container["command"]), env={**base, **env}, stdout=out, stderr=subprocess.STDOUT
        )
    return child, env, log


def wait_ready(child: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 180
    while True:
        assert child.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"{base}/readyz", timeout=3).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)


def bearer(vault: VaultStub, region: str) -> dict[str, str]:
    """A token signed with identity's key (the test holds the stub's keyring)."""
    issuer = TokenIssuer(vault.keyring, SystemClock(), region=region)
    who = Principal(user_id=TAX.user_id, org_id=TAX.org_id, role=TAX.role, region=region)
    return {"Authorization": f"Bearer {asyncio.run(issuer.issue(who))}"}


def test_chart_approle_rendering_signs_in_with_approle_and_serves(
    tmp_path: Path, kafka_bootstrap: str, mongo_uri: str, vault: VaultStub
) -> None:
    region = fresh_region()
    role_id = f"pdo-{region}-catalog"
    vault.approles[role_id] = "secret-id-of-catalog"
    child, env, log = start(
        tmp_path, region, kafka_bootstrap, mongo_uri, vault, "secret-id-of-catalog\n"
    )
    try:
        assert env["PDO_VAULT_APPROLE_ROLE_ID"] == role_id
        wait_ready(child, f"http://127.0.0.1:{env['PDO_HTTP_PORT']}", log)
        # a request with a bearer token: catalog reads identity's public key from Vault
        headers = bearer(vault, region)
        created = httpx.post(
            f"http://127.0.0.1:{env['PDO_HTTP_PORT']}/catalog/resources/",
            json=resource_body(),
            headers=headers,
            timeout=30,
        )
        assert created.status_code == 201, created.text
        assert vault.logins and set(vault.logins) == {f"approle:{role_id}"}
    finally:
        child.terminate()
        child.wait(timeout=60)


def test_chart_approle_with_a_wrong_secret_id_is_refused_naming_the_role_id(
    tmp_path: Path, kafka_bootstrap: str, mongo_uri: str, vault: VaultStub
) -> None:
    """Vault refuses the sign-in: the request that needed Vault gets an error answer, the
    log names the role id and the file, never the secret id."""
    region = fresh_region()
    vault.approles[f"pdo-{region}-catalog"] = "the-right-one"
    child, env, log = start(tmp_path, region, kafka_bootstrap, mongo_uri, vault, "a-wrong-one")
    base = f"http://127.0.0.1:{env['PDO_HTTP_PORT']}"
    try:
        wait_ready(child, base, log)
        created = httpx.post(
            f"{base}/catalog/resources/", json=resource_body(), headers=bearer(vault, region),
            timeout=30,
        )  # fmt: skip
        assert created.status_code >= 400 and created.status_code != 201, created.text
        assert "a-wrong-one" not in created.text
    finally:
        child.terminate()
        child.wait(timeout=60)
    text = log.read_text()
    assert f"AppRole login for role id 'pdo-{region}-catalog'" in text, text[-3000:]
    assert "a-wrong-one" not in text
    assert not vault.logins
