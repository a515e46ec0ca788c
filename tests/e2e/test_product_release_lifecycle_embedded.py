"""An export's and a product's whole life in embedded mode, through HTTP and events:
requested from the production sandbox, staged, checked (EXP-2), approved by another
person (EXP-1, EXP-6), drafted, certified (EXP-3), returned and re-filed, released with a
registration code (CAT-4) onto the public list (EXP-5); a verification product carries
its spec; a redelivered staging checks once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.identifiers.registration_code import is_valid_code
from libs.runtime import Platform
from services.product_release.domain.product_list import release_date
from tests.support.platform import eventually, platform, token
from tests.support.product_release import (
    BUREAU,
    DEVELOPER,
    OPERATOR,
    PASSING_ROWS,
    SUPERVISOR,
    TABLE_STAGED,
    audit_actions,
    certificate_body,
    export_in,
    grant_with_sandboxes,
    publish,
    request_export,
    service_client,
    stage_output,
    stored,
    table_request,
    unique,
)

Client = AsyncTestClient[Any]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = platform(tmp_path, services=("product_release",))
    async with service_client(p) as client:
        yield p, client


async def test_EXP_1_EXP_2_EXP_3_EXP_5_CAT_4_a_passing_table_becomes_a_listed_product(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev, op, bureau, sup = [await token(p, w) for w in (DEVELOPER, OPERATOR, BUREAU, SUPERVISOR)]
    sandbox = await grant_with_sandboxes(p, "grant-life")

    export = await request_export(client, dev, table_request(sandbox))
    assert export["state"] == "requested" and export["grant_id"] == "grant-life"
    assert export["requester_user_id"] == DEVELOPER.user_id
    await stage_output(p, export, TABLE_STAGED, PASSING_ROWS)
    checked = await export_in(client, dev, export["export_id"], "checks_passed")
    assert checked["failed_checks"] == [] and len(checked["check_report_hash"]) == 64

    report = (await client.get(f"/exports/{export['export_id']}/report", headers=sup)).json()
    assert report["content_hash"] == checked["check_report_hash"] and report["passed"]
    assert {"minimum_cell_count", "direct_identifiers", "row_level_data"} <= {
        c["name"] for c in report["checks"]
    }
    assert report["settings"]["min_cell_count"] == 10

    approved = await client.post(
        f"/exports/{export['export_id']}/decision",
        json={"approve": True, "reason": ""},
        headers=op,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    assert approved.json()["reviewer_user_id"] == OPERATOR.user_id

    drafted = await client.post(
        "/products/",
        json={"export_id": export["export_id"], "name": "区县行业企业数", "kind": "dataset"},
        headers=dev,
    )
    assert drafted.status_code == 201, drafted.text
    product_id = drafted.json()["product_id"]
    assert drafted.json()["state"] == "drafted"

    early = await client.post(f"/products/{product_id}/release", headers=op)
    assert early.status_code == 409 and early.json()["rule"] == "EXP-1"

    certified = await client.post(
        f"/products/{product_id}/certificate", json=certificate_body(), headers=dev
    )
    assert certified.status_code == 200, certified.text
    assert certified.json()["state"] == "certified" and certified.json()["certificate_id"]

    returned = await client.post(
        f"/products/{product_id}/filing",
        json={"accept": False, "reason": "交互流程缺少数据提供方签章"},
        headers=bureau,
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["state"] == "drafted"
    assert returned.json()["filing_return_reason"] == "交互流程缺少数据提供方签章"
    assert returned.json()["certificate_id"] == ""

    again = await client.post(
        f"/products/{product_id}/certificate", json=certificate_body(), headers=dev
    )
    assert again.json()["state"] == "certified"
    filed = await client.post(
        f"/products/{product_id}/filing", json={"accept": True}, headers=bureau
    )
    assert filed.status_code == 200, filed.text
    assert filed.json()["state"] == "filed" and filed.json()["filing_number"].startswith("备案-")

    before = await client.get("/products/list")
    assert before.status_code == 200
    assert before.json() == {"items": [], "total": 0, "offset": 0, "limit": 50}

    released = await client.post(f"/products/{product_id}/release", headers=op)
    assert released.status_code == 200, released.text
    code = released.json()["registration_code"]
    assert code.startswith("370300P") and is_valid_code(code)
    assert released.json()["scenario_id"] == "scn-grant-life"

    public = await client.get("/products/list")  # no token: the list is public
    assert public.status_code == 200
    doc = await stored(p, "products", product_id)
    assert doc is not None
    assert public.json()["items"] == [
        {
            "product_id": product_id,
            "name": "区县行业企业数",
            "kind": "dataset",
            "developer_org_id": DEVELOPER.org_id,
            "version": 1,
            "registration_code": code,
            "certificate_id": again.json()["certificate_id"],
            "released_on": release_date(datetime.fromisoformat(doc["released_at"])),
            "status": "released",
            "status_reason": "",
        }
    ]
    assert public.json()["total"] == 1

    withdrawn = await client.post(
        f"/products/{product_id}/withdrawal", json={"reason": "数据源停更"}, headers=bureau
    )
    assert withdrawn.json()["state"] == "withdrawn"
    assert (await client.get("/products/list")).json()["items"] == []

    actions = await audit_actions(p)
    for action in ("export.request", "export.check", "export.approve", "product.release"):
        assert action in actions


async def test_EXP_1_a_verification_product_is_released_with_its_spec(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev, op, bureau = [await token(p, w) for w in (DEVELOPER, OPERATOR, BUREAU)]
    sandbox = await grant_with_sandboxes(p, "grant-verify")
    body = {
        "sandbox_id": sandbox,
        "output_name": "credit_status",
        "kind": "verification",
        "key_column": "credit_code",
        "answer_column": "status",
    }
    export = await request_export(client, dev, body)
    await stage_output(
        p, export, [("answer", "VARCHAR"), ("count", "BIGINT")], [["一致", 812], ["不一致", 95]]
    )
    await export_in(client, dev, export["export_id"], "checks_passed")
    await client.post(
        f"/exports/{export['export_id']}/decision", json={"approve": True}, headers=op
    )
    drafted = await client.post(
        "/products/",
        json={
            "export_id": export["export_id"],
            "name": "企业信用状态核验",
            "kind": "verification",
            "answers": ["一致", "不一致"],
        },
        headers=dev,
    )
    assert drafted.status_code == 201, drafted.text
    product_id = drafted.json()["product_id"]
    await client.post(f"/products/{product_id}/certificate", json=certificate_body(), headers=dev)
    await client.post(f"/products/{product_id}/filing", json={"accept": True}, headers=bureau)
    released = await client.post(f"/products/{product_id}/release", headers=op)
    assert released.status_code == 200, released.text
    assert released.json()["verification"] == {
        "sandbox_id": sandbox,
        "output_name": "credit_status",
        "key_column": "credit_code",
        "answer_column": "status",
        "answers": ["一致", "不一致"],
    }
    assert released.json()["grant_id"] == "grant-verify"


async def test_EXP_2_a_redelivered_staging_checks_once(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    sandbox = await grant_with_sandboxes(p, "grant-twice")
    export = await request_export(client, dev, table_request(sandbox))
    envelope = await stage_output(p, export, TABLE_STAGED, PASSING_ROWS)
    await export_in(client, dev, export["export_id"], "checks_passed")
    # the same envelope again (redelivery) and the same output staged anew
    await publish(p, envelope.payload, subject=export["export_id"])
    await stage_output(p, export, TABLE_STAGED, [["张店区", "制造业", 3]])
    marker = unique("grant")
    await grant_with_sandboxes(p, marker)  # a later event through the same consumer
    await eventually(lambda: stored(p, "sandboxes", f"sbx-pro-{marker}"))
    checks = [a for a in await audit_actions(p) if a == "export.check"]
    assert len(checks) == 1
    final = (await client.get(f"/exports/{export['export_id']}", headers=dev)).json()
    assert final["state"] == "checks_passed"
