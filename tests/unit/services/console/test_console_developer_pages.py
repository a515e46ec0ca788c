"""The developer's console pages without a browser: a litestar TestClient with an httpx
MockTransport standing in for the platform's public APIs. Each test asserts what the
developer sees and what the console sends to the APIs."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from services.console.api.exports import columns_of
from tests.unit.services.console.mock_platform import FakePlatform, MockConsole, csrf

Route = Callable[[httpx.Request], httpx.Response]


Platform = FakePlatform
_csrf = csrf


@pytest.fixture
def console(mock_console: MockConsole) -> Callable[..., TestClient[Any]]:
    def make(platform: Platform, role: str = "developer") -> TestClient[Any]:
        return mock_console(platform, sub="dev.li", org="org-dev", role=role)

    return make


SANDBOX = {
    "sandbox_id": "sbx-dev-g1",
    "grant_id": "g1",
    "environment": "development",
    "state": "ready",
    "valid_until": "2027-01-01",
    "operator_org_id": "org-op",
    "columns": [
        {
            "table": "tax_payments",
            "name": "tax_grade",
            "type": "VARCHAR",
            "method": "as_is",
            "grade": 1,
        },
        {
            "table": "tax_payments",
            "name": "credit_code",
            "type": "VARCHAR",
            "method": "tokenize",
            "grade": 2,
        },
    ],
}
JOBS = [
    {
        "job_id": "j1",
        "sql": "INSTALL httpfs",
        "status": "refused",
        "rule": "SBX-2",
        "reason": "statement not allowed: INSTALL",
        "output_table": "",
        "rows_out": 0,
        "duration_ms": 0,
        "submitted_at": "2026-12-07T08:00:00",
        "columns": [],
        "preview": [],
    },
    {
        "job_id": "j2",
        "sql": "CREATE TABLE output_grades AS SELECT 1",
        "status": "succeeded",
        "rule": "",
        "reason": "",
        "output_table": "output_grades",
        "rows_out": 2,
        "duration_ms": 30,
        "submitted_at": "2026-12-07T08:01:00",
        "columns": ["grade", "firms"],
        "preview": [["A", "12"], ["B", "40"]],
    },
]
OUTPUTS = [
    {
        "name": "output_grades",
        "columns": ["grade", "firms"],
        "rows": 2,
        "job_id": "j2",
        "written_at": "2026-12-07T08:01:00",
    }
]


def _workbench(state: str = "ready", extra: dict[tuple[str, str], Any] | None = None) -> Platform:
    base = "/sandbox_broker/sandboxes/sbx-dev-g1"
    return Platform(
        {
            ("GET", base): {**SANDBOX, "state": state},
            ("GET", base + "/jobs"): JOBS,
            ("GET", base + "/outputs"): OUTPUTS,
            **(extra or {}),
        }
    )


def test_SBX_2_the_workbench_lists_granted_columns_and_a_refused_job_with_its_rule(
    console: Callable[..., TestClient[Any]],
) -> None:
    client = console(_workbench())
    html = client.get("/developer/workbench/sbx-dev-g1").text
    assert 'data-table="tax_payments"' in html and "credit_code" in html and "令牌化" in html
    refused = re.search(r'<tr id="job-j1".*?</tr>', html, re.S)
    assert refused is not None
    assert 'data-state="refused"' in refused.group(0) and "被拒绝" in refused.group(0)
    # the rule by id and by its title in the rule book, then the API's reason
    assert "规则 SBX-2：沙箱隔离<br>statement not allowed: INSTALL" in refused.group(0)
    # outputs stay inside: first rows of the development job, no download link
    assert "output_grades 的前几行" in html and "<td>B</td><td>40</td>" in html
    assert "download" not in html.lower() and "hx-get" not in html.split('id="live"')[1][:80]


def test_SBX_2_a_sandbox_being_provisioned_polls_in_place_until_ready(
    console: Callable[..., TestClient[Any]],
) -> None:
    client = console(_workbench("provisioning"))
    html = client.get("/developer/workbench/sbx-dev-g1").text
    assert 'hx-get="/console/developer/workbench/sbx-dev-g1/live" hx-trigger="every 2s"' in html
    assert 'id="sandbox-state" data-state="provisioning">创建中' in html
    live = client.get("/developer/workbench/sbx-dev-g1/live").text
    assert live.lstrip().startswith('<div id="live"') and "<html" not in live


def test_SBX_2_a_job_is_sent_as_sql_and_the_page_shows_the_apis_refusal(
    console: Callable[..., TestClient[Any]],
) -> None:
    refusal = {
        "status": 409,
        "detail": "the sandbox is suspended",
        "rule": "SBX-7",
        "rule_title": "沙箱关闭",
    }
    platform = _workbench(
        extra={("POST", "/sandbox_broker/sandboxes/sbx-dev-g1/jobs"): (409, refusal)}
    )
    client = console(platform)
    token = _csrf(client, "/developer/workbench/sbx-dev-g1")
    answer = client.post(
        "/developer/workbench/sbx-dev-g1/jobs",
        data={"sql": "SELECT 1", "_csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 409
    assert (
        "POST",
        "/sandbox_broker/sandboxes/sbx-dev-g1/jobs",
        {"sql": "SELECT 1"},
    ) in platform.sent
    assert 'id="sql-refused"' in answer.text and "规则 SBX-7" in answer.text
    assert "SELECT 1</textarea>" in answer.text  # kept in the form


def test_REQ_2_an_application_sends_each_ticked_item_with_its_justification(
    console: Callable[..., TestClient[Any]],
) -> None:
    resource = {
        "resource_id": "res-tax",
        "name": "企业纳税信息",
        "provider_org_id": "org-tax",
        "status": "published",
        "grantable_items": ["credit_code", "tax_grade"],
        "items": [
            {"name": "credit_code", "grade": 2, "description": "统一社会信用代码"},
            {"name": "tax_grade", "grade": 1, "description": "纳税等级"},
            {"name": "salary", "grade": 3, "description": "不可授权"},
        ],
    }
    platform = Platform(
        {
            ("GET", "/request_review/scenarios"): [
                {"scenario_id": "scn-1", "name": "信用评估", "status": "filed"}
            ],
            ("GET", "/catalog/resources/"): {"items": [resource]},
            ("GET", "/catalog/resources/res-tax"): resource,
            ("POST", "/request_review/applications"): (201, {"application_id": "app-9"}),
        }
    )
    client = console(platform)
    form = client.get("/developer/apply?scenario_id=scn-1&resource_id=res-tax").text
    assert 'id="item-res-tax::credit_code"' in form and 'for="why-res-tax::tax_grade"' in form
    assert "item-res-tax::salary" not in form  # not grantable: never offered
    token = _csrf(client, "/developer/apply?scenario_id=scn-1&resource_id=res-tax")
    answer = client.post(
        "/developer/apply",
        data={
            "_csrf_token": token,
            "scenario_id": "scn-1",
            "chosen": "res-tax",
            "purpose": "信用评估",
            "item::res-tax::credit_code": "yes",
            "why::res-tax::credit_code": "关联企业",
            "why::res-tax::tax_grade": "未勾选的理由不发送",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/applications/app-9"
    sent = [b for m, p, b in platform.sent if (m, p) == ("POST", "/request_review/applications")]
    assert sent == [
        {
            "scenario_id": "scn-1",
            "purpose": "信用评估",
            "resources": [
                {
                    "resource_id": "res-tax",
                    "items": [{"name": "credit_code", "justification": "关联企业"}],
                }
            ],
        }
    ]


def test_REQ_2_an_item_without_a_justification_is_refused_next_to_the_items(
    console: Callable[..., TestClient[Any]],
) -> None:
    resource = {
        "resource_id": "res-tax",
        "name": "企业纳税信息",
        "provider_org_id": "org-tax",
        "status": "published",
        "grantable_items": [],
        "items": [{"name": "credit_code", "grade": 2, "description": ""}],
    }
    problem = {
        "status": 422,
        "detail": "every requested item needs a justification",
        "rule": "REQ-2",
        "rule_title": "最小必要",
        "errors": [{"field": "body.resources[0].items[0].justification", "message": "empty"}],
    }
    platform = Platform(
        {
            ("GET", "/request_review/scenarios"): [],
            ("GET", "/catalog/resources/"): {"items": [resource]},
            ("GET", "/catalog/resources/res-tax"): resource,
            ("POST", "/request_review/applications"): (422, problem),
        }
    )
    client = console(platform)
    token = _csrf(client, "/developer/apply?resource_id=res-tax")
    answer = client.post(
        "/developer/apply",
        data={
            "_csrf_token": token,
            "scenario_id": "scn-1",
            "chosen": "res-tax",
            "purpose": "p",
            "item::res-tax::credit_code": "yes",
            "why::res-tax::credit_code": "",
        },
    )
    assert answer.status_code == 422
    assert 'id="items-refused"' in answer.text and "规则 REQ-2" in answer.text
    assert (
        'id="item-res-tax::credit_code" name="item::res-tax::credit_code" value="yes" checked'
        in answer.text
    )


def test_export_columns_are_read_one_a_line() -> None:
    assert columns_of("grade dimension tax_grade\nfirms count\n\ntop1 top1 - tax_total") == [
        {"name": "grade", "role": "dimension", "source": "tax_grade"},
        {"name": "firms", "role": "count"},
        {"name": "top1", "role": "top1", "of": "tax_total"},
    ]


def test_EXP_2_an_export_in_its_checks_polls_and_a_failed_check_is_shown(
    console: Callable[..., TestClient[Any]],
) -> None:
    export = {
        "export_id": "exp-1",
        "sandbox_id": "sbx-pro-g1",
        "output_name": "output_x",
        "state": "requested",
        "failed_checks": [],
        "requester_user_id": "dev.li",
        "requested_at": "t",
        "kind": "table",
    }
    platform = Platform({("GET", "/product_release/exports/exp-1"): export})
    client = console(platform)
    html = client.get("/developer/exports/exp-1").text
    assert 'hx-get="/console/developer/exports/exp-1/live"' in html
    assert 'data-state="requested"' in html
    platform.answers[("GET", "/product_release/exports/exp-1")] = {
        **export,
        "state": "checks_failed",
        "failed_checks": ["EXP-2: cell of 3 firms < 10"],
    }
    live = client.get("/developer/exports/exp-1/live").text
    assert "hx-get" not in live and "自动检查未通过" in live and "cell of 3 firms" in live


def test_EXP_3_a_drafted_product_offers_the_certificate_and_sends_its_sources(
    console: Callable[..., TestClient[Any]],
) -> None:
    product = {
        "product_id": "p-1",
        "name": "纳税统计",
        "kind": "dataset",
        "state": "drafted",
        "export_id": "exp-1",
        "certificate": None,
    }
    tax = {
        "resource_id": "res-tax",
        "name": "企业纳税信息",
        "provider_org_id": "org-tax",
        "registration_code": "REG-1",
    }
    platform = Platform(
        {
            ("GET", "/product_release/products/p-1"): product,
            ("GET", "/catalog/resources/"): {"items": [tax]},
            ("GET", "/catalog/resources/res-tax"): tax,
            ("GET", "/product_release/exports/exp-1"): {"sandbox_id": "sbx-pro-g1"},
            ("GET", "/sandbox_broker/sandboxes/sbx-pro-g1"): {"operator_org_id": "org-op"},
            ("POST", "/product_release/products/p-1/certificate"): (200, {"product_id": "p-1"}),
        }
    )
    client = console(platform)
    html = client.get("/developer/products/p-1").text
    assert 'data-state="drafted">草稿' in html and "申领流通凭证" in html
    token = _csrf(client, "/developer/products/p-1")
    answer = client.post(
        "/developer/products/p-1/certificate",
        data={
            "_csrf_token": token,
            "source_resource_id": "res-tax",
            "business_logic": "汇总",
            "governance_rules": "不得再识别",
            "cryptographic_agreement": "SHA-256",
            "format": "JSON",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    (body,) = [b for m, p, b in platform.sent if p.endswith("/certificate")]
    assert body["data_sources"] == [
        {"resource_id": "res-tax", "provider_org_id": "org-tax", "registration_code": "REG-1"}
    ]
    assert body["interaction_flow"][1] == {
        "from_org_id": "org-dev",
        "to_org_id": "org-op",
        "action": "出域审核",
    }


def test_the_developers_home_links_each_waiting_item_to_its_page(
    console: Callable[..., TestClient[Any]],
) -> None:
    platform = Platform(
        {
            ("GET", "/request_review/applications/"): {"items": []},
            ("GET", "/sandbox_broker/sandboxes"): [SANDBOX],
            ("GET", "/product_release/exports/"): {
                "items": [{"export_id": "exp-1", "sandbox_id": "s", "state": "checks_passed"}]
            },
            ("GET", "/identity/admissions"): [
                {"admission_id": "adm-1", "operator_org_id": "org-op", "state": "admitted"}
            ],
            ("GET", "/product_release/products/"): {"items": []},
        }
    )
    html = console(platform).get("/").text
    assert 'href="/console/developer/workbench/sbx-dev-g1"' in html
    assert 'href="/console/developer/exports/exp-1"' in html
    assert "已入驻" in html and "自动检查通过" in html
    for path in (
        "/developer/admission",
        "/developer/apply",
        "/developer/exports",
        "/developer/products",
    ):
        assert f'href="/console{path}"' in html


def test_CAT_4_the_operator_releases_a_filed_product_and_sees_a_refusal_with_its_rule(
    console: Callable[..., TestClient[Any]],
) -> None:
    product = {
        "product_id": "p-1",
        "name": "纳税统计",
        "state": "filed",
        "developer_org_id": "d",
        "certificate_id": "c-1",
        "filing_number": "F-1",
    }
    problem = {
        "status": 409,
        "detail": "the product is not filed",
        "rule": "CAT-4",
        "rule_title": "登记",
    }
    platform = Platform(
        {
            ("GET", "/product_release/products/p-1"): product,
            ("POST", "/product_release/products/p-1/release"): (409, problem),
        }
    )
    client = console(platform, "operator")
    html = client.get("/product-releases/p-1").text
    assert "登记并上架" in html and 'data-state="filed">已备案' in html
    token = _csrf(client, "/product-releases/p-1")
    answer = client.post("/product-releases/p-1", data={"_csrf_token": token})
    assert answer.status_code == 409 and 'id="release-refused"' in answer.text
    assert "规则 CAT-4" in answer.text
    assert ("POST", "/product_release/products/p-1/release", {}) in platform.sent
    platform.answers[("GET", "/product_release/products/p-1")] = {**product, "state": "released"}
    assert "登记并上架" not in client.get("/product-releases/p-1").text
    developer = console(platform)
    assert "登记并上架" not in developer.get("/product-releases/p-1").text


def test_SBX_5_a_development_jobs_first_rows_are_shown_with_its_answer(
    console: Callable[..., TestClient[Any]],
) -> None:
    ran = {
        **JOBS[1],
        "job_id": "j3",
        "output_table": "output_new",
        "preview": [["C", "7"]],
        "columns": [["grade", "VARCHAR"], ["firms", "BIGINT"]],
    }
    outputs = [
        *OUTPUTS,
        {
            "name": "output_new",
            "columns": [["grade", "VARCHAR"]],
            "rows": 1,
            "job_id": "j3",
            "written_at": "t",
        },
    ]
    base = "/sandbox_broker/sandboxes/sbx-dev-g1"
    platform = _workbench(
        extra={("POST", base + "/jobs"): (201, ran), ("GET", base + "/outputs"): outputs}
    )
    client = console(platform)
    token = _csrf(client, "/developer/workbench/sbx-dev-g1")
    answer = client.post(
        "/developer/workbench/sbx-dev-g1/jobs",
        data={"sql": "CREATE TABLE output_new AS SELECT 1", "_csrf_token": token},
    )
    assert answer.status_code == 200
    assert "output_new 的前几行" in answer.text and "<td>C</td><td>7</td>" in answer.text
    assert '<th scope="col">grade</th>' in answer.text  # column names, not (name, type) pairs
    # a later visit has no first rows for it: the job log keeps no contents
    assert "output_new 的前几行" not in client.get("/developer/workbench/sbx-dev-g1").text
