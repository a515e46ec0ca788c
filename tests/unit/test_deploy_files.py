"""Checks of the deployment files that cannot run here: docker-compose.yml, Dockerfile,
the OpenTelemetry collector config and the Helm chart parse and say what they must."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.topics import SERVICES

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = re.compile(r"token|password|secret|passwd|api_?key", re.IGNORECASE)
INTERPOLATED = re.compile(r"^\$\{[A-Z0-9_]+(:?[-?][^}]*)?\}$")


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = _load(ROOT / "docker-compose.yml")
    assert isinstance(data, dict)
    return data


def _env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def _by_image(compose: dict[str, Any], prefix: str) -> dict[str, Any]:
    found = [s for s in compose["services"].values() if str(s.get("image", "")).startswith(prefix)]
    assert len(found) == 1, prefix
    service: dict[str, Any] = found[0]
    return service


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def test_compose_runs_kafka_in_kraft_mode_without_zookeeper(compose: dict[str, Any]) -> None:
    assert not [name for name in compose["services"] if "zookeeper" in name.lower()]
    kafka = _by_image(compose, "apache/kafka:4.0.1")
    env = _env(kafka)
    assert not [key for key in env if "ZOOKEEPER" in key]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env["KAFKA_CONTROLLER_LISTENER_NAMES"] == "CONTROLLER"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(env["KAFKA_NODE_ID"] + "@")
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"
    assert "healthcheck" in kafka


def test_compose_has_mongo_vault_and_collector(compose: dict[str, Any]) -> None:
    assert _by_image(compose, "mongo:7")["healthcheck"]
    vault = _by_image(compose, "hashicorp/vault:1.17")
    assert "-dev" in _command(vault)
    assert INTERPOLATED.match(_env(vault)["VAULT_DEV_ROOT_TOKEN_ID"])
    collector = _by_image(compose, "otel/opentelemetry-collector-contrib")
    assert any("deploy/otel-collector.yaml" in v for v in collector["volumes"])
    assert "otel-collector" in compose["services"]

    config = _load(ROOT / "deploy" / "otel-collector.yaml")
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"].endswith(":4318")
    assert "debug" in config["exporters"]
    traces = config["service"]["pipelines"]["traces"]
    assert traces["receivers"] == ["otlp"] and traces["exporters"] == ["debug"]


def test_compose_runs_all_nine_services(compose: dict[str, Any]) -> None:
    by_command = {
        _command(s): s for s in compose["services"].values() if "pdo serve" in _command(s)
    }
    ports: set[str] = set()
    for index, name in enumerate(SERVICES, start=1):
        service = by_command[f"pdo serve {name}"]
        assert service["build"]["dockerfile"] == "Dockerfile"
        env = _env(service)
        assert env["OTEL_SERVICE_NAME"] == name
        assert env["PDO_REGION"] == "370300"
        assert env["PDO_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env["PDO_MONGO_URI"].startswith("mongodb://pdo:${MONGO_ROOT_PASSWORD")
        assert env["PDO_VAULT_ADDR"] == "http://vault:8200"
        assert INTERPOLATED.match(env["VAULT_TOKEN"])
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
        assert env["PDO_HTTP_PORT"] == "8000"
        (mapping,) = service["ports"]
        assert str(mapping).endswith(f"{8000 + index}:8000")
        ports.add(str(mapping))
        assert "/readyz" in " ".join(service["healthcheck"]["test"])
        assert {"kafka-provision", "mongo", "vault"} <= set(service["depends_on"])
        assert service["depends_on"]["kafka-provision"]["condition"] == (
            "service_completed_successfully"
        )
    assert len(by_command) == len(SERVICES) == len(ports)


def test_compose_holds_no_literal_secret(compose: dict[str, Any]) -> None:
    checked = 0
    for service in compose["services"].values():
        for key, value in _env(service).items():
            if SECRET_KEY.search(key):
                checked += 1
                assert INTERPOLATED.match(value), f"{key} must come from the environment"
    assert checked >= 10  # VAULT_TOKEN of nine services and Vault's root token


def test_dockerfile_installs_the_package_as_non_root() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.MULTILINE)
    assert "pip install ." in text
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and not users[-1].startswith(("root", "0"))


@pytest.fixture(scope="module")
def chart_dir() -> Path:
    return ROOT / "deploy" / "helm" / "pdo"


def test_chart_and_values_parse(chart_dir: Path) -> None:
    """The chart's YAML parses; rendering and validation are in tests/unit/test_chart_render.py."""
    chart = _load(chart_dir / "Chart.yaml")
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "pdo"
    values = _load(chart_dir / "values.yaml")
    assert values["region"] == "370300"
    assert set(values["services"]) == set(SERVICES)
    assert not list(_secret_values(values))
    assert values["mongo"]["uriSecret"]["name"]  # the Mongo URI comes from a Secret


def _secret_values(node: Any, path: str = "") -> Any:
    """Paths of secret-looking keys that hold a literal value (a reference is fine)."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}"
            if SECRET_KEY.search(str(key)) and not isinstance(value, dict):
                yield here
            yield from _secret_values(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _secret_values(value, f"{path}[{index}]")
