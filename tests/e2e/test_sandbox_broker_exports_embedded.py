"""Export staging (出域暂存) and verification calls (核验) of sandbox-broker, embedded: an
output is read inside the production sandbox and staged for the disclosure checks, or
refused with a reason; a released verification product answers keys, metered per call
(SBX-1, SBX-2, SBX-3, SBX-6, BIL-2); a per-unit export is aggregated per firm, not per
record, before product-release's checks see it (EXP-2)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from litestar.testing import AsyncTestClient

from contracts.events import ExportRequested, OutputColumn, ProductReleased, VerificationSpec
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.product_release.domain.export_request import replay
from services.product_release.domain.settings import defaults_for
from services.product_release.domain.staged_output import check_staged
from services.sandbox_broker.domain.staging import content_sha256
from tests.support.platform import eventually
from tests.support.sandbox_broker import (
    BANK,
    DEV_A,
    DEV_B,
    OPERATOR,
    PUBLIC,
    auth,
    broker_platform,
    grant_issued,
    granted,
    make_source,
    register_demo_resources,
    seen,
    send,
)

Client = AsyncTestClient[Any]
GRANT = "g-e2e-export"
DEV = f"sbx-dev-{GRANT}"
PRO = f"sbx-pro-{GRANT}"
RICH = 1_000_000_000  # registered capital (fen) above which a firm answers "A"


@pytest.fixture(scope="module")
async def env(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[tuple[Platform, Client, Path]]:
    tmp = tmp_path_factory.mktemp("sbx-export")
    source = make_source(tmp)
    with broker_platform(tmp, source) as p:
        async with AsyncTestClient(app=gateway(p)) as client:
            await register_demo_resources(client, p)
            resources = [
                granted(
                    "market_registration",
                    ["credit_code", "legal_rep_id", "registered_capital_fen", "region_code"],
                    masking={"credit_code": "tokenize"},
                )
            ]
            await send(client, p, grant_issued(GRANT, resources=resources), subject=GRANT)

            async def ready() -> bool:
                r = await client.get(
                    f"/sandbox_broker/sandboxes/{PRO}", headers=await auth(client, p, DEV_A)
                )
                return r.status_code == 200 and r.json()["state"] == "ready"

            await eventually(ready, timeout=60)
            for sql in (
                "CREATE TABLE output_by_region AS SELECT region_code, count(*) AS n "
                "FROM market_registration GROUP BY 1 ORDER BY 1",
                f"CREATE TABLE output_credit AS SELECT credit_code, CASE WHEN "
                f"registered_capital_fen > {RICH} THEN 'A' ELSE 'B' END AS grade "
                "FROM market_registration",
                "CREATE TABLE output_big AS SELECT i FROM range(20000) t(i)",
            ):
                r = await client.post(
                    f"/sandbox_broker/sandboxes/{PRO}/jobs",
                    json={"sql": sql},
                    headers=await auth(client, p, DEV_A),
                )
                assert r.json()["status"] == "succeeded", r.text
            yield p, client, source


def request(output: str, **overrides: Any) -> ExportRequested:
    fields: dict[str, Any] = {
        "export_id": uuid.uuid4().hex,
        "sandbox_id": PRO,
        "grant_id": GRANT,
        "output_name": output,
        "developer_org_id": DEV_A.org_id,
        "requester_user_id": DEV_A.user_id,
        "kind": "table",
        "columns": [OutputColumn(name="region_code", role="dimension")],
    }
    fields.update(overrides)
    return ExportRequested(**fields)


async def answer_of(client: Client, p: Platform, export: ExportRequested) -> Any:
    await send(client, p, export, subject=export.export_id)

    async def answered() -> Any:
        for kind in ("export.staged", "export.unavailable"):
            found = await seen(client, p, kind, export_id=export.export_id)
            if found:
                return found[0]
        return None

    return await eventually(answered)


async def test_SBX_1_a_table_output_is_staged_with_its_digest_and_grant_items(
    env: tuple[Platform, Client, Path],
) -> None:
    p, client, source = env
    staged = await answer_of(client, p, request("output_by_region"))
    assert staged.__struct_config__.tag == "export.staged", staged
    with duckdb.connect(str(source), read_only=True) as con:
        expected = con.execute(
            "SELECT region_code, count(*) FROM market_registration GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert [tuple(r) for r in staged.rows] == expected
    assert staged.row_count == len(expected)
    columns = [[c.name, c.type] for c in staged.columns]
    assert columns == [["region_code", "VARCHAR"], ["n", "BIGINT"]]
    assert staged.content_sha256 == content_sha256(columns, staged.rows)
    grades = {i.name: i.grade for i in staged.grant_items}
    assert grades["legal_rep_id"] == 4 and grades["credit_code"] == 1


async def test_SBX_6_a_verification_export_stages_only_its_answer_distribution(
    env: tuple[Platform, Client, Path],
) -> None:
    p, client, _ = env
    export = request(
        "output_credit", kind="verification", key_column="credit_code", answer_column="grade"
    )
    staged = await answer_of(client, p, export)
    assert staged.__struct_config__.tag == "export.staged", staged
    assert [c.name for c in staged.columns] == ["answer", "count"]
    assert {r[0] for r in staged.rows} <= {"A", "B"}
    assert sum(r[1] for r in staged.rows) == 2000


@pytest.mark.parametrize(
    ("overrides", "rule", "says"),
    [
        ({"sandbox_id": DEV}, "SBX-1", "production"),
        ({"developer_org_id": DEV_B.org_id}, "SBX-2", "another organization"),
        ({"output_name": "output_missing"}, "SBX-1", "no output"),
        ({"output_name": "output_big"}, "SBX-6", "aggregate"),
    ],
)
async def test_SBX_1_an_output_that_cannot_be_staged_is_unavailable_with_the_reason(
    env: tuple[Platform, Client, Path], overrides: dict[str, Any], rule: str, says: str
) -> None:
    p, client, _ = env
    fields = {"output_name": "output_by_region", **overrides}
    answer = await answer_of(client, p, request(fields.pop("output_name"), **fields))
    assert answer.__struct_config__.tag == "export.unavailable", answer
    assert says in answer.reason and answer.rule == rule


async def test_SBX_3_a_verification_call_answers_a_plain_key_of_a_tokenized_column(
    env: tuple[Platform, Client, Path],
) -> None:
    p, client, source = env
    spec = VerificationSpec(
        sandbox_id=PRO,
        output_name="output_credit",
        key_column="credit_code",
        answer_column="grade",
        answers=["A", "B"],
    )
    released = ProductReleased(
        product_id="prod-credit",
        version=1,
        name="企业信用核验",
        kind="verification",
        developer_org_id=DEV_A.org_id,
        registration_code="370300P1",
        certificate_id="cert-1",
        verification=spec,
        scenario_id=f"scn-{GRANT}",
        grant_id=GRANT,
    )
    await send(client, p, released, subject="prod-credit")
    with duckdb.connect(str(source), read_only=True) as con:
        rows = con.execute(
            "SELECT credit_code, registered_capital_fen FROM market_registration LIMIT 5"
        ).fetchall()
    headers = await auth(client, p, BANK)

    async def call(key: str) -> Any:
        return await client.post(
            "/sandbox_broker/verifications/prod-credit", json={"key": key}, headers=headers
        )

    first = await eventually(lambda: _ok(call(rows[0][0])))
    assert first.json()["product_id"] == "prod-credit"
    for code, capital in rows:
        r = await call(code)
        assert r.json()["answer"] == ("A" if capital > RICH else "B"), code
    missing = await call("91370300000000000X")
    assert missing.status_code == 200 and missing.json()["answer"] == "not_found"
    public = await client.post(
        "/sandbox_broker/verifications/prod-credit",
        json={"key": rows[0][0]},
        headers=await auth(client, p, PUBLIC),
    )
    assert public.status_code == 403

    async def metered() -> Any:
        found = await seen(client, p, "usage.metered", product_id="prod-credit")
        return found if len(found) >= len(rows) + 2 else None

    usage = await eventually(metered)
    assert {(u.unit, u.quantity, u.customer_org_id) for u in usage} == {("call", 1, BANK.org_id)}
    assert all(u.scenario_id == f"scn-{GRANT}" for u in usage)


async def _ok(response: Any) -> Any:
    r = await response
    return r if r.status_code == 200 else None


async def test_SBX_6_an_answer_outside_the_declared_answers_never_leaves(
    env: tuple[Platform, Client, Path],
) -> None:
    p, client, source = env
    spec = VerificationSpec(
        sandbox_id=PRO,
        output_name="output_credit",
        key_column="credit_code",
        answer_column="grade",
        answers=["A"],
    )
    released = ProductReleased(
        product_id="prod-narrow",
        version=1,
        name="窄口径核验",
        kind="verification",
        developer_org_id=DEV_A.org_id,
        registration_code="370300P2",
        certificate_id="cert-2",
        verification=spec,
    )
    await send(client, p, released, subject="prod-narrow")
    with duckdb.connect(str(source), read_only=True) as con:
        row = con.execute(
            f"SELECT credit_code FROM market_registration WHERE registered_capital_fen <= {RICH} "
            "LIMIT 1"
        ).fetchone()
    assert row is not None
    headers = await auth(client, p, OPERATOR)

    async def refused() -> Any:
        r = await client.post(
            "/sandbox_broker/verifications/prod-narrow", json={"key": row[0]}, headers=headers
        )
        return r if r.status_code == 422 else None

    r = await eventually(refused)
    assert r.json()["rule"] == "SBX-6" and "B" not in r.json()["detail"]


# --- per-unit exports: the sandbox counts contributing units, not records (EXP-2) --------

FIRM_RECORDS = [
    # industry C, the case: firm A files 3 records of 30; 7 more firms, 10 in all
    *[("C", "firm-A", 30)] * 3,
    *[("C", f"firm-C{n}", tax) for n, tax in enumerate([2, 2, 2, 1, 1, 1, 1])],
    # industry F: 13 firms, so the count passes; firm B's 3 records of 300 dominate it
    *[("F", "firm-B", 300)] * 3,
    *[("F", f"firm-F{n}", 10) for n in range(12)],
    # industry I: 12 firms with two records each, a refund among them (decimals, exact)
    *[("I", f"firm-I{n}", tax) for n in range(12) for tax in (0.6, 0.1)],
    ("I", "firm-I0", -0.3),
]
PER_UNIT_COLUMNS = [
    OutputColumn(name="industry", role="dimension"),
    OutputColumn(name="firm", role="unit_id"),
    OutputColumn(name="firms", role="count"),
    OutputColumn(name="tax", role="sum", source="tax_paid_fen"),
]


async def run_in_production(client: Client, p: Platform, sql: str) -> None:
    r = await client.post(
        f"/sandbox_broker/sandboxes/{PRO}/jobs",
        json={"sql": sql},
        headers=await auth(client, p, DEV_A),
    )
    assert r.json()["status"] == "succeeded", r.text


def records_sql() -> str:
    values = ", ".join(f"('{i}', '{f}', {t}::DECIMAL(12, 2))" for i, f, t in FIRM_RECORDS)
    return (
        "CREATE OR REPLACE TABLE output_firm_records AS "
        f"SELECT * FROM (VALUES {values}) AS r(industry, firm, tax)"
    )


def checked(export: ExportRequested, staged: Any) -> dict[str, Any]:
    """product-release's automated checks on what the broker staged (EXP-2)."""
    state = replay([export])
    assert state is not None
    report, _ = check_staged(state, staged, settings=defaults_for("370300"))
    return {c.name: c for c in report.checks}


