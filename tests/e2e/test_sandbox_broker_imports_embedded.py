"""Own-data imports (SBX-4), embedded: an upload waits outside the sandbox until the
operator decides; approved, it is a table; rejected or not a real CSV/Parquet file, it
never enters."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import REGION, eventually
from tests.support.sandbox_broker import (
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
GRANT = "g-e2e-imports"
DEV = f"sbx-dev-{GRANT}"
UNKNOWN_OP_GRANT = "g-e2e-imports-no-operator"
OTHER_OPERATOR = Principal(
    user_id="u-op-other", org_id="org-370300-operator-2", role=Role.OPERATOR, region=REGION
)
CSV = b"credit_code,bank_rating\n91370300MA3C5ABC12,AA\n91370300MA3C5ABD21,B\n"


@pytest.fixture(scope="module")
async def env(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Platform, Client]]:
    tmp = tmp_path_factory.mktemp("sbx-imports")
    with broker_platform(tmp, make_source(tmp)) as p:
        async with AsyncTestClient(app=gateway(p)) as client:
            await register_demo_resources(client, p)
            await send(client, p, grant_issued(GRANT), subject=GRANT)
            unknown = grant_issued(UNKNOWN_OP_GRANT, operator_org_id="")
            await send(client, p, unknown, subject=UNKNOWN_OP_GRANT)

            async def ready() -> bool:
                for sandbox in (DEV, f"sbx-dev-{UNKNOWN_OP_GRANT}"):
                    r = await client.get(
                        f"/sandbox_broker/sandboxes/{sandbox}",
                        headers=await auth(client, p, DEV_A),
                    )
                    if r.status_code != 200 or r.json()["state"] != "ready":
                        return False
                return True

            await eventually(ready, timeout=60)
            yield p, client


async def upload(
    p: Platform,
    client: Client,
    table: str,
    body: bytes,
    fmt: str = "csv",
    who: Any = DEV_A,
    sandbox: str = DEV,
) -> Any:
    return await client.post(
        f"/sandbox_broker/sandboxes/{sandbox}/imports?table={table}&format={fmt}",
        content=body,
        headers={**await auth(client, p, who), "Content-Type": "application/octet-stream"},
    )


async def decide(
    p: Platform, client: Client, import_id: str, approve: bool, who: Principal = OPERATOR
) -> Any:
    return await client.post(
        f"/sandbox_broker/imports/{import_id}/decision",
        json={"approve": approve, "reason": "" if approve else "来源不明"},
        headers=await auth(client, p, who),
    )


async def job(p: Platform, client: Client, sql: str) -> Any:
    r = await client.post(
        f"/sandbox_broker/sandboxes/{DEV}/jobs",
        json={"sql": sql},
        headers=await auth(client, p, DEV_A),
    )
    return r.json()


async def test_SBX_4_an_import_enters_the_sandbox_only_after_approval(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    r = await upload(p, client, "bank_ratings", CSV)
    assert r.status_code == 201, r.text
    asked = r.json()
    assert (asked["state"], asked["rows"], asked["columns"]) == (
        "pending",
        2,
        ["credit_code", "bank_rating"],
    )
    requested = await eventually(
        lambda: seen(client, p, "import.requested", import_id=asked["import_id"])
    )
    assert requested[0].content_sha256 == asked["content_sha256"]
    before = await job(p, client, "SELECT * FROM bank_ratings")
    assert before["status"] == "failed" and "bank_ratings" in before["reason"]
    denied = await client.post(
        f"/sandbox_broker/imports/{asked['import_id']}/decision",
        json={"approve": True},
        headers=await auth(client, p, DEV_A),
    )
    assert denied.status_code == 403  # a developer never approves its own import
    decided = await decide(p, client, asked["import_id"], True)
    assert decided.status_code == 200 and decided.json()["state"] == "loaded", decided.text
    after = await job(p, client, "SELECT bank_rating FROM bank_ratings ORDER BY 1")
    assert after["status"] == "succeeded" and after["preview"] == [["AA"], ["B"]]
    events = await eventually(
        lambda: seen(client, p, "import.decided", import_id=asked["import_id"])
    )
    assert events[0].decision == "approved" and events[0].reviewer_user_id == OPERATOR.user_id


async def test_SBX_4_a_rejected_import_never_enters(env: tuple[Platform, Client]) -> None:
    p, client = env
    asked = (await upload(p, client, "side_data", CSV)).json()
    rejected = await decide(p, client, asked["import_id"], False)
    assert rejected.json()["state"] == "rejected" and rejected.json()["reason"] == "来源不明"
    after = await job(p, client, "SELECT * FROM side_data")
    assert after["status"] == "failed"
    again = await decide(p, client, asked["import_id"], True)
    assert again.status_code == 409


async def test_SBX_4_a_file_that_is_not_csv_or_parquet_is_refused_with_the_reason(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    binary = await upload(p, client, "blob", b"\x7fELF\x02\x01\x01\x00" + bytes(64))
    assert binary.status_code == 422 and binary.json()["rule"] == "SBX-4"
    assert "not a CSV" in binary.json()["detail"]
    fake = await upload(p, client, "blob", CSV, fmt="parquet")
    assert fake.status_code == 422 and "Parquet" in fake.json()["detail"]
    ragged = await upload(p, client, "blob", b"a,b\n1,2,3\n")
    assert ragged.status_code == 422 and "line 2" in ragged.json()["detail"]
    shadow = await upload(p, client, "market_registration", CSV)
    assert shadow.status_code == 422 and shadow.json()["rule"] == "SBX-4"
    theirs = await upload(p, client, "blob", CSV, who=DEV_B)
    assert theirs.status_code == 403
    mine = (
        await client.get("/sandbox_broker/imports", headers=await auth(client, p, DEV_A))
    ).json()
    assert all(i["table"] != "blob" for i in mine)


def parquet_file(rows: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "t.parquet"
        with duckdb.connect() as con:
            con.execute(
                f"COPY (SELECT range AS n, 'x' || range AS label FROM range({rows})) "
                f"TO '{target}' (FORMAT parquet)"
            )
        return target.read_bytes()


async def test_SBX_4_a_parquet_import_is_loaded_after_approval(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    parquet = parquet_file(50)
    asked = (await upload(p, client, "labels", parquet, fmt="parquet")).json()
    assert asked["rows"] == 50
    assert (await decide(p, client, asked["import_id"], True)).json()["state"] == "loaded"
    counted = await job(p, client, "SELECT count(*) AS n FROM labels")
    assert counted["preview"] == [["50"]]


async def test_SBX_4_only_the_grants_operator_approves_an_import_and_lists_it(
    env: tuple[Platform, Client],
) -> None:
    """001 art.26(三): "运营单位 … 不得在未经审查通过的情况下,导入其他数据"; RULES SBX-4: the
    approval is given by the operator holding that grant's authorization — no other
    operator approves it, sees it in its list, and an unknown grant operator is a refusal."""
    p, client = env
    asked = (await upload(p, client, "other_ops", CSV)).json()
    other = await decide(p, client, asked["import_id"], True, who=OTHER_OPERATOR)
    assert other.status_code == 403 and other.json()["rule"] == "SBX-4", other.text
    listed_by_other = await client.get(
        "/sandbox_broker/imports", headers=await auth(client, p, OTHER_OPERATOR)
    )
    assert listed_by_other.status_code == 200 and listed_by_other.json() == []
    listed_by_own = await client.get(
        "/sandbox_broker/imports", headers=await auth(client, p, OPERATOR)
    )
    assert asked["import_id"] in [i["import_id"] for i in listed_by_own.json()]
    still = await client.get("/sandbox_broker/imports", headers=await auth(client, p, DEV_A))
    pending = {i["import_id"]: i["state"] for i in still.json()}
    assert pending[asked["import_id"]] == "pending"  # the other operator changed nothing
    own = await decide(p, client, asked["import_id"], False)
    assert own.status_code == 200 and own.json()["state"] == "rejected"
    # a grant whose operator the broker does not know: nobody decides its imports
    orphan = (await upload(p, client, "orphan", CSV, sandbox=f"sbx-dev-{UNKNOWN_OP_GRANT}")).json()
    refused = await decide(p, client, orphan["import_id"], True)
    assert refused.status_code == 409 and refused.json()["rule"] == "SBX-4", refused.text
    assert "not known" in refused.json()["detail"]
