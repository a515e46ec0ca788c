"""Adversarial exports in embedded mode: what the automated checks catch (EXP-2, SBX-6)
and that a failed check can never be approved; an output that cannot be staged fails
the request; a staged output that is not what was declared fails its checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.events import Cell
from libs.runtime import Platform
from services.product_release.domain.identifiers import resident_id_check
from tests.support.platform import platform, token
from tests.support.product_release import (
    BUREAU,
    DEVELOPER,
    OPERATOR,
    OTHER_DEVELOPER,
    PASSING_ROWS,
    TABLE_STAGED,
    checked_export,
    decide,
    export_in,
    grant_with_sandboxes,
    request_export,
    service_client,
    stage_output,
    table_request,
    unavailable,
)

Client = AsyncTestClient[Any]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = platform(tmp_path, services=("product_release",))
    async with service_client(p) as client:
        yield p, client


def resident_id(birth: str, sequence: int) -> str:
    first17 = f"370302{birth}{sequence:03d}"
    return first17 + resident_id_check(first17)


async def failed_checks(client: Client, headers: dict[str, str], export_id: str) -> set[str]:
    report = (await client.get(f"/exports/{export_id}/report", headers=headers)).json()
    assert report["passed"] is False
    return {c["name"] for c in report["checks"] if not c["passed"]}


async def test_EXP_2_SBX_6_select_star_of_a_personal_table_fails_and_cannot_be_approved(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    sandbox = await grant_with_sandboxes(p, "grant-star")
    body = {
        "sandbox_id": sandbox,
        "output_name": "everyone",
        "kind": "table",
        "columns": [
            {"name": "name", "role": "dimension"},
            {"name": "resident_id", "role": "dimension"},
            {"name": "district", "role": "dimension"},
            {"name": "phone", "role": "dimension"},
        ],
    }
    export = await request_export(client, dev, body)
    rows: list[list[Cell]] = [
        ["张三", resident_id("19800101", 11), "张店区", "13905331234"],
        ["李四", resident_id("19910512", 22), "淄川区", "13905335678"],
        ["王五", resident_id("19750930", 33), "张店区", "13905339012"],
    ]
    columns = [("name", "VARCHAR"), ("resident_id", "VARCHAR"), ("district", "VARCHAR")]
    await stage_output(p, export, [*columns, ("phone", "VARCHAR")], rows)
    failed = await export_in(client, dev, export["export_id"], "checks_failed")
    assert {"direct_identifiers", "row_level_data"} <= set(failed["failed_checks"])
    assert {"direct_identifiers", "row_level_data"} <= await failed_checks(
        client, dev, export["export_id"]
    )

    refused = await decide(p, client, export["export_id"], True)
    assert refused.status_code == 409, refused.text
    assert refused.json()["rule"] == "EXP-2"
    after = (await client.get(f"/exports/{export['export_id']}", headers=dev)).json()
    assert after["state"] == "checks_failed" and after["reviewer_user_id"] == ""


async def test_EXP_2_a_count_of_three_people_fails_the_minimum_cell_count(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    rows: list[list[Cell]] = [["张店区", "制造业", 42], ["淄川区", "制造业", 3]]
    failed = await checked_export(p, client, "grant-three", rows=rows)
    assert "minimum_cell_count" in failed["failed_checks"]
    report = (
        await client.get(f"/exports/{failed['export_id']}/report", headers=await token(p, OPERATOR))
    ).json()
    [cell_check] = [c for c in report["checks"] if c["name"] == "minimum_cell_count"]
    assert cell_check["offending_count"] == 1
    assert (await decide(p, client, failed["export_id"], True)).status_code == 409


async def test_EXP_2_a_cell_dominated_by_one_firm_fails_dominance(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    sandbox = await grant_with_sandboxes(p, "grant-dominance")
    body = {
        "sandbox_id": sandbox,
        "output_name": "tax_by_district",
        "kind": "table",
        "columns": [
            {"name": "district", "role": "dimension"},
            {"name": "firms", "role": "count"},
            {"name": "tax", "role": "sum"},
            {"name": "tax_top1", "role": "top1", "of": "tax"},
            {"name": "tax_top2", "role": "top2", "of": "tax"},
        ],
    }
    export = await request_export(client, dev, body)
    columns = [
        ("district", "VARCHAR"),
        ("firms", "BIGINT"),
        ("tax", "DOUBLE"),
        ("tax_top1", "DOUBLE"),
        ("tax_top2", "DOUBLE"),
    ]
    rows: list[list[Cell]] = [
        ["张店区", 25, 100_000.0, 90_000.0, 1_000.0],  # one firm pays 90%
        ["淄川区", 30, 100_000.0, 9_000.0, 8_000.0],
    ]
    await stage_output(p, export, columns, rows)
    failed = await export_in(client, dev, export["export_id"], "checks_failed")
    assert "dominance" in failed["failed_checks"] or any(
        "dominance" in name for name in failed["failed_checks"]
    )


async def test_EXP_2_columns_other_than_declared_fail_the_checks(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    sandbox = await grant_with_sandboxes(p, "grant-undeclared")
    export = await request_export(client, dev, table_request(sandbox))
    rows: list[list[Cell]] = [["张店区", "制造业", 42, "13905331234"]]
    await stage_output(p, export, [*TABLE_STAGED, ("contact", "VARCHAR")], rows)
    failed = await export_in(client, dev, export["export_id"], "checks_failed")
    assert failed["failed_checks"] == ["declared_output"]
    report = (await client.get(f"/exports/{export['export_id']}/report", headers=dev)).json()
    assert "contact" in report["checks"][0]["reason"]


async def test_SBX_1_an_output_that_cannot_be_staged_fails_the_request(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    sandbox = await grant_with_sandboxes(p, "grant-missing")
    export = await request_export(client, dev, table_request(sandbox, "no_such_output"))
    await unavailable(p, export, "there is no output no_such_output in this sandbox")
    failed = await export_in(client, dev, export["export_id"], "unavailable")
    assert failed["unavailable_reason"] == "there is no output no_such_output in this sandbox"
    assert (await decide(p, client, export["export_id"], True)).status_code == 409
    missing = await client.get(f"/exports/{export['export_id']}/report", headers=dev)
    assert missing.status_code == 404


async def test_EXP_2_the_bureau_sets_its_regions_minimum_cell_count(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    bureau, op = await token(p, BUREAU), await token(p, OPERATOR)
    defaults = (await client.get("/settings/370300", headers=op)).json()
    assert defaults["min_cell_count"] == 10 and defaults["dominance_largest_percent"] == 85
    assert (
        await client.put("/settings/370300", json={"min_cell_count": 30}, headers=op)
    ).status_code == 403
    too_low = await client.put("/settings/370300", json={"min_cell_count": 1}, headers=bureau)
    assert too_low.status_code == 422 and too_low.json()["rule"] == "EXP-2"
    stricter = await client.put("/settings/370300", json={"min_cell_count": 30}, headers=bureau)
    assert stricter.status_code == 200 and stricter.json()["min_cell_count"] == 30
    assert stricter.json()["dominance_largest_percent"] == 85

    failed = await checked_export(p, client, "grant-strict", rows=PASSING_ROWS)
    assert failed["failed_checks"] == ["minimum_cell_count"]
    report = (await client.get(f"/exports/{failed['export_id']}/report", headers=op)).json()
    assert report["settings"]["min_cell_count"] == 30


async def test_EXP_2_a_cell_differenced_against_the_developers_earlier_export_fails(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    sandbox = await grant_with_sandboxes(p, "grant-history")
    by_district = {
        **table_request(sandbox, "firms_by_district"),
        "columns": [
            {"name": "district", "role": "dimension"},
            {"name": "firms", "role": "count"},
        ],
    }
    first = await request_export(client, dev, by_district)
    columns = [("district", "VARCHAR"), ("firms", "BIGINT")]
    await stage_output(p, first, columns, [["张店区", 42], ["淄川区", 25]])
    await export_in(client, dev, first["export_id"], "checks_passed")
    assert (await decide(p, client, first["export_id"], True)).status_code == 200

    # 张店区 manufacturing: 38 of the 42 firms released before, so the rest are 4
    rows: list[list[Cell]] = [["张店区", "制造业", 38], ["淄川区", "制造业", 20]]
    second = await request_export(client, dev, table_request(sandbox, "firms_in_industry"))
    await stage_output(p, second, TABLE_STAGED, rows)
    failed = await export_in(client, dev, second["export_id"], "checks_failed")
    assert failed["failed_checks"] == ["differencing_earlier_exports"]

    # the same table from another developer differences against nothing of its own
    theirs = await token(p, OTHER_DEVELOPER)
    sandbox = await grant_with_sandboxes(p, "grant-history-2", OTHER_DEVELOPER.org_id)
    third = await request_export(client, theirs, table_request(sandbox, "firms_in_industry"))
    await stage_output(p, third, TABLE_STAGED, rows)
    await export_in(client, theirs, third["export_id"], "checks_passed")
