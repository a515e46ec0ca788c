"""Issue 4's adversarial tests through the real path in embedded mode: a real grant with
masking, real sandboxes over the providers' data, real staged outputs and the real export
checks. Each attack fails to leak, is refused with a reason naming a rule, and is recorded
(REQ-2, SBX-1, SBX-2, SBX-5, SBX-6, SBX-7, EXP-2, EXP-4, SEC-5)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from libs.audit import AuditEntry, AuditLog
from libs.clock import FixedClock, SystemClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from libs.store.sqlite import SqliteDocumentStore
from tests.support.full_path import (
    INDUSTRY_TAX_COLUMNS,
    INDUSTRY_TAX_SQL,
    LATEST_GRADE_SQL,
    SERVICES,
    FullPath,
)
from tests.support.full_path_attacks import (
    WATER_GROUP,
    WATER_GROUP_CODE,
    absent,
    admitted_developer,
    approval_refused,
    as_developer,
    attempt_job,
    closed,
    job_records,
    personal_grant,
    recorded,
    second_grant,
    sources_with_personal_data,
    walked,
)
from tests.support.platform import keyring, settings
from tests.support.sandbox_broker import sandbox_root

REGION = "370300"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
async def walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FullPath]:
    root = sandbox_root()
    for name, value in sources_with_personal_data(tmp_path, root).items():
        monkeypatch.setenv(name, value)
    clock = FixedClock(START)
    p = Platform(settings(tmp_path), SERVICES, clock=clock, secrets=keyring(tmp_path)).build()
    try:
        async with AsyncTestClient(app=gateway(p)) as client:
            yield FullPath(p, client, clock, REGION)
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def staged(w: FullPath, sandbox: str, sql: str, output: str) -> None:
    """A production job that stages ``output`` inside the sandbox."""
    ran = await w.job(sandbox, sql)
    assert ran["status"] == "succeeded", ran
    assert ran["preview"] == [] and ran["output_table"] == output, ran


async def refusals(w: FullPath, service: str) -> list[AuditEntry]:
    """The ``refused`` entries on one service's audit chain (embedded: its SQLite file)."""
    store = SqliteDocumentStore(w.platform.settings.data_dir / f"{service}.sqlite")
    return [e for e in await AuditLog(store, SystemClock()).entries() if e.action == "refused"]


async def test_EXP_2_SBX_6_select_star_of_a_personal_table_fails_the_checks_and_cannot_be_approved(
    walk: FullPath,
) -> None:
    w = walk
    await w.parties()
    await w.resources()
    await personal_grant(w)
    _, prod = await w.sandboxes()
    sql = "CREATE TABLE output_people AS SELECT * FROM housing_provident_fund"
    await staged(w, prod, sql, "output_people")

    checked = await w.export(
        {
            "sandbox_id": prod,
            "output_name": "output_people",
            "kind": "table",
            "columns": [
                {"name": "person_id", "role": "identifier"},
                {"name": "person_name", "role": "dimension", "source": "person_name"},
                {"name": "deposit_base_fen", "role": "sum", "source": "deposit_base_fen"},
                {"name": "months_continuous", "role": "dimension", "source": "months_continuous"},
            ],
            "universe": "淄博市住房公积金缴存职工",
        }
    )
    assert checked["state"] == "checks_failed", checked
    assert {"row_level_data", "direct_identifiers"} <= set(checked["failed_checks"]), checked
    report = await w.call(
        "GET", f"/product_release/exports/{checked['export_id']}/report", "operator"
    )
    assert report["content_hash"] == checked["check_report_hash"]
    failed = {c["name"]: c for c in report["checks"] if not c["passed"]}
    assert "SBX-6" in str(failed["row_level_data"]), failed

    refused = await approval_refused(w, checked["export_id"])
    assert refused["rule"] == "EXP-2", refused
    still = await w.call("GET", f"/product_release/exports/{checked['export_id']}", "bureau")
    assert still["state"] == "checks_failed" and still["reviewer_user_id"] == "", still


