"""The whole path of issue 4 through HTTP only, as the parties would walk it:

identity (operator authorized, developer admitted) → catalog (two providers register
resources, the bureau publishes them) → request-review (scenario, application, bureau and
provider approval, grant) → sandbox-broker (development and production sandboxes, jobs)
→ product-release (export request, automated checks, human approval, product certified,
filed, released, on the public list) → a verification product answering a metered call.

``FullPath`` drives one platform through one ``AsyncTestClient`` (or, in the chart smoke
test, nine processes through one routing client); the same walk runs in
embedded mode and on Kafka with the MongoDB-wire store (``tests/e2e`` and
``tests/integration``). Time is a ``FixedClock`` the walk moves past the publicity period.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import httpx

from contracts.events import UsageMetered
from contracts.identifiers.registration_code import is_valid_code
from libs.clock import FixedClock
from libs.runtime import Platform
from services.identity.domain.organization import org_id_for
from services.sandbox_broker.adapters.demo_data import DemoScale, generate
from services.sandbox_broker.adapters.sources import ROOT_ENV, SOURCES_ENV
from tests.e2e.test_identity_lifecycle_embedded import IdentityDriver
from tests.support.platform import eventually

SERVICES = ("identity", "catalog", "request_review", "sandbox_broker", "product_release")
OPERATOR_CODE = "91370300MA3C7H9K9C"
DEVELOPER_CODE = "91370300MA3D2K8L2C"
TAX_CODE = "11370300004228360T"
MARKET_CODE = "11370300MB2850439Y"
TAX_RESOURCE = "企业纳税信息"
MARKET_RESOURCE = "市场主体登记信息"
SCALE = DemoScale(enterprises=3_000, tax_months=3, persons=1_000)

TAX_ITEMS = [
    ("credit_code", "string", 2, "统一社会信用代码"),
    ("tax_month", "date", 1, "所属期"),
    ("tax_paid_fen", "integer", 3, "实缴税额(分)"),
    ("tax_grade", "string", 3, "纳税信用等级"),
]
MARKET_ITEMS = [
    ("credit_code", "string", 1, "统一社会信用代码"),
    ("entity_name", "string", 1, "名称"),
    ("registered_capital_fen", "integer", 1, "注册资本(分)"),
    ("industry_code", "string", 1, "国民经济行业门类"),
]
INDUSTRY_TAX_SQL = """
CREATE TABLE output_industry_tax AS
WITH firm AS (
    SELECT credit_code, sum(tax_paid_fen) AS paid FROM tax_payments GROUP BY credit_code
)
SELECT m.industry_code AS industry,
       count(*) AS firms,
       sum(f.paid) AS tax_total,
       max(f.paid) AS top1,
       list_sort(list(f.paid), 'DESC')[2] AS top2
FROM firm AS f JOIN market_registration AS m ON m.credit_code = f.credit_code
GROUP BY m.industry_code
HAVING count(*) >= 10
"""
INDUSTRY_TAX_COLUMNS = [
    {"name": "industry", "role": "dimension", "source": "industry_code"},
    {"name": "firms", "role": "count"},
    {"name": "tax_total", "role": "sum", "source": "tax_paid_fen"},
    {"name": "top1", "role": "top1", "of": "tax_total"},
    {"name": "top2", "role": "top2", "of": "tax_total"},
]
LATEST_GRADE_SQL = """
CREATE TABLE output_latest_grade AS
SELECT credit_code, tax_grade FROM tax_payments
WHERE tax_month = (SELECT max(tax_month) FROM tax_payments)
"""


def write_sources(tmp: Path) -> Path:
    """The providers' real data (a small demo DuckDB) and the source map naming it."""
    data = tmp / "sources" / "zibo.duckdb"
    data.parent.mkdir(parents=True, exist_ok=True)
    if not data.exists():
        generate(data, SCALE, tables=("market_registration", "tax_payments"), threads=1)
    mapping = {
        f"{org_id_for(TAX_CODE)}/{TAX_RESOURCE}": {"path": str(data), "table": "tax_payments"},
        f"{org_id_for(MARKET_CODE)}/{MARKET_RESOURCE}": {
            "path": str(data),
            "table": "market_registration",
        },
    }
    where = tmp / "sources" / "sources.json"
    where.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    return where


def source_env(tmp: Path, sandbox_root: Path) -> dict[str, str]:
    """The broker's settings: the source map, and a sandbox root every sandbox user can
    traverse (pytest's own tmp directory is root-only)."""
    return {SOURCES_ENV: str(write_sources(tmp)), ROOT_ENV: str(sandbox_root)}