async def test_EXP_2_a_per_unit_export_counts_firms_not_records_and_fails_dominance(
    env: tuple[Platform, Client, Path],
) -> None:
    p, client, _ = env
    await run_in_production(client, p, records_sql())
    export = request("output_firm_records", columns=PER_UNIT_COLUMNS)
    staged = await answer_of(client, p, export)
    assert staged.__struct_config__.tag == "export.staged", staged
    assert [c.name for c in staged.columns] == [
        "industry",
        "firms",
        "tax",
        "tax_top1",
        "tax_top2",
        "tax_min",
        "tax_abs_total",
    ]
    rows = {r[0]: r[1:] for r in staged.rows}
    # per firm: A's three records are one contribution of 90 among 8 firms
    assert rows["C"] == [8, 100, 90, 2, 1, 100]
    assert rows["F"] == [13, 1020, 900, 10, 10, 1020]
    # firm I0 nets 0.4 after its refund; the sums are exact decimals
    assert rows["I"] == [12, 8.1, 0.7, 0.7, 0.4, 8.1]
    found = checked(export, staged)
    assert not found["dominance"].passed
    dominated = {o["row"]["industry"] for o in found["dominance"].offending}  # type: ignore[index]
    assert dominated == {"C", "F"}
    assert [o["row"] for o in found["minimum_cell_count"].offending] == [{"industry": "C"}]
    assert "firm" not in [c.name for c in staged.columns]  # the unit never leaves


