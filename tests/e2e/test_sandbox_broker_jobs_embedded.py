"""sandbox-broker through HTTP and events (embedded): a grant becomes two masked
sandboxes; jobs are guarded, run and recorded; every escape attempt is refused with a
reason and recorded; a revoked grant closes its sandboxes (SBX-1, SBX-2, SBX-3, SBX-5,
SBX-7, SEC-5)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.events import GrantRevoked
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import eventually
from tests.support.sandbox_broker import (
    BUREAU,
    DEV_A,
    DEV_B,
    OPERATOR,
    auth,
    broker_platform,
    grant_issued,
    make_source,
    register_demo_resources,
    seen,
    send,
)

Client = AsyncTestClient[Any]
GRANT = "g-e2e-jobs"
DEV = f"sbx-dev-{GRANT}"
PRO = f"sbx-pro-{GRANT}"


@pytest.fixture(scope="module")
async def env(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Platform, Client]]:
    tmp = tmp_path_factory.mktemp("sbx-jobs")
    with broker_platform(tmp, make_source(tmp)) as p:
        async with AsyncTestClient(app=gateway(p)) as client:
            await register_demo_resources(client, p)
            await send(client, p, grant_issued(GRANT), subject=GRANT)
            await ready(p, client, DEV, PRO)
            yield p, client


async def ready(p: Platform, client: Client, *sandbox_ids: str) -> None:
    headers = await auth(client, p, OPERATOR)

    async def all_ready() -> bool:
        for sandbox_id in sandbox_ids:
            r = await client.get(f"/sandbox_broker/sandboxes/{sandbox_id}", headers=headers)
            if r.status_code != 200 or r.json()["state"] not in ("ready", "failed"):
                return False
        return True

    await eventually(all_ready, timeout=60)


async def job(p: Platform, client: Client, sandbox_id: str, sql: str, who: Any = DEV_A) -> Any:
    return await client.post(
        f"/sandbox_broker/sandboxes/{sandbox_id}/jobs",
        json={"sql": sql},
        headers=await auth(client, p, who),
    )


async def test_SBX_2_a_grant_provisions_a_development_and_a_production_sandbox(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    mine = (
        await client.get("/sandbox_broker/sandboxes", headers=await auth(client, p, DEV_A))
    ).json()
    assert {s["sandbox_id"]: s["environment"] for s in mine} == {
        DEV: "development",
        PRO: "production",
    }
    for sandbox in mine:
        assert sandbox["state"] == "ready", sandbox
        assert set(sandbox["tables"]) == {"market_registration", "housing_provident_fund"}
        assert len(sandbox["plan_digest"]) == 64
        methods = {c["name"]: c["method"] for c in sandbox["columns"]}
        assert methods["legal_rep_id"] == "tokenize" and methods["legal_rep_name"] == "mask"
    production = next(s for s in mine if s["environment"] == "production")
    assert production["tables"]["market_registration"] == 2000
    ready_events = await eventually(
        lambda: _two(lambda: seen(client, p, "sandbox.ready", grant_id=GRANT))
    )
    assert sorted(e.sandbox_id for e in ready_events) == [DEV, PRO]
    others = (
        await client.get("/sandbox_broker/sandboxes", headers=await auth(client, p, DEV_B))
    ).json()
    assert others == []


async def test_SBX_3_identifiers_are_tokenized_and_names_masked_in_the_development_preview(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    r = await job(
        p, client, DEV, "SELECT legal_rep_id, legal_rep_name, credit_code FROM market_registration"
    )
    assert r.status_code == 201, r.text
    record = r.json()
    assert record["status"] == "succeeded" and record["rows_out"] == 10_000
    assert len(record["preview"]) == 20
    for rep_id, rep_name, _ in record["preview"]:
        assert re.fullmatch(r"tk_[a-p]{32}", rep_id), rep_id
        assert re.fullmatch(r".\*+", rep_name), rep_name


async def test_SBX_1_a_production_job_keeps_its_result_inside(env: tuple[Platform, Client]) -> None:
    p, client = env
    sql = (
        "CREATE TABLE output_masking AS SELECT "
        "bool_and(legal_rep_id LIKE 'tk%') AS ids_tokenized, "
        "bool_and(regexp_full_match(legal_rep_name, '.\\*+')) AS names_masked, "
        "count(*) AS n FROM market_registration"
    )
    record = (await job(p, client, PRO, sql)).json()
    assert record["status"] == "succeeded", record
    assert record["preview"] == [] and record["output_table"] == "output_masking"
    assert record["rows_touched"] >= 2000
    outputs = (
        await client.get(
            f"/sandbox_broker/sandboxes/{PRO}/outputs", headers=await auth(client, p, DEV_A)
        )
    ).json()
    found = next(o for o in outputs if o["name"] == "output_masking")
    assert found["rows"] == 1 and ["n", "BIGINT"] in found["columns"]
    assert set(found) == {"name", "columns", "rows", "job_id", "written_at"}  # never contents


ESCAPES = [
    ("COPY (SELECT * FROM market_registration) TO '/tmp/leak.csv'", "SEC-5", "COPY"),
    ("SELECT * FROM read_csv('/etc/passwd')", "SBX-1", "read_csv"),
    ("ATTACH '/tmp/other.duckdb'", "SBX-2", "ATTACH"),
    ("INSTALL httpfs", "SBX-2", "INSTALL"),
]


@pytest.mark.parametrize(("sql", "rule", "says"), ESCAPES)
async def test_SBX_2_escape_attempts_are_refused_with_a_reason_and_recorded(
    env: tuple[Platform, Client], sql: str, rule: str, says: str
) -> None:
    p, client = env
    r = await job(p, client, PRO, sql)
    assert r.status_code == 201
    record = r.json()
    assert (record["status"], record["rule"]) == ("refused", rule), record
    assert says in record["reason"]
    jobs = (
        await client.get(
            f"/sandbox_broker/sandboxes/{PRO}/jobs", headers=await auth(client, p, BUREAU)
        )
    ).json()
    assert any(j["job_id"] == record["job_id"] and j["sql"] == sql for j in jobs)


async def test_SBX_1_a_column_outside_the_grant_is_not_in_the_sandbox(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    record = (
        await job(
            p, client, PRO, "SELECT entity_status, count(*) FROM market_registration GROUP BY 1"
        )
    ).json()
    assert record["status"] == "failed"
    assert "entity_status" in record["reason"] and "REQ-2" in record["reason"]


async def test_SBX_2_another_developers_sandbox_is_refused_and_recorded(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    r = await job(p, client, PRO, "SELECT count(*) FROM market_registration", who=DEV_B)
    assert r.status_code == 403
    assert r.json()["rule"] == "SBX-2"
    read = await client.get(
        f"/sandbox_broker/sandboxes/{PRO}", headers=await auth(client, p, DEV_B)
    )
    assert read.status_code == 403
    jobs = (
        await client.get(
            f"/sandbox_broker/sandboxes/{PRO}/jobs", headers=await auth(client, p, OPERATOR)
        )
    ).json()
    theirs = [j for j in jobs if j["caller_org_id"] == DEV_B.org_id]
    assert theirs and theirs[0]["status"] == "refused" and theirs[0]["rule"] == "SBX-2"


async def test_SBX_5_jobs_are_recorded_with_usage_metered_to_the_developer(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    record = (
        await job(p, client, PRO, "SELECT sum(deposit_base_fen) AS s FROM housing_provident_fund")
    ).json()
    assert record["status"] == "succeeded"

    async def metered() -> list[Any]:
        found: list[Any] = await seen(
            client, p, "usage.metered", usage_id=f"{record['job_id']}:row"
        )
        return found

    usage = (await eventually(metered))[0]
    assert usage.customer_org_id == DEV_A.org_id and usage.scenario_id == f"scn-{GRANT}"
    assert usage.unit == "row" and usage.quantity == record["rows_touched"] > 0
    compute = await seen(client, p, "usage.metered", usage_id=f"{record['job_id']}:compute_ms")
    assert compute[0].unit == "compute_ms" and compute[0].quantity == record["duration_ms"]
    finished = await seen(client, p, "job.finished", job_id=record["job_id"])
    assert finished[0].status == "succeeded" and finished[0].sandbox_id == PRO


async def test_SBX_7_a_job_after_the_grant_was_revoked_is_refused_and_recorded(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    grant = "g-e2e-revoked"
    await send(client, p, grant_issued(grant), subject=grant)
    await ready(p, client, f"sbx-dev-{grant}", f"sbx-pro-{grant}")
    revoked = GrantRevoked(grant_id=grant, developer_org_id=DEV_A.org_id, reason="违规使用")
    await send(client, p, revoked, subject=grant)

    async def closed() -> list[Any]:
        found: list[Any] = await seen(client, p, "sandbox.closed", grant_id=grant)
        return found

    events = await eventually(lambda: _two(closed))
    assert all("违规使用" in e.reason for e in events)
    r = await job(p, client, f"sbx-pro-{grant}", "SELECT count(*) FROM market_registration")
    # refused as an import or an export into a closed sandbox would be (409, SBX-7) …
    assert r.status_code == 409 and r.json()["rule"] == "SBX-7", r.text
    assert "closed" in r.json()["detail"]
    listed = (
        await client.get(
            f"/sandbox_broker/sandboxes/sbx-pro-{grant}/jobs",
            headers=await auth(client, p, OPERATOR),
        )
    ).json()
    assert [(j["status"], j["rule"]) for j in listed] == [("refused", "SBX-7")]  # … and recorded


async def _two(probe: Any) -> Any:
    found = await probe()
    return found if len(found) == 2 else None


async def test_SBX_7_the_expiry_sweep_closes_sandboxes_of_an_expired_grant(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    grant = "g-e2e-expiring"
    await send(client, p, grant_issued(grant, valid_days=0), subject=grant)
    await ready(p, client, f"sbx-dev-{grant}", f"sbx-pro-{grant}")
    refused = await client.post(
        "/sandbox_broker/expiry-sweep", headers=await auth(client, p, DEV_A)
    )
    assert refused.status_code == 403
    swept = await client.post("/sandbox_broker/expiry-sweep", headers=await auth(client, p, BUREAU))
    assert swept.status_code == 200
    assert {f"sbx-dev-{grant}", f"sbx-pro-{grant}"} <= set(swept.json()["closed"])
    assert DEV not in swept.json()["closed"]
    sandbox = (
        await client.get(
            f"/sandbox_broker/sandboxes/sbx-pro-{grant}", headers=await auth(client, p, DEV_A)
        )
    ).json()
    assert sandbox["state"] == "closed" and "expired" in sandbox["closed_reason"]


HOST_PROBES = [
    "SELECT current_setting('temp_directory') AS v",
    "SELECT current_setting('extension_directory') AS v",
    "SELECT current_setting('secret_directory') AS v",
    "SELECT current_setting('allowed_directories') AS v",
    "SELECT current_setting('home_directory') AS v",
    "SELECT current_setting('memory_limit') AS v",
    "SELECT current_setting('threads') AS v",
    "SELECT name, value FROM duckdb_settings()",
    "SELECT * FROM duckdb_settings",
    "SELECT * FROM pg_catalog.pg_settings",
    "SELECT * FROM pg_settings",
    "SELECT path FROM duckdb_databases()",
    "SELECT * FROM duckdb_databases",
    "PRAGMA database_list",
    "SELECT * FROM pragma_database_list()",
    "SELECT * FROM duckdb_temporary_files()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM duckdb_memory()",
    "CREATE TABLE output_host AS SELECT current_setting('temp_directory') AS v",
]


@pytest.mark.parametrize("sandbox_id", [DEV, PRO], ids=["development", "production"])
@pytest.mark.parametrize("sql", HOST_PROBES)
async def test_SBX_2_no_job_reads_a_setting_that_describes_the_host(
    env: tuple[Platform, Client], sandbox_id: str, sql: str
) -> None:
    p, client = env
    record = (await job(p, client, sandbox_id, sql)).json()
    assert record["status"] == "refused", record
    assert record["rule"] == "SBX-2" and "host" in record["reason"], record
    assert record["preview"] == [] and not record.get("output_table")
    shown = repr(record)
    assert str(p.settings.data_dir) not in shown


@pytest.mark.parametrize("sandbox_id", [DEV, PRO], ids=["development", "production"])
async def test_SBX_2_the_engine_version_stays_readable(
    env: tuple[Platform, Client], sandbox_id: str
) -> None:
    p, client = env
    record = (await job(p, client, sandbox_id, "SELECT version() AS v")).json()
    assert record["status"] == "succeeded", record