async def test_EXP_2_SBX_6_select_star_of_tax_rows_fails_the_checks_and_cannot_be_approved(
    walk: FullPath,
) -> None:
    w = walk
    _, _, prod = await walked(w)
    columns = [
        {"name": "credit_code", "role": "identifier"},
        {"name": "tax_month", "role": "dimension", "source": "tax_month"},
        {"name": "tax_paid_fen", "role": "sum", "source": "tax_paid_fen"},
        {"name": "tax_grade", "role": "dimension", "source": "tax_grade"},
    ]
    body = {"sandbox_id": prod, "kind": "table", "columns": columns, "universe": "淄博市纳税企业"}

    # The whole table is too large even to be staged for review: it never leaves.
    await staged(w, prod, "CREATE TABLE output_all AS SELECT * FROM tax_payments", "output_all")
    whole = await w.export({**body, "output_name": "output_all"})
    assert whole["state"] == "unavailable", whole
    assert "aggregate it further inside the sandbox" in whole["unavailable_reason"], whole
    assert (await approval_refused(w, whole["export_id"]))["rule"] == "EXP-2"

    # One month of it is staged, and the checks see an extract of tokenized identifiers.
    sql = (
        "CREATE TABLE output_rows AS SELECT * FROM tax_payments "
        "WHERE tax_month = (SELECT max(tax_month) FROM tax_payments)"
    )
    await staged(w, prod, sql, "output_rows")
    checked = await w.export({**body, "output_name": "output_rows"})
    assert checked["state"] == "checks_failed", checked
    assert {"row_level_data", "direct_identifiers"} <= set(checked["failed_checks"]), checked
    report = await w.call(
        "GET", f"/product_release/exports/{checked['export_id']}/report", "operator"
    )
    assert report["content_hash"] == checked["check_report_hash"]
    failed = {c["name"]: c for c in report["checks"] if not c["passed"]}
    assert "SBX-6" in str(failed["row_level_data"]) and "EXP-2" in str(failed["row_level_data"])

    refused = await approval_refused(w, checked["export_id"])
    assert refused["rule"] == "EXP-2", refused
    still = await w.call("GET", f"/product_release/exports/{checked['export_id']}", "bureau")
    assert still["state"] == "checks_failed" and still["reviewer_user_id"] == "", still


async def test_EXP_2_a_count_of_three_fails_the_minimum_cell_count_and_cannot_be_approved(
    walk: FullPath,
) -> None:
    w = walk
    _, _, prod = await walked(w)
    sql = (
        "CREATE TABLE output_three AS SELECT industry_code AS industry, count(*) AS firms "
        "FROM (SELECT * FROM market_registration LIMIT 3) GROUP BY 1"
    )
    await staged(w, prod, sql, "output_three")

    checked = await w.export(
        {
            "sandbox_id": prod,
            "output_name": "output_three",
            "kind": "table",
            "columns": [
                {"name": "industry", "role": "dimension", "source": "industry_code"},
                {"name": "firms", "role": "count"},
            ],
            "universe": "淄博市市场主体",
        }
    )
    assert checked["state"] == "checks_failed", checked["unavailable_reason"]
    assert "minimum_cell_count" in checked["failed_checks"], checked

    refused = await approval_refused(w, checked["export_id"])
    assert refused["rule"] == "EXP-2", refused


async def test_REQ_2_SBX_1_a_column_outside_the_grant_fails_with_the_grant_named_and_is_recorded(
    walk: FullPath,
) -> None:
    w = walk
    _, dev, prod = await walked(w)
    sql = "SELECT entity_name, count(*) AS n FROM market_registration GROUP BY 1"
    for sandbox in (dev, prod):
        view = await w.call("GET", f"/sandbox_broker/sandboxes/{sandbox}", "developer")
        assert "entity_name" not in {c["name"] for c in view["columns"]}, view["columns"]
        record = await w.job(sandbox, sql)
        assert record["status"] in ("failed", "refused"), record
        assert record["rule"] == "REQ-2" and "entity_name" in record["reason"], record
        assert record["preview"] == [] and record["rows_out"] == 0, record
        listed = recorded(await job_records(w, sandbox), record)
        assert (listed["reason"], listed["rule"]) == (record["reason"], "REQ-2")