async def test_EXP_2_the_same_records_summarised_per_record_would_hide_the_dominant_firm(
    env: tuple[Platform, Client, Path],
) -> None:
    # what the per-unit export prevents: a job that counts records passes both cells
    p, client, _ = env
    await run_in_production(client, p, records_sql())
    await run_in_production(
        client,
        p,
        "CREATE OR REPLACE TABLE output_per_record AS SELECT industry, count(*) AS firms, "
        "sum(tax) AS tax, max(tax) AS tax_top1, list_sort(list(tax), 'DESC')[2] AS tax_top2 "
        "FROM output_firm_records WHERE industry <> 'I' GROUP BY 1",
    )
    columns = [
        OutputColumn(name="industry", role="dimension"),
        OutputColumn(name="firms", role="count"),
        OutputColumn(name="tax", role="sum"),
        OutputColumn(name="tax_top1", role="top1", of="tax"),
        OutputColumn(name="tax_top2", role="top2", of="tax"),
    ]
    export = request("output_per_record", columns=columns)
    found = checked(export, await answer_of(client, p, export))
    assert found["dominance"].passed and found["minimum_cell_count"].passed


async def test_EXP_2_a_per_unit_export_with_records_of_no_unit_is_unavailable(
    env: tuple[Platform, Client, Path],
) -> None:
    p, client, _ = env
    await run_in_production(
        client,
        p,
        "CREATE OR REPLACE TABLE output_orphans AS SELECT * FROM (VALUES "
        "('C', 'firm-A', 1), ('C', NULL, 2)) AS r(industry, firm, tax)",
    )
    answer = await answer_of(client, p, request("output_orphans", columns=PER_UNIT_COLUMNS))
    assert answer.__struct_config__.tag == "export.unavailable", answer
    assert answer.rule == "EXP-2" and "name no unit" in answer.reason
