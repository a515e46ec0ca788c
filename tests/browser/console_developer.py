"""Shared steps of the developer's console journeys (开发利用主体): signing in, the
platform calls that set the scene (a scenario the operator filed, a new developer
organization), and finding the demo year's ready sandboxes. Everything the developer
does is done by clicks and typing in the tests themselves."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

import httpx
from playwright.sync_api import Page

from contracts.identifiers import credit_code
from tests.browser.console_people import PASSWORD
from tests.infra.pdo_up import PdoUp

DEVELOPER = "org-370300-dev-qixin"
OPERATOR = "org-370300-operator"
BUREAU = "org-370300-bureau"
TAX = "org-370300-tax"
MONTHLY_SQL = (
    "CREATE TABLE {output} AS SELECT tax_grade AS grade, count(*) AS firms, "
    "sum(tax_paid_fen) AS tax_total, max(tax_paid_fen) AS top1, "
    "max(tax_paid_fen, 2)[2] AS top2 FROM tax_payments "
    "WHERE month(tax_month) = {month} GROUP BY tax_grade HAVING count(*) >= 10"
)
"""A production job whose output passes the disclosure checks (as the demo year's)."""
MONTHLY_COLUMNS = "\n".join(
    (
        "grade dimension tax_grade",
        "firms count",
        "tax_total sum tax_paid_fen",
        "top1 top1 - tax_total",
        "top2 top2 - tax_total",
    )
)


def api(pdo: PdoUp, org: str, method: str, path: str, body: Any = None) -> Any:
    """One public API call with a demo organization's token, retried while the events it
    depends on are still on their way (404/409/422)."""
    deadline = time.monotonic() + 60
    while True:
        answer = httpx.request(
            method,
            pdo.url(path),
            headers={"Authorization": f"Bearer {pdo.token(org)}"},
            json=body,
            timeout=30,
        )
        if answer.status_code < 300:
            return answer.json() if answer.content else None
        if time.monotonic() > deadline or answer.status_code not in (404, 409, 422):
            raise AssertionError(f"{method} {path}: {answer.status_code} {answer.text}")
        time.sleep(0.5)


def sign_in(page: Page, pdo: PdoUp, username: str) -> None:
    page.goto(pdo.url("/console/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()


def scenario(pdo: PdoUp, name: str = "小微企业信用评估") -> dict[str, Any]:
    """A scenario the operator files (场景备案) — the operator's console is another
    journey; here it only sets the scene."""
    filed: dict[str, Any] = api(
        pdo,
        OPERATOR,
        "POST",
        "/request_review/scenarios",
        {
            "name": f"{name} {uuid.uuid4().hex[:6]}",
            "domain": "finance",
            "purpose": "以纳税数据评估小微企业信用，支持无抵押贷款",
            "expected_value": "全市小微企业首贷率提升",
            "scenario_class": "commercial",
        },
    )
    return filed


def new_developer_org(pdo: PdoUp) -> str:
    """A developer organization the bureau registers now, not yet admitted anywhere."""
    body = "".join(secrets.choice(credit_code.ALPHABET) for _ in range(8))
    org_id = f"org-370300-dev-{uuid.uuid4().hex[:8]}"
    api(
        pdo,
        BUREAU,
        "POST",
        "/identity/organizations",
        {
            "org_id": org_id,
            "name": f"淄博新锐数据有限公司{org_id[-4:]}",
            "role": "developer",
            "region": "370300",
            "credit_code": credit_code.make("9", "1", "370300", body),
        },
    )
    return org_id


def ready_sandbox(
    pdo: PdoUp,
    environment: str,
    columns: tuple[str, ...] = ("tax_month", "tax_paid_fen", "tax_grade"),
) -> str:
    """A ready sandbox of the demo developer granting ``columns`` of ``tax_payments``
    (the demo year's product grant)."""
    deadline = time.monotonic() + 300
    while True:
        found = api(pdo, DEVELOPER, "GET", "/sandbox_broker/sandboxes")
        items = found["items"] if isinstance(found, dict) else found
        for sandbox in items:
            granted = {
                c["name"] for c in sandbox.get("columns", []) if c["table"] == "tax_payments"
            }
            if (
                sandbox["environment"] == environment
                and sandbox["state"] == "ready"
                and granted >= set(columns)
            ):
                return str(sandbox["sandbox_id"])
        if time.monotonic() > deadline:
            raise AssertionError(f"no ready {environment} sandbox granting {columns}: {items}")
        time.sleep(2)
