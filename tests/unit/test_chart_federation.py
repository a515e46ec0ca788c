"""The Helm chart on the region hierarchy (issue 11; FED-1, FED-2): a county release
reads its city's public streams. ``parentRegions`` / ``childRegions`` reach every pod
as PDO_PARENT_REGIONS / PDO_CHILD_REGIONS (read by ``libs.config.load``), the hook Job's
``pdo kafka provision`` (parsed by the CLI's own parser) and, with Strimzi, the
KafkaUsers' ACLs, which must equal what ``libs.bus.provision.plan`` grants. The city's
default rendering is unchanged."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import pytest

from contracts.topics import SERVICES
from libs.bus.federation import parent_topics
from libs.bus.provision import OP_READ, OP_WRITE, exchange_served, plan
from libs.cli import parser
from libs.config import load
from tests.support.chart import CHART, documents, helm, kubeconform, render

COUNTY = ("-f", str(CHART / "values-county-370303.yaml"))
STRIMZI = ("--set", "strimzi.enabled=true")
_NAMES = {"Read": 3, "Write": 4, "Describe": 8}
_KINDS = {"topic": 2, "group": 3}
_PATTERNS = {"literal": 3, "prefix": 4}


def _values(tmp_path: Path, **values: Any) -> tuple[str, str]:
    path = tmp_path / "values.yaml"
    path.write_text(json.dumps(values), encoding="utf-8")
    return ("-f", str(path))


def _config(docs: list[dict[str, Any]]) -> dict[str, str]:
    (config,) = [d["data"] for d in docs if d["kind"] == "ConfigMap"]
    return dict(config)


def _job_command(docs: list[dict[str, Any]]) -> list[str]:
    (job,) = [d for d in docs if d["kind"] == "Job"]
    command: list[str] = job["spec"]["template"]["spec"]["containers"][0]["command"]
    return command


def _strimzi_acls(docs: list[dict[str, Any]]) -> set[tuple[str, int, str, int, int]]:
    return {
        (
            f"User:{d['metadata']['name']}",
            _KINDS[a["resource"]["type"]],
            a["resource"]["name"],
            _PATTERNS[a["resource"]["patternType"]],
            _NAMES[a["operations"][0]],
        )
        for d in docs
        if d["kind"] == "KafkaUser"
        for a in d["spec"]["authorization"]["acls"]
    }


def test_FED_1_county_release_gives_every_service_its_parent_region() -> None:
    docs = documents(render(*COUNTY, release="pdo-370303"))
    config = _config(docs)
    assert config["PDO_PARENT_REGIONS"] == "370300"
    assert "PDO_CHILD_REGIONS" not in config
    settings = load(config, mode="embedded")
    assert (settings.region, settings.parents, settings.children) == ("370303", ("370300",), ())
    (config_map,) = [d for d in docs if d["kind"] == "ConfigMap"]
    workloads = [
        d
        for d in docs
        if d["kind"] in ("Deployment", "StatefulSet")
        and not d["metadata"]["name"].endswith("-console")
    ]
    assert sorted(
        w["spec"]["template"]["spec"]["containers"][0]["command"][2] for w in workloads
    ) == sorted(SERVICES)
    for workload in workloads:  # every service reads the settings from that ConfigMap
        container = workload["spec"]["template"]["spec"]["containers"][0]
        sources = [s["configMapRef"]["name"] for s in container["envFrom"] if "configMapRef" in s]
        assert config_map["metadata"]["name"] in sources, container["command"]
        assert "PDO_PARENT_REGIONS" not in {e["name"] for e in container["env"]}


def test_FED_1_county_hook_job_provisions_the_parent_read_acls() -> None:
    command = _job_command(documents(render(*COUNTY, release="pdo-370303")))
    assert command[command.index("--parents") + 1] == "370300"
    args = parser().parse_args(command[1:])
    assert (args.region, args.parents, args.children, args.exchange) == (
        "370303",
        "370300",
        None,
        [],
    )


def test_FED_2_city_release_with_province_counties_and_an_exchange(tmp_path: Path) -> None:
    """A city with its province above, two counties below and one exchange: the pods'
    settings and the Job's arguments both say so, in the formats their readers parse."""
    values = _values(
        tmp_path,
        parentRegions=["370000"],
        childRegions=["370303", "370304"],
        exchanges=["sdx"],
    )
    docs = documents(render(*values))
    settings = load(_config(docs), mode="embedded")
    assert settings.parents == ("370000",)
    assert settings.children == ("370303", "370304")
    args = parser().parse_args(_job_command(docs)[1:])
    assert (args.region, args.parents, args.children, args.exchange) == (
        "370300",
        "370000",
        "370303,370304",
        ["sdx"],
    )
    result = kubeconform(render(*values))
    assert result.returncode == 0, result.stdout + result.stderr


