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


def _properties(script: str) -> dict[str, str]:
    """The server.properties a start script writes (its ``key=value`` lines)."""
    found = {}
    for line in script.splitlines():
        if "=" in line and not line.startswith(("#", " ", "\t")) and re.match(r"^[a-z.]+=", line):
            key, value = line.split("=", 1)
            found[key] = value
    return found


def test_compose_runs_kafka_in_kraft_mode_with_sasl_and_the_authorizer(
    compose: dict[str, Any],
) -> None:
    """No ZooKeeper, no anonymous listener: SCRAM for clients, PLAIN for the controller,
    the StandardAuthorizer with no access where no ACL allows it, no auto-creation."""
    assert not [name for name in compose["services"] if "zookeeper" in name.lower()]
    kafka = _by_image(compose, "apache/kafka:4.0.1")
    assert any("deploy/compose/kafka-start.sh" in v for v in kafka["volumes"])
    script = (ROOT / "deploy" / "compose" / "kafka-start.sh").read_text(encoding="utf-8")
    props = _properties(script)
    assert set(props["process.roles"].split(",")) == {"broker", "controller"}
    protocols = dict(p.split(":") for p in props["listener.security.protocol.map"].split(","))
    assert set(protocols.values()) == {"SASL_PLAINTEXT"}  # not one PLAINTEXT listener
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert props["authorizer.class.name"].endswith("StandardAuthorizer")
    assert props["allow.everyone.if.no.acl.found"] == "false"
    assert props["auto.create.topics.enable"] == "false"
    assert set(props["super.users"].split(";")) == {"User:pdo-admin", "User:controller"}
    # a SCRAM credential for the admin and for each service principal, from the env
    assert "--add-scram" in script and "name=pdo-admin" in script
    assert "name=pdo-${PDO_REGION}-${service//_/-}" in script
    for name in SERVICES:
        assert INTERPOLATED.match(_env(kafka)[f"KAFKA_PASSWORD_{name.upper()}"])
        assert name in script.split("SERVICES=", 1)[1].splitlines()[0]
    assert "healthcheck" in kafka