def latest_grade_of_some_firm(tmp: Path) -> tuple[str, str]:
    """A real credit code and its latest tax grade, read from the source (the test may)."""
    con = duckdb.connect(str(tmp / "sources" / "zibo.duckdb"), read_only=True)
    try:
        row = con.execute(
            "SELECT credit_code, tax_grade FROM tax_payments "
            "WHERE tax_month = (SELECT max(tax_month) FROM tax_payments) "
            "ORDER BY credit_code LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0]), str(row[1])


@dataclass
class FullPath:
    platform: Platform | None
    """None when the services run as processes of their own (the chart smoke test)."""
    http: httpx.AsyncClient
    """An ``AsyncTestClient`` of the platform, or a client routing to nine processes."""
    clock: FixedClock
    region: str
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def identity(self) -> IdentityDriver:
        return IdentityDriver(self.platform, self.http, self.clock, region=self.region)

    async def call(
        self, method: str, path: str, who: str, body: Any = None, *, expect: int = 200
    ) -> Any:
        headers = self.tokens[who] if who else {}
        response = await self.http.request(method, path, json=body, headers=headers)
        assert response.status_code == expect, (method, path, response.text)
        return response.json()

    async def until(
        self, method: str, path: str, who: str, body: Any = None, *, expect: int = 201
    ) -> Any:
        """Retry a command refused only because an upstream event has not arrived yet;
        a refused command writes nothing, so retrying it is harmless."""

        async def attempt() -> Any:
            headers = self.tokens[who]
            response = await self.http.request(method, path, json=body, headers=headers)
            return response.json() if response.status_code == expect else None

        return await eventually(attempt, timeout=90, interval=0.2)

    # --- identity -----------------------------------------------------------------------

    async def parties(self) -> None:
        d = self.identity
        operator_org, operator = await d.party(
            "淄博市数据运营有限公司", "operator", OPERATOR_CODE, "op.admin"
        )
        await d.active_agreement(operator, operator_org, OPERATOR_CODE)
        self.clock.advance(timedelta(days=2))  # the agreement starts the day after signing
        self.ids["operator"] = operator_org
        self.tokens["operator"] = await d.login("op.admin")
        self.tokens["bureau"] = await d.bureau()
        developer_org, developer = await d.party(
            "淄博齐信数据科技有限公司", "developer", DEVELOPER_CODE, "dev.admin"
        )
        self.ids["developer"], self.tokens["developer"] = developer_org, developer
        for who, name, code in (
            ("tax", "国家税务总局淄博市税务局", TAX_CODE),
            ("market", "淄博市市场监督管理局", MARKET_CODE),
        ):
            org_id, headers = await d.party(name, "provider", code, f"{who}.admin")
            assert org_id == org_id_for(code)
            self.ids[who], self.tokens[who] = org_id, headers
        applied = await self.call(
            "POST",
            "/identity/admissions",
            "developer",
            {
                "operator_org_id": operator_org,
                "data_management_capability": "已通过DCMM二级认证，设有数据管理部门",
                "security_capability": "通过等保三级测评，建立数据安全管理制度",
                "no_security_incident_3_years": True,
                "good_standing": True,
            },
            expect=201,
        )
        admission = applied["admission_id"]
        await self.call(
            "POST", f"/identity/admissions/{admission}/review", "operator", {"approve": True}
        )
        admitted = await self.call(
            "POST",
            f"/identity/admissions/{admission}/agreement",
            "operator",
            {"terms": "开发利用协议：场景、数据安全与退出"},
        )
        assert admitted["state"] == "admitted"
        filed = await self.call(
            "POST",
            f"/identity/admissions/{admission}/filing",
            "operator",
            {"reference": "合作协议〔2026〕1号", "summary": "场景、数据安全、收益分配"},
        )
        assert filed["cooperation_complete"]  # DEV-3: filed with the bureau

    # --- catalog ------------------------------------------------------------------------

    async def resources(self) -> None:
        for who, name, items, source in (
            ("tax", TAX_RESOURCE, TAX_ITEMS, "金税三期"),
            ("market", MARKET_RESOURCE, MARKET_ITEMS, "山东省市场主体登记系统"),
        ):
            body = {
                "name": name,
                "description": f"{name}，用于普惠金融信用评估。",
                "category": "finance",
                "update_frequency": "monthly",
                "source_system": source,
                "items": [
                    {"name": n, "type": t, "grade": g, "description": d} for n, t, g, d in items
                ],
            }
            registered = await self.call("POST", "/catalog/resources/", who, body, expect=201)
            resource_id = registered["resource_id"]
            await self.call("POST", f"/catalog/resources/{resource_id}/proposal", who)
            published = await self.call(
                "POST", f"/catalog/resources/{resource_id}/publication", "bureau"
            )
            assert published["status"] == "published"
            self.ids[f"{who}_resource"] = resource_id
            self.ids[f"{who}_code"] = published["registration_code"]

    # --- request-review -----------------------------------------------------------------

    async def grant(self) -> str:
        scenario = await self.until(
            "POST",
            "/request_review/scenarios",
            "operator",
            {
                "name": "普惠金融企业信用评估",
                "domain": "finance",
                "purpose": "以纳税与登记数据评估小微企业信用，支持无抵押贷款",
                "expected_value": "全市小微企业首贷率提升",
                "scenario_class": "commercial",
            },
        )
        self.ids["scenario"] = scenario["scenario_id"]
        why = "信用评估模型所需的最小字段"
        application = await self.until(
            "POST",
            "/request_review/applications",
            "developer",
            {
                "scenario_id": scenario["scenario_id"],
                "purpose": "按行业统计纳税规模并提供纳税信用等级核验",
                "resources": [
                    {
                        "resource_id": self.ids["tax_resource"],
                        "items": [{"name": n, "justification": why} for n, *_ in TAX_ITEMS],
                    },
                    {
                        "resource_id": self.ids["market_resource"],
                        "items": [
                            {"name": n, "justification": why}
                            for n in ("credit_code", "industry_code")
                        ],
                    },
                ],
            },
        )
        assert application["status"] == "under_review"
        app_id = application["application_id"]
        for who in ("tax", "market", "bureau"):
            body: dict[str, Any] = {"decision": "approve", "opinion": "同意，限沙箱内使用"}
            if who != "bureau":
                # Each provider has its credit codes tokenized with the grant's key, so the
                # two tables still join on the tokens (SBX-3); the tax bureau leaves the
                # grade as is, since the verification product answers with it.
                masking = {"credit_code": "tokenize"}
                if who == "tax":
                    masking["tax_grade"] = "as_is"
                body["resources"] = [
                    {"resource_id": self.ids[f"{who}_resource"], "masking": masking}
                ]
            reviewed = await self.call(
                "POST", f"/request_review/applications/{app_id}/reviews", who, body
            )
        assert reviewed["status"] == "approved" and reviewed["grant_id"]
        self.ids["grant"] = reviewed["grant_id"]
        return str(reviewed["grant_id"])

    # --- sandbox-broker -----------------------------------------------------------------

    async def sandboxes(self) -> tuple[str, str]:
        async def ready() -> list[Any] | None:
            found = await self.call("GET", "/sandbox_broker/sandboxes", "developer")
            states = {s["environment"]: s for s in found if s["state"] == "ready"}
            return found if len(states) == 2 else None

        found = await eventually(ready, timeout=120, interval=0.3)
        by_env = {s["environment"]: s["sandbox_id"] for s in found}
        self.ids["dev_sandbox"] = by_env["development"]
        self.ids["prod_sandbox"] = by_env["production"]
        return by_env["development"], by_env["production"]

    async def job(self, sandbox: str, sql: str) -> Any:
        return await self.call(
            "POST",
            f"/sandbox_broker/sandboxes/{sandbox}/jobs",
            "developer",
            {"sql": sql},
            expect=201,
        )

    # --- product-release ----------------------------------------------------------------

    async def export(self, body: dict[str, Any]) -> Any:
        requested = await self.until("POST", "/product_release/exports/", "developer", body)
        export_id = requested["export_id"]

        async def checked() -> Any:
            found = await self.call("GET", f"/product_release/exports/{export_id}", "developer")
            return found if found["state"] != "requested" else None

        return await eventually(checked, timeout=90, interval=0.2)

    async def release(self, export_id: str, name: str, kind: str, **extra: Any) -> Any:
        drafted = await self.call(
            "POST",
            "/product_release/products/",
            "developer",
            {"export_id": export_id, "name": name, "kind": kind, **extra},
            expect=201,
        )
        product_id = drafted["product_id"]
        developer = self.ids["developer"]
        await self.call(
            "POST",
            f"/product_release/products/{product_id}/certificate",
            "developer",
            {
                "data_sources": [
                    {
                        "resource_id": self.ids["tax_resource"],
                        "provider_org_id": self.ids["tax"],
                        "registration_code": self.ids["tax_code"],
                    }
                ],
                "attributes": [{"name": "format", "value": "JSON"}],
                "business_logic": "按行业汇总纳税规模；小于10户的单元格不出域",
                "governance_rules": "仅用于普惠金融授信；不得再识别",
                "cryptographic_agreement": "SHA-256 规范化 JSON；Ed25519 签名",
                "interaction_flow": [
                    {"from_org_id": self.ids["tax"], "to_org_id": developer, "action": "供数"},
                    {
                        "from_org_id": developer,
                        "to_org_id": self.ids["operator"],
                        "action": "出域审核",
                    },
                ],
            },
        )
        await self.call(
            "POST",
            f"/product_release/products/{product_id}/filing",
            "bureau",
            {"accept": True, "reason": "材料齐全，予以备案"},
        )
        return await self.call(
            "POST", f"/product_release/products/{product_id}/release", "operator"
        )


async def scenario_to_metered_call(
    w: FullPath, tmp_path: Path, metered: Callable[[], Awaitable[list[UsageMetered]]]
) -> None:
    """The walk; ``metered`` reads the ``usage.metered`` events published so far."""
    await w.parties()
    await w.resources()
    grant_id = await w.grant()
    dev, prod = await w.sandboxes()
    assert grant_id in dev and grant_id in prod

    # Develop on synthetic data, where a preview is shown; run unchanged on the real data.
    tried = await w.job(dev, INDUSTRY_TAX_SQL)
    assert tried["status"] == "succeeded", tried
    peek = await w.job(dev, "SELECT tax_grade, count(*) AS n FROM tax_payments GROUP BY 1")
    assert peek["status"] == "succeeded" and peek["preview"], "development shows synthetic rows"
    ran = await w.job(prod, INDUSTRY_TAX_SQL)
    assert ran["status"] == "succeeded", ran
    assert ran["preview"] == [] and ran["rows_touched"] > 0, ran
    outputs = await w.call("GET", f"/sandbox_broker/sandboxes/{prod}/outputs", "developer")
    assert "output_industry_tax" in [o["name"] for o in outputs]

    # The export passes the automated checks, then a human approves it (EXP-2, EXP-1).
    checked = await w.export(
        {
            "sandbox_id": prod,
            "output_name": "output_industry_tax",
            "kind": "table",
            "columns": INDUSTRY_TAX_COLUMNS,
            "universe": "淄博市纳税企业",
        }
    )
    assert checked["state"] == "checks_passed", checked
    export_id = checked["export_id"]
    report = await w.call("GET", f"/product_release/exports/{export_id}/report", "operator")
    assert report["content_hash"] == checked["check_report_hash"]
    approved = await w.call(
        "POST",
        f"/product_release/exports/{export_id}/decision",
        "operator",
        {"approve": True, "reason": "统计口径合规，准予出域"},
    )
    assert approved["state"] == "approved"

    released = await w.release(export_id, "淄博市分行业纳税规模统计", "dataset")
    assert released["state"] == "released" and is_valid_code(released["registration_code"])
    listed = await w.call("GET", "/product_release/products/list", "")
    assert released["registration_code"] in [p["registration_code"] for p in listed["items"]]

    # A verification product: the answers stay inside; only a grade leaves per call.
    graded = await w.job(prod, LATEST_GRADE_SQL)
    assert graded["status"] == "succeeded", graded
    checked = await w.export(
        {
            "sandbox_id": prod,
            "output_name": "output_latest_grade",
            "kind": "verification",
            "columns": [
                {"name": "credit_code", "role": "identifier"},
                {"name": "tax_grade", "role": "dimension"},
            ],
            "key_column": "credit_code",
            "answer_column": "tax_grade",
        }
    )
    assert checked["state"] == "checks_passed", checked
    await w.call(
        "POST",
        f"/product_release/exports/{checked['export_id']}/decision",
        "operator",
        {"approve": True, "reason": "仅返回等级，准予上线"},
    )
    verification = await w.release(
        checked["export_id"],
        "企业纳税信用等级核验",
        "verification",
        answers=["A", "B", "M", "C", "D"],
    )
    product_id = verification["product_id"]
    code, grade = latest_grade_of_some_firm(tmp_path)

    async def answered() -> dict[str, str] | None:
        response = await w.http.post(
            f"/sandbox_broker/verifications/{product_id}",
            json={"key": code},
            headers=w.tokens["market"],
        )
        return response.json() if response.status_code == 200 else None

    answer = await eventually(answered, timeout=60, interval=0.3)
    assert answer["answer"] == grade

    async def metered_calls() -> list[UsageMetered] | None:
        calls = [e for e in await metered() if e.unit == "call"]
        return calls or None

    calls = await eventually(metered_calls, timeout=60)
    assert [(c.product_id, c.customer_org_id, c.quantity) for c in calls] == [
        (product_id, w.ids["market"], 1)
    ]
