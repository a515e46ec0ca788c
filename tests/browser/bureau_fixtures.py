"""What the bureau's console journeys need set up by others first, through the public
APIs: an application asking for several items of the demo's tax resource, and a
developer's export request checked by product_release (a production job in the demo
developer's production sandbox, then the request), requested by a person who can sign in
to the console — so the four-eyes refusal (EXP-6) can be shown to that very person."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.console_people import PASSWORD, person
from tests.infra.pdo_up import PdoUp

DEVELOPER = "org-370300-dev-qixin"
TAX = "org-370300-tax"
OPERATOR = "org-370300-operator"
EXPORT_COLUMNS = [
    {"name": "grade", "role": "dimension", "source": "tax_grade"},
    {"name": "firms", "role": "count"},
    {"name": "tax_total", "role": "sum", "source": "tax_paid_fen"},
    {"name": "top1", "role": "top1", "of": "tax_total"},
    {"name": "top2", "role": "top2", "of": "tax_total"},
]


def call(pdo: PdoUp, token: str, method: str, path: str, body: Any = None) -> Any:
    """One API call, retried while events are still on their way (404/409/422)."""
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.request(
            method,
            pdo.url(path),
            headers={"Authorization": f"Bearer {token}"},
            json=body,
            timeout=120,
        )
        if answer.status_code < 300:
            return answer.json()
        if time.monotonic() > deadline or answer.status_code not in (404, 409, 422):
            raise AssertionError(f"{method} {path}: {answer.status_code} {answer.text}")
        time.sleep(0.5)


def signed_in_token(pdo: PdoUp, username: str) -> str:
    answer = httpx.post(
        pdo.url("/identity/tokens"),
        json={"grant_type": "password", "username": username, "password": PASSWORD},
        timeout=30,
    )
    answer.raise_for_status()
    return str(answer.json()["access_token"])


def tax_resource(pdo: PdoUp) -> dict[str, Any]:
    found = call(pdo, pdo.token(TAX), "GET", f"/catalog/resources/?provider_org_id={TAX}")
    return next(
        r for r in found["items"] if r["status"] == "published" and r["name"] == "企业纳税信息"
    )


def application_for_three_items(pdo: PdoUp) -> str:
    """An application under review for three items of 企业纳税信息, each justified."""
    tax = tax_resource(pdo)
    scenario = call(
        pdo,
        pdo.token(OPERATOR),
        "POST",
        "/request_review/scenarios",
        {
            "name": f"普惠金融授信 {uuid.uuid4().hex[:6]}",
            "domain": "finance",
            "purpose": "以纳税数据评估小微企业信用",
            "expected_value": "小微企业首贷率提升",
            "scenario_class": "commercial",
        },
    )
    application = call(
        pdo,
        pdo.token(DEVELOPER),
        "POST",
        "/request_review/applications",
        {
            "scenario_id": scenario["scenario_id"],
            "purpose": "按信用等级统计纳税规模",
            "resources": [
                {
                    "resource_id": tax["resource_id"],
                    "items": [
                        {"name": "credit_code", "justification": "关联企业的最小字段"},
                        {"name": "tax_paid_fen", "justification": "统计纳税规模"},
                        {"name": "tax_grade", "justification": "按信用等级分组"},
                    ],
                }
            ],
        },
    )
    return str(application["application_id"])


@dataclass(frozen=True, slots=True)
class Export:
    export_id: str
    requester: str
    """The developer person who requested it (signs in with ``PASSWORD``)."""


def checked_export(pdo: PdoUp, prefix: str) -> Export:
    """A new developer person runs a production job in the demo grant's production
    sandbox and requests its export; returns once the automated checks passed."""
    requester = person(pdo, DEVELOPER, prefix)
    token = signed_in_token(pdo, requester)
    # The production sandbox of the demo's product grant (the one its approved exports
    # came from): other grants of the same developer mount other items.
    approved = call(pdo, token, "GET", "/product_release/exports/?state=approved&limit=1")
    production = str(approved["items"][0]["sandbox_id"])
    output = f"output_console_{uuid.uuid4().hex[:8]}"
    ran = call(
        pdo,
        token,
        "POST",
        f"/sandbox_broker/sandboxes/{production}/jobs",
        {
            "sql": f"CREATE TABLE {output} AS SELECT tax_grade AS grade, count(*) AS firms, "
            "sum(tax_paid_fen) AS tax_total, max(tax_paid_fen) AS top1, "
            "max(tax_paid_fen, 2)[2] AS top2 FROM tax_payments "
            "GROUP BY tax_grade HAVING count(*) >= 10"
        },
    )
    assert ran["status"] == "succeeded", ran
    requested = call(
        pdo,
        token,
        "POST",
        "/product_release/exports/",
        {
            "sandbox_id": production,
            "output_name": output,
            "kind": "table",
            "columns": EXPORT_COLUMNS,
            "universe": "淄博市纳税企业",
        },
    )
    export_id = str(requested["export_id"])
    deadline = time.monotonic() + 900  # staged by the broker, queued behind provisioning
    while True:
        state = call(pdo, token, "GET", f"/product_release/exports/{export_id}")["state"]
        if state != "requested":
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"export {export_id} still unchecked")
        time.sleep(1)
    assert state == "checks_passed", state
    return Export(export_id, requester)


def certified_product(pdo: PdoUp) -> tuple[str, str]:
    """A product of an export the operator approved, with its certificate, awaiting the
    bureau's filing; returns (product id, product name)."""
    export = checked_export(pdo, "dev.product")
    call(
        pdo,
        pdo.token(OPERATOR),
        "POST",
        f"/product_release/exports/{export.export_id}/decision",
        {"approve": True, "reason": "统计口径合规，准予出域"},
    )
    token = signed_in_token(pdo, export.requester)
    name = f"纳税信用等级统计 {uuid.uuid4().hex[:6]}"
    drafted = call(
        pdo,
        token,
        "POST",
        "/product_release/products/",
        {"export_id": export.export_id, "name": name, "kind": "dataset"},
    )
    product_id = str(drafted["product_id"])
    tax = tax_resource(pdo)
    call(
        pdo,
        token,
        "POST",
        f"/product_release/products/{product_id}/certificate",
        {
            "data_sources": [
                {
                    "resource_id": tax["resource_id"],
                    "provider_org_id": TAX,
                    "registration_code": tax["registration_code"],
                }
            ],
            "attributes": [{"name": "format", "value": "JSON"}],
            "business_logic": "按纳税信用等级汇总纳税规模；小于10户的单元格不出域",
            "governance_rules": "仅用于统计分析；不得再识别",
            "cryptographic_agreement": "SHA-256 规范化 JSON；Ed25519 签名",
            "interaction_flow": [
                {"from_org_id": TAX, "to_org_id": DEVELOPER, "action": "供数"},
                {"from_org_id": DEVELOPER, "to_org_id": OPERATOR, "action": "出域审核"},
            ],
        },
    )
    return product_id, name


def sign_in(page: Page, pdo: PdoUp, username: str) -> None:
    page.goto(pdo.url("/console/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