def test_compose_provisions_topics_and_acls_as_the_admin_principal(
    compose: dict[str, Any],
) -> None:
    provision = compose["services"]["kafka-provision"]
    command = _command(provision)
    assert command.startswith("pdo kafka provision --region 370300")
    assert "--no-acls" not in command
    env = _env(provision)
    assert env["PDO_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
    assert env["PDO_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"
    assert env["PDO_KAFKA_USERNAME"] == "pdo-admin"
    assert env["PDO_KAFKA_PASSWORD"].startswith("${KAFKA_ADMIN_PASSWORD")


def test_compose_services_never_hold_vaults_root_token(compose: dict[str, Any]) -> None:
    """Only Vault itself and ``vault-init`` see the root token; ``vault-init`` writes an
    AppRole per service whose policy names the keys the code uses, and each service's
    secret id to a volume of that service's own."""
    holders = {
        name
        for name, service in compose["services"].items()
        if any("VAULT_DEV_ROOT_TOKEN_ID" in v for v in _env(service).values())
    }
    assert holders == {"vault", "vault-init"}
    assert not [
        n for n, s in compose["services"].items() if "VAULT_TOKEN" in _env(s) and n != "vault-init"
    ]
    init = (ROOT / "deploy" / "compose" / "vault-init.sh").read_text(encoding="utf-8")
    assert "vault auth enable approle" in init and 'role-id" role_id="$role"' in init
    from libs.auth.tokens import SIGNING_KEY as TOKEN_KEY
    from services.disclosure.commands.tree_heads import SIGNING_KEY as LOG_KEY
    from services.sandbox_broker.commands.broker import MASKING_KEY_PATH

    assert f"transit/sign/{TOKEN_KEY}" in init and f"transit/sign/{LOG_KEY}" in init
    assert f"secret/data/{MASKING_KEY_PATH}" in init
    init_volumes = compose["services"]["vault-init"]["volumes"]
    for name in SERVICES:
        dashed = name.replace("_", "-")
        assert f"approle-{dashed}:/approle/{name}" in init_volumes
        service = compose["services"][dashed]
        assert service["volumes"] == [f"approle-{dashed}:/var/run/secrets/pdo/vault:ro"]
        assert _env(service)["PDO_VAULT_APPROLE_ROLE_ID"] == f"pdo-370300-{dashed}"


def test_compose_mongo_requires_auth_and_services_get_their_databases_only(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import libs.store.mongo
    from libs.config import load
    from libs.runtime import make_store

    mongo = _by_image(compose, "mongo:7")
    env = _env(mongo)
    assert INTERPOLATED.match(env["MONGO_INITDB_ROOT_PASSWORD"])
    assert any("mongo-init.js:/docker-entrypoint-initdb.d/" in v for v in mongo["volumes"])
    init = (ROOT / "deploy" / "compose" / "mongo-init.js").read_text(encoding="utf-8")
    assert 'role: "readWrite", db: `pdo_${region}_${s}`' in init
    assert "readWriteAnyDatabase" not in init and "root" not in init.split("createUser")[1]
    listed = re.findall(r'"([a-z_]+)"', init.split("const services = [")[1].split("]")[0])
    assert listed == list(SERVICES)
    # ... and those are the databases the code opens (libs.runtime.make_store)
    opened: list[str] = []

    class Recorder:
        def __init__(self, uri: str, database: str, *args: Any, **kwargs: Any) -> None:
            opened.append(database)

    monkeypatch.setattr(libs.store.mongo, "MongoDocumentStore", Recorder)
    settings = load(
        {
            "PDO_MODE": "distributed",
            "PDO_REGION": env["PDO_REGION"],
            "PDO_KAFKA_BOOTSTRAP": "kafka:9092",
            "PDO_MONGO_URI": "mongodb://mongo:27017/",
            "PDO_VAULT_ADDR": "http://vault:8200",
            "VAULT_TOKEN": "t",
        }
    )
    for name in SERVICES:
        make_store(settings, name)
    assert opened == [f"pdo_{env['PDO_REGION']}_{name}" for name in SERVICES]


def test_compose_has_mongo_vault_and_collector(compose: dict[str, Any]) -> None:
    assert _by_image(compose, "mongo:7")["healthcheck"]
    vault = compose["services"]["vault"]
    assert vault["image"] == compose["services"]["vault-init"]["image"] == "hashicorp/vault:1.17"
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
        assert env["PDO_MONGO_URI"].startswith("mongodb://pdo-services:${MONGO_PDO_PASSWORD")
        assert env["PDO_VAULT_ADDR"] == "http://vault:8200"
        assert "VAULT_TOKEN" not in env  # AppRole, never the root token
        assert env["PDO_KAFKA_USERNAME"] == f"pdo-370300-{name.replace('_', '-')}"
        assert INTERPOLATED.match(env["PDO_KAFKA_PASSWORD"])
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
        assert env["PDO_HTTP_PORT"] == "8000"
        (mapping,) = service["ports"]
        assert str(mapping).endswith(f"{8000 + index}:8000")
        ports.add(str(mapping))
        assert "/readyz" in " ".join(service["healthcheck"]["test"])
        assert {"kafka-provision", "mongo", "vault-init"} <= set(service["depends_on"])
        assert service["depends_on"]["kafka-provision"]["condition"] == (
            "service_completed_successfully"
        )
    console = by_command.pop("pdo serve console")  # the staff console: pages, no data
    assert _env(console)["PDO_CONSOLE_SERVICE_URLS"].count("=http://") == len(SERVICES)
    assert len(by_command) == len(SERVICES) == len(ports)


def test_compose_holds_no_literal_secret(compose: dict[str, Any]) -> None:
    checked = 0
    for service in compose["services"].values():
        for key, value in _env(service).items():
            if key.endswith("_PATH"):  # a file a secret is read from, not a secret
                assert value.startswith("/var/run/secrets/"), key
            elif SECRET_KEY.search(key):
                checked += 1
                assert INTERPOLATED.match(value), f"{key} must come from the environment"
    # each service's Kafka password (and the broker's copies), the admin's, Mongo's, Vault's
    assert checked >= 25


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