async def test_SBX_1_SBX_2_SEC_5_escape_attempts_are_refused_with_their_rule_and_recorded(
    walk: FullPath,
) -> None:
    w = walk
    _, _, prod = await walked(w)
    target = Path(f"/tmp/x-{uuid.uuid4().hex}.csv")
    other = Path(f"/tmp/other-{uuid.uuid4().hex}.duckdb")
    escapes = [
        # Writing a file out of the sandbox is exporting raw data (SEC-5, SBX-1).
        (f"COPY (SELECT 1) TO '{target}'", "SEC-5", "COPY"),
        ("SELECT * FROM read_csv('/etc/passwd')", "SBX-1", "read_csv"),
        (f"ATTACH '{other}'", "SBX-2", "ATTACH"),
        ("INSTALL httpfs", "SBX-2", "INSTALL"),
    ]
    records: list[Any] = []
    for sql, rule, says in escapes:
        record = await w.job(prod, sql)
        assert (record["status"], record["rule"]) == ("refused", rule), record
        assert says in record["reason"], record
        assert record["rows_touched"] == 0 and record["output_table"] == "", record
        records.append(record)
    listed = await job_records(w, prod, "bureau")
    for record in records:
        recorded(listed, record)
    assert absent(target, other)
    outputs = await w.call("GET", f"/sandbox_broker/sandboxes/{prod}/outputs", "developer")
    assert outputs == []


async def test_SBX_7_a_job_after_the_bureau_revoked_the_grant_is_refused_and_recorded(
    walk: FullPath,
) -> None:
    w = walk
    grant_id, dev, prod = await walked(w)
    revoked = await w.call(
        "POST",
        f"/request_review/grants/{grant_id}/revocation",
        "bureau",
        {"reason": "超出场景范围使用数据"},
    )
    assert revoked["status"] == "revoked", revoked

    views = await closed(w, dev, prod)
    assert all("超出场景范围使用数据" in v["closed_reason"] for v in views), views
    sql = "SELECT count(*) AS n FROM market_registration"
    ran = await attempt_job(w, "developer", prod, sql)
    # refused as an import or an export into a closed sandbox would be: 409, SBX-7
    assert ran.status_code == 409 and ran.json()["rule"] == "SBX-7", ran.text
    assert "closed" in ran.json()["detail"], ran.text
    mine = [r for r in await job_records(w, prod) if r["sql"] == sql]
    assert len(mine) == 1, mine  # and recorded (SBX-5)
    assert (mine[0]["status"], mine[0]["rule"], mine[0]["rows_touched"]) == ("refused", "SBX-7", 0)


async def test_SBX_2_another_developer_reading_or_running_in_a_sandbox_is_refused_and_recorded(
    walk: FullPath,
) -> None:
    w = walk
    _, _, prod = await walked(w)
    other, _ = await admitted_developer(w, WATER_GROUP, WATER_GROUP_CODE, "water.admin")

    assert await w.call("GET", "/sandbox_broker/sandboxes", "water.admin") == []
    read = await w.http.get(f"/sandbox_broker/sandboxes/{prod}", headers=w.tokens["water.admin"])
    assert read.status_code == 403 and read.json()["rule"] == "SBX-2", read.text
    for path in ("jobs", "outputs"):
        listed = await w.http.get(
            f"/sandbox_broker/sandboxes/{prod}/{path}", headers=w.tokens["water.admin"]
        )
        assert listed.status_code == 403 and listed.json()["rule"] == "SBX-2", listed.text
    sql = "SELECT credit_code, tax_paid_fen FROM tax_payments"
    ran = await attempt_job(w, "water.admin", prod, sql)
    assert ran.status_code == 403 and ran.json()["rule"] == "SBX-2", ran.text
    assert "tk_" not in ran.text

    theirs = [r for r in await job_records(w, prod) if r["caller_org_id"] == other]
    assert len(theirs) == 1, theirs
    # The refused reads are on the broker's audit chain too, with who and why (SBX-5).
    reads = [e for e in await refusals(w, "sandbox_broker") if e.actor["org_id"] == other]
    assert {e.subject.split()[1] for e in reads} >= {
        f"/sandbox_broker/sandboxes/{prod}",
        f"/sandbox_broker/sandboxes/{prod}/jobs",
        f"/sandbox_broker/sandboxes/{prod}/outputs",
    }
    assert {e.detail["rule"] for e in reads} == {"SBX-2"}
    assert (theirs[0]["status"], theirs[0]["rule"], theirs[0]["sql"]) == ("refused", "SBX-2", sql)
    assert theirs[0]["rows_touched"] == 0 and theirs[0]["preview"] == []


