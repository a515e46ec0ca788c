"""Helpers for the adversarial walk of issue 4: the same ``FullPath`` platform, seen by a
second developer organization, and the job and export calls an attacker makes and the
overseers read back (SBX-5, EXP-2).

``as_developer`` gives a ``FullPath`` view whose ``"developer"`` party is another admitted
organization, so the walk's own ``sandboxes``, ``job`` and ``export`` run as that
organization against the same platform, clock and HTTP client.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from services.identity.domain.organization import org_id_for
from services.sandbox_broker.adapters.demo_data import generate
from tests.support.full_path import SCALE, TAX_ITEMS, FullPath, source_env
from tests.support.platform import eventually

WATER_GROUP_CODE = "91370300163062724H"
"""淄博市水务集团有限责任公司 in ``demo.city`` — a valid GB 32100 code the walk does
not use; here it is registered as a second developer organization."""
WATER_GROUP = "淄博市水务集团有限责任公司"

HPF = "淄博市住房公积金管理中心"
HPF_CODE = "12370300MB28507037"
"""A public institution's code, ``contracts.identifiers.credit_code.make("1", "2",
"370300", "MB285070")``: both check characters valid."""
HPF_RESOURCE = "住房公积金缴存信息"
HPF_ITEMS = [
    ("person_id", "string", 4, "身份证号"),
    ("person_name", "string", 3, "姓名"),
    ("deposit_base_fen", "integer", 3, "缴存基数(分)"),
    ("months_continuous", "integer", 2, "连续缴存月数"),
]


def sources_with_personal_data(tmp: Path, sandbox_root: Path) -> dict[str, str]:
    """The walk's sources (``source_env``) plus a third provider's personal table, the
    demo ``housing_provident_fund``, in its own DuckDB file named in the same source map."""
    env = source_env(tmp, sandbox_root)
    data = tmp / "sources" / "hpf.duckdb"
    if not data.exists():
        generate(data, SCALE, tables=("housing_provident_fund",), threads=1)
    where = tmp / "sources" / "sources.json"
    mapping = json.loads(where.read_text(encoding="utf-8"))
    mapping[f"{org_id_for(HPF_CODE)}/{HPF_RESOURCE}"] = {
        "path": str(data),
        "table": "housing_provident_fund",
    }
    where.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    return env


async def personal_grant(w: FullPath) -> str:
    """After ``parties`` and ``resources``: the housing provident fund centre registers its
    personal table and the bureau publishes it (CAT-3); the developer applies for it under
    a scenario of its own; the centre and the bureau approve, masking by grade (SBX-3)."""
    org_id, headers = await w.identity.party(HPF, "provider", HPF_CODE, "hpf.admin")
    w.ids["hpf"], w.tokens["hpf"] = org_id, headers
    registered = await w.call(
        "POST",
        "/catalog/resources/",
        "hpf",
        {
            "name": HPF_RESOURCE,
            "description": "个人住房公积金缴存信息，用于住房信贷评估。",
            "category": "finance",
            "update_frequency": "monthly",
            "source_system": "住房公积金综合服务平台",
            "items": [
                {"name": n, "type": t, "grade": g, "description": d} for n, t, g, d in HPF_ITEMS
            ],
        },
        expect=201,
    )
    resource_id = registered["resource_id"]
    await w.call("POST", f"/catalog/resources/{resource_id}/proposal", "hpf")
    published = await w.call("POST", f"/catalog/resources/{resource_id}/publication", "bureau")
    assert published["status"] == "published", published
    w.ids["hpf_resource"] = resource_id
    scenario = await w.until(
        "POST",
        "/request_review/scenarios",
        "operator",
        {
            "name": "住房公积金贷款额度评估",
            "domain": "finance",
            "purpose": "以公积金缴存情况评估个人住房贷款额度",
            "expected_value": "缩短公积金贷款审批时间",
            "scenario_class": "commercial",
        },
    )
    w.ids["scenario"] = scenario["scenario_id"]
    why = "贷款额度评估所需的最小字段"
    application = await w.until(
        "POST",
        "/request_review/applications",
        "developer",
        {
            "scenario_id": scenario["scenario_id"],
            "purpose": "按缴存月数统计缴存基数",
            "resources": [
                {
                    "resource_id": resource_id,
                    "items": [{"name": n, "justification": why} for n, *_ in HPF_ITEMS],
                }
            ],
        },
    )
    assert application["status"] == "under_review", application
    app_id = application["application_id"]
    reviewed: Any = None
    for who in ("hpf", "bureau"):
        reviewed = await w.call(
            "POST",
            f"/request_review/applications/{app_id}/reviews",
            who,
            {"decision": "approve", "opinion": "同意，按分级脱敏，限沙箱内使用"},
        )
    assert reviewed["status"] == "approved" and reviewed["grant_id"], reviewed
    w.ids["grant"] = reviewed["grant_id"]
    return str(reviewed["grant_id"])


async def walked(w: FullPath) -> tuple[str, str, str]:
    """The walk up to two ready sandboxes: (grant, development, production)."""
    await w.parties()
    await w.resources()
    grant_id = await w.grant()
    dev, prod = await w.sandboxes()
    return grant_id, dev, prod


async def admitted_developer(
    w: FullPath, name: str, credit_code: str, username: str
) -> tuple[str, dict[str, str]]:
    """Register another developer organization through identity and have the operator
    admit it with a signed development agreement (DEV-1)."""
    org_id, headers = await w.identity.party(name, "developer", credit_code, username)
    w.tokens[username] = headers
    applied = await w.call(
        "POST",
        "/identity/admissions",
        username,
        {
            "operator_org_id": w.ids["operator"],
            "data_management_capability": "设有数据管理部门，数据管理制度健全",
            "security_capability": "通过等保三级测评，建立数据安全管理制度",
            "no_security_incident_3_years": True,
            "good_standing": True,
        },
        expect=201,
    )
    admission = applied["admission_id"]
    await w.call("POST", f"/identity/admissions/{admission}/review", "operator", {"approve": True})
    admitted = await w.call(
        "POST",
        f"/identity/admissions/{admission}/agreement",
        "operator",
        {"terms": "开发利用协议：场景、数据安全与退出"},
    )
    assert admitted["state"] == "admitted", admitted
    return org_id, headers


def as_developer(w: FullPath, org_id: str, headers: dict[str, str]) -> FullPath:
    """The same platform walked by another developer: its ``"developer"`` is ``org_id``;
    the first developer stays reachable as ``"first_developer"``."""
    tokens = {**w.tokens, "developer": headers, "first_developer": w.tokens["developer"]}
    ids = {**w.ids, "developer": org_id, "first_developer": w.ids["developer"]}
    return replace(w, tokens=tokens, ids=ids)


async def second_grant(w: FullPath) -> str:
    """The (second) developer applies under the walk's scenario for the same items; both
    providers and the bureau approve with the walk's masking (REQ-1 … REQ-3, SBX-3)."""
    why = "信用评估模型所需的最小字段"
    application = await w.until(
        "POST",
        "/request_review/applications",
        "developer",
        {
            "scenario_id": w.ids["scenario"],
            "purpose": "按行业统计纳税规模",
            "resources": [
                {
                    "resource_id": w.ids["tax_resource"],
                    "items": [{"name": n, "justification": why} for n, *_ in TAX_ITEMS],
                },
                {
                    "resource_id": w.ids["market_resource"],
                    "items": [
                        {"name": n, "justification": why} for n in ("credit_code", "industry_code")
                    ],
                },
            ],
        },
    )
    assert application["status"] == "under_review", application
    app_id = application["application_id"]
    reviewed: Any = None
    for who in ("tax", "market", "bureau"):
        body: dict[str, Any] = {"decision": "approve", "opinion": "同意，限沙箱内使用"}
        if who != "bureau":
            masking = {"credit_code": "tokenize"}
            if who == "tax":
                masking["tax_grade"] = "as_is"
            body["resources"] = [{"resource_id": w.ids[f"{who}_resource"], "masking": masking}]
        reviewed = await w.call("POST", f"/request_review/applications/{app_id}/reviews", who, body)
    assert reviewed["status"] == "approved" and reviewed["grant_id"], reviewed
    w.ids["grant"] = reviewed["grant_id"]
    return str(reviewed["grant_id"])