def test_FED_1_strimzi_county_acls_are_exactly_what_provision_grants() -> None:
    manifest = render(*COUNTY, *STRIMZI, release="pdo-370303")
    result = kubeconform(manifest)
    assert result.returncode == 0 and "Skipped: 0" in result.stdout, result.stdout
    rendered = _strimzi_acls(documents(manifest))
    wanted = plan("370303", partitions=3, replication_factor=3, parents=("370300",))
    assert rendered == {
        (a.principal, a.resource_type, a.resource_name, a.pattern_type, a.operation)
        for a in wanted.acls
    }
    on_city = {acl for acl in rendered if acl[2].startswith("pdo.370300.")}
    # Reads only, literal names, only the city's public streams; nothing to write there.
    assert on_city and all(acl[3] == _PATTERNS["literal"] for acl in on_city)
    assert OP_WRITE not in {acl[4] for acl in on_city}
    assert {acl[2] for acl in on_city} <= set(parent_topics("370300"))
    # catalog consumes nothing of its own region but reads the city's resources: its
    # consumer groups pdo.370303.catalog* need Read too.
    assert ("User:pdo-370303-catalog", 3, "pdo.370303.catalog", 4, OP_READ) in rendered


def test_FED_2_strimzi_city_acls_with_parents_children_and_exchange(tmp_path: Path) -> None:
    values = _values(
        tmp_path,
        parentRegions=["370000"],
        childRegions=["370303", "370304"],
        exchanges=["sdx"],
        strimzi={"enabled": True},
    )
    manifest = render(*values)
    result = kubeconform(manifest)
    assert result.returncode == 0 and "Skipped: 0" in result.stdout, result.stdout
    wanted = plan(
        "370300",
        partitions=3,
        replication_factor=3,
        parents=("370000",),
        children=("370303", "370304"),
        exchanges=("sdx",),
    )
    assert _strimzi_acls(documents(manifest)) == {
        (a.principal, a.resource_type, a.resource_name, a.pattern_type, a.operation)
        for a in wanted.acls
    }


@pytest.mark.parametrize("variant", [(), STRIMZI])
def test_the_city_default_rendering_only_gains_lines_when_a_parent_is_set(
    tmp_path: Path, variant: tuple[str, ...]
) -> None:
    """Without federation values nothing federation-related is rendered (so the city's
    default output is what it was before the keys existed); setting a parent adds lines
    (and changes the config checksum), never removes or alters another."""
    before = render(*variant)
    assert "PDO_PARENT_REGIONS" not in before and "PDO_CHILD_REGIONS" not in before
    assert "--parents" not in before and "--children" not in before
    assert "--exchange" not in before and "exchange-" not in before
    explicit = _values(tmp_path, parentRegions=[], childRegions=[], exchanges=[])
    assert render(*variant, *explicit) == before
    after = render(*variant, *_values(tmp_path, parentRegions=["370000"]))
    changed = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), n=0, lineterm="")
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    removed = [line for line in changed if line.startswith("-")]
    assert all("checksum/config" in line for line in removed), removed
    added = {line[1:].strip() for line in changed if line.startswith("+")}
    added = {line for line in added if not line.startswith("checksum/config")}
    if variant:
        # ACL entries of KafkaUsers (their exact set is checked against plan() above)
        shapes = ("- resource:", "type:", "name: pdo.", "patternType:", "operations:")
        assert any("pdo.370000." in line for line in added)
        assert all("370000" in line or line.startswith(shapes) for line in added), added
    else:
        assert added == {'PDO_PARENT_REGIONS: "370000"', "- --parents", '- "370000"'}


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"parentRegions": [370300]}, "parentRegions"),
        ({"parentRegions": ["3703"]}, "parentRegions"),
        ({"childRegions": ["370303", "370303"]}, "childRegions"),
        ({"exchanges": ["SDX_1"]}, "exchanges"),
    ],
)
def test_a_bad_region_list_fails_naming_the_key(
    tmp_path: Path, values: dict[str, Any], named: str
) -> None:
    result = helm("template", "pdo", str(CHART), *_values(tmp_path, **values), check=False)
    assert result.returncode != 0
    assert named in result.stderr and "values don't meet the specifications" in result.stderr


