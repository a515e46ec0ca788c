"""A Secret the chart references but the cluster lacks: the rendered workload's process
exits at start with status 2 and names the variable (and touches nothing: no keyring
file, no connection made), rather than starting half-configured."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.chart import documents, local, render, resolve_env

VARIANTS = {
    # the default values: SASL to Kafka, Vault's Kubernetes auth
    "default": (),
    # a static Vault token from a Secret, as docker-compose-like setups use
    "vault-token": ("--set", "vault.auth=token"),
}


def catalog(*values: str) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    docs = documents(render(*values))
    config_maps = {d["metadata"]["name"]: d["data"] for d in docs if d["kind"] == "ConfigMap"}
    (workload,) = [
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-catalog")
    ]
    return workload["spec"]["template"]["spec"]["containers"][0], config_maps


def secret_variables(container: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        e["name"]: (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
        for e in container["env"]
        if "secretKeyRef" in e.get("valueFrom", {})
    }


CASES = [
    ("default", "PDO_MONGO_URI"),
    ("default", "PDO_KAFKA_PASSWORD"),
    ("vault-token", "PDO_MONGO_URI"),
    ("vault-token", "PDO_KAFKA_PASSWORD"),
    ("vault-token", "VAULT_TOKEN"),
]


def test_the_cases_are_every_secret_reference_of_the_chart() -> None:
    """The Mongo URI, the Kafka password and the Vault token come from Secrets, never
    from values; the cases below drop each of them in turn."""
    rendered = [
        (variant, name)
        for variant, values in VARIANTS.items()
        for name in sorted(secret_variables(catalog(*values)[0]))
    ]
    assert sorted(rendered) == sorted(CASES)


@pytest.mark.parametrize(("variant", "missing"), CASES)
def test_a_missing_secret_variable_stops_the_process_at_start_naming_it(
    tmp_path: Path, variant: str, missing: str
) -> None:
    container, config_maps = catalog(*VARIANTS[variant])
    refs = secret_variables(container)
    secrets = {ref: "from-a-test-secret" for ref in refs.values()}
    secrets[refs["PDO_MONGO_URI"]] = "mongodb://127.0.0.1:1/"
    env = resolve_env(container, config_maps, secrets)
    del env[missing]  # the Secret (or its key) is not there
    env["PDO_DATA_DIR"] = str(tmp_path)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PDO_", "VAULT_", "OTEL_"))}
    result = subprocess.run(
        local(container["command"]),
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert missing in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert not list(tmp_path.iterdir())  # nothing written: no keyring, no sandbox files


def test_a_missing_approle_secret_file_stops_the_process_at_start_naming_it(
    tmp_path: Path,
) -> None:
    """With ``vault.auth=approle`` the secret id is a mounted Secret file: when it is not
    there, the rendered process stops at start naming the variable and the path."""
    container, config_maps = catalog("--set", "vault.auth=approle")
    refs = secret_variables(container)
    assert set(refs) == {"PDO_MONGO_URI", "PDO_KAFKA_PASSWORD"}  # the secret id is a file
    secrets = {ref: "from-a-test-secret" for ref in refs.values()}
    secrets[refs["PDO_MONGO_URI"]] = "mongodb://127.0.0.1:1/"
    env = resolve_env(container, config_maps, secrets)
    mounted = env["PDO_VAULT_APPROLE_SECRET_ID_PATH"]
    env["PDO_VAULT_APPROLE_SECRET_ID_PATH"] = str(tmp_path / "vault" / "secret-id")  # no file
    env["PDO_DATA_DIR"] = str(tmp_path / "data")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PDO_", "VAULT_", "OTEL_"))}
    result = subprocess.run(
        local(container["command"]),
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert mounted == "/var/run/secrets/pdo/vault/secret-id"
    assert result.returncode == 2, result.stderr
    assert "PDO_VAULT_APPROLE_SECRET_ID_PATH=" in result.stderr, result.stderr
    assert "no such file" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())