async def attempt_job(w: FullPath, who: str, sandbox: str, sql: str) -> Any:
    """A job submitted by ``who``; the raw HTTP answer (a record, or a refusal)."""
    return await w.http.post(
        f"/sandbox_broker/sandboxes/{sandbox}/jobs", json={"sql": sql}, headers=w.tokens[who]
    )


async def job_records(w: FullPath, sandbox: str, who: str = "operator") -> list[Any]:
    """The sandbox's job records as an overseer reads them (SBX-5)."""
    found: list[Any] = await w.call("GET", f"/sandbox_broker/sandboxes/{sandbox}/jobs", who)
    return found


def recorded(records: list[Any], job: Any) -> Any:
    """The record of ``job`` in the job list, which must hold it unchanged."""
    mine = [r for r in records if r["job_id"] == job["job_id"]]
    assert len(mine) == 1, (job, records)
    assert (mine[0]["status"], mine[0]["rule"], mine[0]["sql"]) == (
        job["status"],
        job["rule"],
        job["sql"],
    )
    return mine[0]


async def closed(w: FullPath, *sandboxes: str) -> list[Any]:
    """Wait until every sandbox named is closed (SBX-7); their views."""

    async def all_closed() -> list[Any] | None:
        views = [
            await w.call("GET", f"/sandbox_broker/sandboxes/{s}", "operator") for s in sandboxes
        ]
        return views if all(v["state"] == "closed" for v in views) else None

    return await eventually(all_closed, timeout=90, interval=0.2)


def absent(*paths: Path) -> bool:
    """No file at any of ``paths`` (on the host running the test)."""
    return not any(path.exists() for path in paths)


async def approval_refused(w: FullPath, export_id: str) -> Any:
    """The operator tries to approve an export that failed its checks; the problem body."""
    response = await w.http.post(
        f"/product_release/exports/{export_id}/decision",
        json={"approve": True, "reason": "试图批准未通过检查的出域"},
        headers=w.tokens["operator"],
    )
    assert response.status_code == 409, response.text
    return response.json()