def test_FED_1_strimzi_one_exchange_user_per_configured_exchange_with_least_privilege(
    tmp_path: Path,
) -> None:
    """``exchanges``: a bare name reads this region's trading topic; ``{name, regions}``
    reads each listed region's (a city's and its county's). One KafkaUser per entry,
    Read and Describe on exactly those trading topics and Read on its own group prefix,
    equal to what ``pdo kafka provision --exchange`` grants from the Job's arguments."""
    values = _values(
        tmp_path,
        exchanges=["sdx", {"name": "qdx", "regions": ["370300", "370303"]}],
        strimzi={"enabled": True},
    )
    manifest = render(*values)
    result = kubeconform(manifest)
    assert result.returncode == 0 and "Skipped: 0" in result.stdout, result.stdout
    docs = documents(manifest)
    users = sorted(
        d["metadata"]["name"]
        for d in docs
        if d["kind"] == "KafkaUser" and d["metadata"]["name"].startswith("exchange-")
    )
    assert users == ["exchange-qdx", "exchange-sdx"]
    exchange_acls = {acl for acl in _strimzi_acls(docs) if acl[0].startswith("User:exchange-")}
    # without Strimzi the hook Job grants the same (parsed by the CLI's own parser)
    plain = _values(tmp_path, exchanges=["sdx", {"name": "qdx", "regions": ["370300", "370303"]}])
    args = parser().parse_args(_job_command(documents(render(*plain)))[1:])
    assert args.exchange == ["sdx", "qdx=370300,370303"]
    wanted = plan("370300", exchanges=tuple(args.exchange))
    assert exchange_acls == {
        (a.principal, a.resource_type, a.resource_name, a.pattern_type, a.operation)
        for a in wanted.acls
        if a.principal.startswith("User:exchange-")
    }
    qdx = {acl for acl in exchange_acls if acl[0] == "User:exchange-qdx"}
    assert {(a[2], a[4]) for a in qdx if a[1] == _KINDS["topic"]} == {
        (f"pdo.{r}.trading.trades.v1", op)
        for r in ("370300", "370303")
        for op in (_NAMES["Read"], _NAMES["Describe"])
    }
    assert {(a[2], a[3], a[4]) for a in qdx if a[1] == _KINDS["group"]} == {
        ("exchange.qdx.", _PATTERNS["prefix"], _NAMES["Read"])
    }
    sdx_topics = {a[2] for a in exchange_acls if a[0] == "User:exchange-sdx" and a[1] == 2}
    assert sdx_topics == {"pdo.370300.trading.trades.v1"}  # a bare name: this region only


@pytest.mark.parametrize(
    "entry",
    [{"name": "qdx", "regions": []}, {"name": "qdx"}, {"name": "qdx", "regions": ["3703"]}],
)
def test_FED_1_a_bad_exchange_entry_fails_naming_the_key(
    tmp_path: Path, entry: dict[str, Any]
) -> None:
    result = helm("template", "pdo", str(CHART), *_values(tmp_path, exchanges=[entry]), check=False)
    assert result.returncode != 0
    assert "exchanges" in result.stderr and "values don't meet the specifications" in result.stderr


def test_FED_1_provision_reads_an_exchange_as_name_or_name_with_regions() -> None:
    assert exchange_served("sdx", "370300") == ("sdx", ("370300",))
    assert exchange_served("qdx=370300,370303", "370300") == ("qdx", ("370300", "370303"))
    for bad in ("=370300", "qdx=", "qdx=3703", "qdx=070300"):
        with pytest.raises(ValueError, match="exchange"):
            exchange_served(bad, "370300")
