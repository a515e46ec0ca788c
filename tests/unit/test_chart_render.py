"""The Helm chart, rendered by Helm and validated by kubeconform against Kubernetes'
schemas (kubernetes-validate 1.37.0, strict) and, for KafkaTopic and KafkaUser, Strimzi
1.2.0's CRD schemas: default, county and Strimzi values; a bad value fails with its key
named; names are release-scoped; what the code needs matches."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from contracts.topics import SERVICES
from libs.bus.provision import plan, registry_document
from libs.http.probes import PROBE_PATHS
from tests.support.chart import (
    CHART,
    REPO,
    compose_spec_schema,
    documents,
    helm,
    kubeconform,
    render,
)

COUNTY = str(CHART / "values-county-370303.yaml")
VARIANTS = {
    "default": (),
    "county": ("-f", COUNTY),
    "strimzi": ("--set", "strimzi.enabled=true"),
    # what docker-compose runs: Vault AppRole, SASL without TLS
    "approle": ("--set", "vault.auth=approle", "--set", "kafka.securityProtocol=SASL_PLAINTEXT"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_chart_lints_strictly(variant: str) -> None:
    result = helm("lint", "--strict", str(CHART), *VARIANTS[variant])
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("variant", ["default", "county", "approle"])
def test_chart_renders_valid_kubernetes_objects(variant: str) -> None:
    result = kubeconform(render(*VARIANTS[variant]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Invalid: 0, Errors: 0, Skipped: 0" in result.stdout


def test_strimzi_rendering_is_valid_and_follows_the_registry() -> None:
    manifest = render(*VARIANTS["strimzi"])
    docs = documents(manifest)
    # Kubernetes kinds against Kubernetes' schemas, KafkaTopic/KafkaUser against Strimzi
    # 1.2.0's CRD schemas (strict: an unknown field fails), none skipped; then both
    # against the registry.
    result = kubeconform(manifest)
    assert result.returncode == 0, result.stdout + result.stderr
    strimzi_kinds = {"KafkaTopic", "KafkaUser"}
    valid = sum(1 for d in docs if d["kind"] in strimzi_kinds)
    assert valid > 9 and "Skipped: 0" in result.stdout, result.stdout
    kinds = [d["kind"] for d in docs]
    assert "Job" not in kinds  # Strimzi's operator provisions, not the hook Job
    wanted = plan("370300", partitions=3, replication_factor=3)
    topics = {d["spec"]["topicName"]: d["spec"] for d in docs if d["kind"] == "KafkaTopic"}
    assert set(topics) == {t.name for t in wanted.topics}
    for t in wanted.topics:
        assert topics[t.name]["config"] == dict(t.config)
        assert topics[t.name]["partitions"] == (1 if t.name.endswith(".dlq") else 3)
    users = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "KafkaUser"}
    assert set(users) == {f"pdo-370300-{s.replace('_', '-')}" for s in SERVICES}
    names = {"Read": 3, "Write": 4, "Describe": 8}
    kinds_ = {"topic": 2, "group": 3}
    patterns = {"literal": 3, "prefix": 4}
    rendered = {
        (
            f"User:{user}",
            kinds_[a["resource"]["type"]],
            a["resource"]["name"],
            patterns[a["resource"]["patternType"]],
            names[a["operations"][0]],
        )
        for user, spec in users.items()
        for a in spec["authorization"]["acls"]
    }
    assert rendered == {
        (a.principal, a.resource_type, a.resource_name, a.pattern_type, a.operation)
        for a in wanted.acls
    }


@pytest.mark.parametrize(
    ("kind", "change", "named"),
    [
        ("KafkaUser", {"spec": {"authorization": {"type": "simple", "acls": [{}]}}}, "acls"),
        ("KafkaTopic", {"spec": {"partitions": "three"}}, "partitions"),
        ("KafkaTopic", {"spec": {"partition": 3}}, "partition"),
    ],
)
def test_strimzi_schemas_reject_what_the_operator_would(
    kind: str, change: dict[str, Any], named: str
) -> None:
    """The converted CRD schemas bite: a KafkaUser ACL without a resource and
    operations, a partition count as text, and an unknown (misspelt) field fail."""
    docs = documents(render(*VARIANTS["strimzi"]))
    broken = next(d for d in docs if d["kind"] == kind)
    broken["spec"] = {**broken["spec"], **change["spec"]}
    result = kubeconform(yaml.safe_dump(broken))
    assert result.returncode != 0, result.stdout
    assert named in result.stdout + result.stderr


def test_the_embedded_registry_is_current() -> None:
    on_disk = json.loads((CHART / "files" / "kafka-registry.json").read_text(encoding="utf-8"))
    assert on_disk == registry_document(), "run `pdo kafka registry`"
    check = subprocess.run(
        [sys.executable, "-m", "libs.cli", "kafka", "registry", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ("region=370300", "region"),  # an integer, not the string the schema asks for
        ("services.catalog.replicas=two", "replicas"),
        ("kafka.securityProtocol=SASL", "securityProtocol"),
        ("vault.auth=root", "auth"),
    ],
)
def test_a_value_of_the_wrong_type_fails_lint_and_install_naming_the_key(
    tmp_path: Path, setting: str, key: str
) -> None:
    path, raw = setting.split("=")
    values = tmp_path / "bad.yaml"
    node: dict[str, Any] = {}
    here = node
    parts = path.split(".")
    for part in parts[:-1]:
        here = here.setdefault(part, {})
    here[parts[-1]] = int(raw) if raw.isdigit() else raw
    values.write_text(json.dumps(node))
    lint = helm("lint", "--strict", str(CHART), "-f", str(values), check=False)
    assert lint.returncode != 0
    assert key in lint.stdout + lint.stderr
    install = helm("template", "pdo", str(CHART), "-f", str(values), check=False)
    assert install.returncode != 0
    assert key in install.stderr and "values don't meet the specifications" in install.stderr


@pytest.mark.parametrize(
    "values",
    [
        "services:\n  sandbox_broker:\n    replicas: 2\n",
        "services:\n  sandbox_broker:\n    autoscaling:\n      enabled: true\n",
    ],
)
def test_sandbox_broker_is_refused_more_than_one_replica(tmp_path: Path, values: str) -> None:
    """Each broker pod keeps its sandboxes on its own volume: a second replica, or an
    autoscaler adding one, would answer for sandboxes it does not hold."""
    path = tmp_path / "scaled.yaml"
    path.write_text(values)
    result = helm("template", "pdo", str(CHART), "-f", str(path), check=False)
    assert result.returncode != 0
    assert "sandbox_broker" in result.stderr
    assert "replicas" in result.stderr or "enabled" in result.stderr
    one = documents(render())
    brokers = [d for d in one if d["kind"] == "StatefulSet"]
    assert [d["spec"]["replicas"] for d in brokers] == [1]


def test_an_unknown_key_fails_naming_it(tmp_path: Path) -> None:
    values = tmp_path / "typo.yaml"
    values.write_text("kafka:\n  bootsrap: kafka:9092\n")
    result = helm("template", "pdo", str(CHART), "-f", str(values), check=False)
    assert result.returncode != 0 and "bootsrap" in result.stderr


def test_a_city_and_a_county_release_share_a_namespace_without_a_name_clash() -> None:
    city = documents(render(release="pdo-city"))
    county = documents(render("-f", COUNTY, release="pdo-370303"))

    def names(docs: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(d["kind"], d["metadata"]["name"]) for d in docs}

    assert not names(city) & names(county)
    for doc in city + county:
        labels = doc["metadata"]["labels"]
        assert labels["app.kubernetes.io/version"] == "0.1.0"
        assert labels["app.kubernetes.io/instance"] in ("pdo-city", "pdo-370303")


def test_what_the_chart_renders_matches_what_the_code_needs() -> None:
    docs = documents(render())
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    workloads = [
        w
        for w in by_kind["Deployment"] + by_kind["StatefulSet"]
        if w["metadata"]["name"] != "pdo-console"
    ]
    assert sorted(
        w["spec"]["template"]["spec"]["containers"][0]["command"][2] for w in workloads
    ) == sorted(SERVICES)
    (broker,) = by_kind["StatefulSet"]
    assert broker["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "pdo",
        "serve",
        "sandbox_broker",
    ]
    assert broker["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    caps = broker["spec"]["template"]["spec"]["containers"][0]["securityContext"]["capabilities"]
    assert {"SYS_ADMIN", "SETUID", "SETGID"} <= set(caps["add"])
    for w in workloads:
        pod = w["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert container["startupProbe"]["httpGet"]["path"] == PROBE_PATHS["startup"]
        assert container["readinessProbe"]["httpGet"]["path"] == PROBE_PATHS["readiness"]
        assert container["livenessProbe"]["httpGet"]["path"] == PROBE_PATHS["liveness"]
        assert w["spec"]["template"]["metadata"]["annotations"]["checksum/config"]
        env = {e["name"]: e for e in container["env"]}
        assert "secretKeyRef" in env["PDO_MONGO_URI"]["valueFrom"]
        assert "secretKeyRef" in env["PDO_KAFKA_PASSWORD"]["valueFrom"]
        assert pod["serviceAccountName"] == w["metadata"]["name"]
        if w["kind"] == "Deployment":
            assert pod["securityContext"]["runAsNonRoot"] is True
    # the nine services and the staff console (test_the_console_is_in_the_chart)
    assert len(by_kind["ServiceAccount"]) == len(by_kind["PodDisruptionBudget"]) == 10
    assert len(by_kind["NetworkPolicy"]) == 10
    (job,) = by_kind["Job"]
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["template"]["spec"]["containers"][0]["command"][:5] == [
        "pdo",
        "kafka",
        "provision",
        "--region",
        "370300",
    ]
    (test_pod,) = by_kind["Pod"]
    assert test_pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    urls = [a for a in test_pod["spec"]["containers"][0]["command"] if a.startswith("http")]
    assert len(urls) == 9 and all(u.endswith("/readyz") for u in urls)
    paths = {p["path"] for p in by_kind["Ingress"][0]["spec"]["rules"][0]["http"]["paths"]}
    assert paths == {f"/{s}" for s in SERVICES} | {"/console"}
    rendered_values = json.dumps(docs)
    assert "mongodb://" not in rendered_values  # the URI only ever comes from a Secret


def test_the_console_is_in_the_chart_with_probes_secret_and_routes_to_each_service() -> None:
    """Issue 13 item 1: ``pdo serve console`` as a Deployment with a Service, the Ingress
    path /console, the probes its server answers (``libs.cli``: /startupz, /readyz,
    /livez), the CSRF secret from a Secret, Secure cookies, and every service's path
    routed to that service's own Service; its NetworkPolicy lets it reach only the
    release's HTTP ports and the services' policies let it in."""
    docs = documents(render())
    named = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    deployment = named[("Deployment", "pdo-console")]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["pdo", "serve", "console"]
    assert container["startupProbe"]["httpGet"]["path"] == PROBE_PATHS["startup"]
    assert container["readinessProbe"]["httpGet"]["path"] == PROBE_PATHS["readiness"]
    assert container["livenessProbe"]["httpGet"]["path"] == PROBE_PATHS["liveness"]
    env = {e["name"]: e for e in container["env"]}
    assert env["PDO_CONSOLE_CSRF_SECRET"]["valueFrom"]["secretKeyRef"] == {
        "name": "pdo-console",
        "key": "csrf-secret",
    }
    assert env["PDO_CONSOLE_COOKIE_SECURE"]["value"] == "1"
    routes = dict(p.split("=", 1) for p in env["PDO_CONSOLE_SERVICE_URLS"]["value"].split(","))
    services = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
    assert sorted(routes) == sorted(SERVICES)
    for service, url in routes.items():
        assert url == f"http://pdo-{service.replace('_', '-')}:8000" and url[7:-5] in services
    assert not {"PDO_MONGO_URI", "PDO_KAFKA_PASSWORD", "VAULT_TOKEN"} & set(env)  # no state
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["automountServiceAccountToken"] is False
    assert named[("Service", "pdo-console")]["spec"]["selector"]["pdo.service"] == "console"
    (ingress,) = [d for d in docs if d["kind"] == "Ingress"]
    (to_console,) = [
        p for p in ingress["spec"]["rules"][0]["http"]["paths"] if p["path"] == "/console"
    ]
    assert to_console["backend"]["service"]["name"] == "pdo-console"
    policy = named[("NetworkPolicy", "pdo-console")]["spec"]
    assert [r["ports"][0]["port"] for r in policy["egress"]] == [8000, 53]
    catalog_in = named[("NetworkPolicy", "pdo-catalog")]["spec"]["ingress"][0]["from"]
    assert {"app.kubernetes.io/instance": "pdo", "pdo.service": "console"} in [
        f.get("podSelector", {}).get("matchLabels") for f in catalog_in
    ]
    # a gateway instead: one base URL, no per-service routes; disabled: nothing rendered
    gateway = documents(render("--set", "console.apiUrl=https://gw.example.gov.cn"))
    (gw,) = [
        d for d in gateway if d["kind"] == "Deployment" and d["metadata"]["name"] == "pdo-console"
    ]
    gw_env = {
        e["name"]: e.get("value") for e in gw["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert gw_env["PDO_CONSOLE_API_URL"] == "https://gw.example.gov.cn"
    assert "PDO_CONSOLE_SERVICE_URLS" not in gw_env
    off = render("--set", "console.enabled=false")
    assert "console" not in off


def test_hpa_is_optional() -> None:
    docs = documents(render("--set", "services.catalog.autoscaling.enabled=true"))
    (hpa,) = [d for d in docs if d["kind"] == "HorizontalPodAutoscaler"]
    assert hpa["spec"]["scaleTargetRef"]["name"] == "pdo-catalog"
    (catalog,) = [
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "pdo-catalog"
    ]
    assert "replicas" not in catalog["spec"]


def test_docker_compose_is_valid_for_the_compose_specification() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft7Validator(compose_spec_schema()).iter_errors(compose))
    assert not errors, [(list(e.path), e.message) for e in errors]


COMPOSE_VALUES = (
    "--set", "vault.auth=approle",
    "--set", "kafka.securityProtocol=SASL_PLAINTEXT",
    "--set", "kafka.replicationFactor=1",
)  # fmt: skip
"""The chart's values for what docker-compose runs: AppRole, SASL without TLS, one broker."""