async def test_EXP_4_an_operator_affiliate_may_not_re_develop_a_delivered_product(
    walk: FullPath,
) -> None:
    w = walk
    _, _, prod = await walked(w)

    # The first developer releases a product (EXP-1) and stays free to build on it.
    await staged(w, prod, INDUSTRY_TAX_SQL, "output_industry_tax")
    table = {
        "kind": "table",
        "columns": INDUSTRY_TAX_COLUMNS,
        "universe": "淄博市纳税企业",
    }
    checked = await w.export({"sandbox_id": prod, "output_name": "output_industry_tax", **table})
    assert checked["state"] == "checks_passed", checked
    await w.call(
        "POST",
        f"/product_release/exports/{checked['export_id']}/decision",
        "operator",
        {"approve": True, "reason": "统计口径合规，准予出域"},
    )
    released = await w.release(checked["export_id"], "淄博市分行业纳税规模统计", "dataset")
    assert released["state"] == "released", released
    delivered = released["product_id"]

    # A second developer, declared by the bureau an affiliate of the operator.
    other, headers = await admitted_developer(w, WATER_GROUP, WATER_GROUP_CODE, "water.admin")
    declared = await w.call(
        "POST",
        "/product_release/affiliations",
        "bureau",
        {"org_id": other, "operator_org_id": w.ids["operator"], "relation": "subsidiary"},
        expect=201,
    )
    assert declared["org_id"] == other
    affiliate = as_developer(w, other, headers)
    await second_grant(affiliate)
    _, affiliate_prod = await affiliate.sandboxes()
    await staged(affiliate, affiliate_prod, INDUSTRY_TAX_SQL, "output_industry_tax")
    theirs = await affiliate.export(
        {"sandbox_id": affiliate_prod, "output_name": "output_industry_tax", **table}
    )
    assert theirs["state"] == "checks_passed", theirs
    approved = await w.call(
        "POST",
        f"/product_release/exports/{theirs['export_id']}/decision",
        "operator",
        {"approve": True, "reason": "统计口径合规，准予出域"},
    )
    assert approved["state"] == "approved", approved

    refused = await w.http.post(
        "/product_release/products/",
        json={
            "export_id": theirs["export_id"],
            "name": "纳税规模再开发",
            "kind": "dataset",
            "derived_from": [delivered],
        },
        headers=headers,
    )
    assert refused.status_code == 403, refused.text
    problem = refused.json()
    assert problem["rule"] == "EXP-4" and "管住一级" in problem["detail"], problem
    mine = await w.call("GET", "/product_release/products/", "water.admin")
    assert mine["items"] == [], mine
    on_chain = [e for e in await refusals(w, "product_release") if e.actor["org_id"] == other]
    assert [(e.subject, e.detail["rule"]) for e in on_chain] == [
        ("POST /product_release/products/", "EXP-4")
    ]

    # The unaffiliated first developer may build on the delivered product.
    await staged(w, prod, LATEST_GRADE_SQL, "output_latest_grade")
    verification = await w.export(
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
    assert verification["state"] == "checks_passed", verification
    await w.call(
        "POST",
        f"/product_release/exports/{verification['export_id']}/decision",
        "operator",
        {"approve": True, "reason": "仅返回等级，准予上线"},
    )
    allowed = await w.call(
        "POST",
        "/product_release/products/",
        "developer",
        {
            "export_id": verification["export_id"],
            "name": "企业纳税信用等级核验",
            "kind": "verification",
            "answers": ["A", "B", "M", "C", "D"],
            "derived_from": [delivered],
        },
        expect=201,
    )
    assert allowed["derived_from"] == [delivered], allowed
