"""README's "Deploy on Kubernetes" says what the chart tests run: its ``helm lint`` is
``test_chart_lints_strictly``'s, each ``helm install`` renders (``helm template`` with the
same release, chart and values, as the chart tests validate them), the Secrets it creates
are exactly the rendered ``secretKeyRef``s, ``helm test`` names an installed release with
a test hook, and the provisioning command is the rendered hook Job's (which the smoke
test runs)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.support.chart import CHART, REPO, documents, render

SECTION = "## Deploy on Kubernetes"


def blocks() -> list[list[str]]:
    """The ``sh`` blocks of the section, one list of command lines each."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = re.findall(r"```sh\n(.*?)```", section, re.DOTALL)
    return [[line for line in b.splitlines() if line and not line.startswith("#")] for b in found]


def relative(path: str) -> Path:
    return (REPO / path).resolve()


def installs() -> dict[str, tuple[str, ...]]:
    """``helm install`` lines: release → the values arguments (paths resolved)."""
    found: dict[str, tuple[str, ...]] = {}
    namespaces = set()
    for line in blocks()[0]:
        words = shlex.split(line)
        if words[:2] != ["helm", "install"]:
            continue
        release, chart, *rest = words[2:]
        assert relative(chart) == CHART
        at = rest.index("--namespace")
        namespaces.add(rest[at + 1])
        del rest[at : at + 2]
        found[release] = tuple(str(relative(a)) if a.endswith(".yaml") else a for a in rest)
    assert len(namespaces) == 1  # city and county share one namespace
    return found


def test_chart_readme_helm_lint_is_the_one_the_chart_tests_run() -> None:
    lint = [shlex.split(line) for line in blocks()[0] if line.startswith("helm lint")]
    assert lint == [["helm", "lint", "--strict", "deploy/helm/pdo"]]
    assert relative(lint[0][3]) == CHART


def test_chart_readme_installs_the_city_and_the_county_as_the_chart_tests_render_them() -> None:
    from tests.unit.test_chart_render import VARIANTS

    assert installs() == {"pdo": VARIANTS["default"], "pdo-370303": VARIANTS["county"]}
    for release, values in installs().items():
        docs = documents(render(*values, release=release))
        workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")]
        assert len(workloads) == 10  # the nine services and the staff console


def test_chart_readme_creates_exactly_the_secrets_the_city_release_references() -> None:
    created: set[tuple[str, str]] = set()
    for line in blocks()[0]:
        loop = re.match(r"for (\w+) in ([^;]+); do (.*); done$", line)
        expanded = (
            [loop.group(3).replace(f"${loop.group(1)}", v) for v in loop.group(2).split()]
            if loop
            else [line]
        )
        for command in expanded:
            words = shlex.split(command, posix=False)
            if "secret" not in words or "generic" not in words:
                continue
            name = words[words.index("generic") + 1]
            for word in words:
                if word.startswith("--from-literal="):
                    created.add((name, word.removeprefix("--from-literal=").split("=", 1)[0]))
    docs = documents(render(*installs()["pdo"], release="pdo"))
    referenced = {
        (e["valueFrom"]["secretKeyRef"]["name"], e["valueFrom"]["secretKeyRef"]["key"])
        for d in docs
        if d["kind"] in ("Deployment", "StatefulSet", "Job")
        for e in d["spec"]["template"]["spec"]["containers"][0].get("env", [])
        if "secretKeyRef" in e.get("valueFrom", {})
    }
    assert created == referenced


def test_chart_readme_helm_test_and_provisioning_are_the_rendered_hooks() -> None:
    lines = blocks()
    tests = [shlex.split(line) for line in lines[0] if line.startswith("helm test")]
    assert [t[2] for t in tests] == ["pdo"] and "pdo" in installs()
    docs = documents(render(*installs()["pdo"], release="pdo"))
    hooks = {
        d["kind"]: d
        for d in docs
        if d["metadata"].get("annotations", {}).get("helm.sh/hook") is not None
    }
    assert hooks["Pod"]["metadata"]["annotations"]["helm.sh/hook"] == "test"
    job = hooks["Job"]["spec"]["template"]["spec"]["containers"][0]["command"]
    assert lines[1] == [shlex.join(job)]  # the city's provisioning, as README shows it