def test_docker_compose_runs_what_the_chart_runs() -> None:
    """Same services, commands, variable names, shared settings, Vault and Kafka principal
    names, secret-id file, port, readiness path and grace as the chart's pods; the same
    provisioning command and variables as the hook Job."""
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    docs = documents(render(*COMPOSE_VALUES))
    config = next(d["data"] for d in docs if d["kind"] == "ConfigMap")
    by_command = {" ".join(s.get("command", [])): s for s in compose["services"].values()}
    same_everywhere = (
        "PDO_MODE", "PDO_REGION", "PDO_HTTP_PORT", "PDO_SHUTDOWN_GRACE_SECONDS",
        "PDO_KAFKA_SECURITY_PROTOCOL", "PDO_KAFKA_SASL_MECHANISM",
    )  # fmt: skip
    workloads = [
        d
        for d in docs
        if d["kind"] in ("Deployment", "StatefulSet") and d["metadata"]["name"] != "pdo-console"
    ]
    assert len(workloads) == 9
    (console,) = [
        d for d in docs if d["metadata"]["name"] == "pdo-console" and d["kind"] == "Deployment"
    ]
    console_container = console["spec"]["template"]["spec"]["containers"][0]
    in_compose = by_command[" ".join(console_container["command"])]
    # the console: the same variables (no Kafka, database or Vault), port and probe
    assert set(in_compose["environment"]) == {e["name"] for e in console_container["env"]}
    assert str(in_compose["environment"]["PDO_HTTP_PORT"]) == config["PDO_HTTP_PORT"]
    assert str(in_compose["ports"][0]).endswith(
        f":{console_container['ports'][0]['containerPort']}"
    )
    console_probe = console_container["readinessProbe"]["httpGet"]["path"]
    assert f":8000{console_probe}" in " ".join(in_compose["healthcheck"]["test"])
    routes = dict(
        p.split("=", 1) for p in in_compose["environment"]["PDO_CONSOLE_SERVICE_URLS"].split(",")
    )
    assert sorted(routes) == sorted(SERVICES)
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        container = pod["containers"][0]
        service = by_command[" ".join(container["command"])]
        env = {e["name"]: e for e in container["env"]}
        assert set(service["environment"]) == set(config) | set(env), container["command"]
        for name in same_everywhere:
            assert str(service["environment"][name]) == config[name], name
        for name in (
            "OTEL_SERVICE_NAME", "PDO_KAFKA_USERNAME", "PDO_VAULT_APPROLE_ROLE_ID",
            "PDO_VAULT_APPROLE_MOUNT", "PDO_VAULT_APPROLE_SECRET_ID_PATH", "PDO_DATA_DIR",
        ):  # fmt: skip
            assert service["environment"][name] == env[name]["value"], name
        # the secret id file is where the variable says, in both
        secret_dir = str(Path(env["PDO_VAULT_APPROLE_SECRET_ID_PATH"]["value"]).parent)
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert secret_dir in mounts
        assert any(str(v).split(":")[1] == secret_dir for v in service["volumes"])
        (port,) = container["ports"]
        assert str(service["ports"][0]).endswith(f":{port['containerPort']}")
        readiness = container["readinessProbe"]["httpGet"]["path"]
        assert f":8000{readiness}" in " ".join(service["healthcheck"]["test"])
        grace = pod["terminationGracePeriodSeconds"]
        assert service["stop_grace_period"] == f"{grace}s"
        if workload["kind"] == "StatefulSet":  # sandbox_broker: isolation's privileges
            caps = container["securityContext"]["capabilities"]
            assert service["cap_drop"] == caps["drop"] and service["cap_add"] == caps["add"]
            assert service["user"] == "0:0" and pod["securityContext"]["runAsUser"] == 0
    (job,) = [d for d in docs if d["kind"] == "Job"]
    job_container = job["spec"]["template"]["spec"]["containers"][0]
    provision = compose["services"]["kafka-provision"]
    assert provision["command"] == job_container["command"]
    assert set(provision["environment"]) == {e["name"] for e in job_container["env"]}
    job_env = {e["name"]: e.get("value") for e in job_container["env"]}
    for name in ("PDO_KAFKA_SECURITY_PROTOCOL", "PDO_KAFKA_SASL_MECHANISM", "PDO_KAFKA_USERNAME"):
        assert provision["environment"][name] == job_env[name], name
