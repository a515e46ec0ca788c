"""Operator exit, suspension and redelivery at sandbox-broker, embedded: exit closes and
deletes every sandbox of the operator's grants with a recorded deletion and starts the
retention of their logs (AUTH-7); suspension closes them for now and reinstatement opens
them as they were (AUTH-6); a later negative listing removes mounted data (CAT-2); a
redelivered or repeated ``grant.issued`` provisions once (SBX-7)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.canonical import sha256_hex
from contracts.events import AgreementReinstated, AgreementSuspended, AgreementTerminated
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import eventually
from tests.support.sandbox_broker import (
    BUREAU,
    DEV_A,
    DEV_B,
    OPERATOR,
    ROOTS,
    auth,
    broker_platform,
    grant_issued,
    in_app,
    make_source,
    register_demo_resources,
    seen,
    send,
)

Client = AsyncTestClient[Any]


@pytest.fixture
async def env(tmp_path: Any) -> AsyncIterator[tuple[Platform, Client]]:
    with broker_platform(tmp_path, make_source(tmp_path)) as p:
        async with AsyncTestClient(app=gateway(p)) as client:
            await register_demo_resources(client, p)
            yield p, client


async def states(p: Platform, client: Client) -> dict[str, dict[str, Any]]:
    r = await client.get("/sandbox_broker/sandboxes", headers=await auth(client, p, OPERATOR))
    return {s["sandbox_id"]: s for s in r.json()}


async def settled(p: Platform, client: Client, count: int) -> dict[str, dict[str, Any]]:
    async def probe() -> dict[str, dict[str, Any]] | None:
        found = await states(p, client)
        done = [s for s in found.values() if s["state"] != "provisioning"]
        return found if len(done) == count else None

    return await eventually(probe, timeout=60)


async def test_AUTH_7_operator_exit_closes_and_deletes_every_sandbox_with_a_record(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    await send(client, p, grant_issued("g-exit-1"), subject="g-exit-1")
    await send(client, p, grant_issued("g-exit-2", DEV_B), subject="g-exit-2")
    other = grant_issued("g-other-op", operator_org_id="org-370300-operator-2")
    await send(client, p, other, subject="g-other-op")
    await settled(p, client, 6)
    exit_event = AgreementTerminated(
        agreement_id="agr-1", operator_org_id=OPERATOR.org_id, reason="评估不合格"
    )
    await send(client, p, exit_event, subject="agr-1")

    async def deleted() -> Any:
        found = await seen(client, p, "data.deleted")
        return found if len(found) == 4 else None

    records = await eventually(deleted, timeout=60)
    assert {r.grant_id for r in records} == {"g-exit-1", "g-exit-2"}
    assert all(len(r.evidence_hash) == 64 for r in records)
    after = await states(p, client)
    for sandbox_id, sandbox in after.items():
        if "g-other-op" in sandbox_id:
            assert sandbox["state"] == "ready"
            continue
        assert sandbox["state"] == "deleted" and "评估不合格" in sandbox["closed_reason"]
        event = next(r for r in records if r.sandbox_id == sandbox_id)
        assert sandbox["deletion_evidence_hash"] == event.evidence_hash
    closed = await seen(client, p, "sandbox.closed")
    assert len(closed) == 4
    job = await client.post(
        "/sandbox_broker/sandboxes/sbx-pro-g-exit-1/jobs",
        json={"sql": "SELECT 1"},
        headers=await auth(client, p, DEV_A),
    )
    assert job.status_code == 409 and job.json()["rule"] == "SBX-7", job.text


async def test_AUTH_7_the_deletion_evidence_hash_is_recomputable_from_the_record(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    await send(client, p, grant_issued("g-evidence"), subject="g-evidence")
    await settled(p, client, 2)
    await send(
        client,
        p,
        AgreementTerminated(agreement_id="agr-2", operator_org_id=OPERATOR.org_id, reason="退出"),
        subject="agr-2",
    )

    async def deleted() -> Any:
        found = [s for s in (await states(p, client)).values() if s["state"] == "deleted"]
        return found if len(found) == 2 else None

    await eventually(deleted, timeout=60)
    store = p.running["sandbox_broker"].store
    doc = await in_app(client, store.get, "sandboxes", "sbx-pro-g-evidence")
    evidence = {k: v for k, v in doc["deletion"].items() if k != "evidence_hash"}
    assert sha256_hex(evidence) == doc["deletion"]["evidence_hash"]
    assert evidence["verified_absent"] is True
    assert any(f["path"] == "data/granted.duckdb" for f in evidence["files"])
    home = ROOTS[id(p)] / "sbx-pro-g-evidence"
    assert (home / "manifest.json").exists()  # the record stays …
    assert not (home / "data").exists() and not (home / "work").exists()  # … the data is gone


async def job(p: Platform, client: Client, sandbox_id: str, sql: str) -> dict[str, Any]:
    r = await client.post(
        f"/sandbox_broker/sandboxes/{sandbox_id}/jobs",
        json={"sql": sql},
        headers=await auth(client, p, DEV_A),
    )
    found: dict[str, Any] = r.json()
    return found


async def test_AUTH_6_suspension_closes_the_sandboxes_for_now_and_reinstatement_reopens_them(
    env: tuple[Platform, Client],
) -> None:
    """000 §3.4(3): "运营机构违反授权运营协议的,市大数据局按照协议约定要求其改正,并暂时关闭
    其数据使用权限"。 Suspended, the sandboxes admit nothing and keep their data and outputs;
    reinstated (``agreement.reinstated``), they are ready again as they were."""
    p, client = env
    await send(client, p, grant_issued("g-suspend"), subject="g-suspend")
    await settled(p, client, 2)
    made = await job(p, client, "sbx-dev-g-suspend", "CREATE TABLE output_kept AS SELECT 1 AS one")
    assert made["status"] == "succeeded", made
    suspended = AgreementSuspended(
        agreement_id="agr-3",
        operator_org_id=OPERATOR.org_id,
        reason="违规",
        correction_due=date(2030, 1, 1),
    )
    await send(client, p, suspended, subject="agr-3")

    async def paused() -> Any:
        found = [s for s in (await states(p, client)).values() if s["state"] == "suspended"]
        return found if len(found) == 2 else None

    for sandbox in await eventually(paused):
        assert "AUTH-6" in sandbox["suspended_reason"] and "违规" in sandbox["suspended_reason"]
    refused = await job(p, client, "sbx-dev-g-suspend", "SELECT 1")
    # a problem, as an import or an export in a suspended sandbox would get (409, AUTH-6)
    assert refused["status"] == 409 and refused["rule"] == "AUTH-6", refused
    assert len(await seen(client, p, "sandbox.suspended")) == 2
    assert await seen(client, p, "sandbox.closed") == []
    assert await seen(client, p, "data.deleted") == []

    back = AgreementReinstated(agreement_id="agr-3", operator_org_id=OPERATOR.org_id)
    await send(client, p, back, subject="agr-3")

    async def reopened() -> Any:
        found = [s for s in (await states(p, client)).values() if s["state"] == "ready"]
        return found if len(found) == 2 else None

    await eventually(reopened)
    again = await job(p, client, "sbx-dev-g-suspend", "SELECT one FROM output_kept")
    assert again["status"] == "succeeded", again  # its outputs as they were
    assert len(await seen(client, p, "sandbox.reinstated")) == 2


async def test_CAT_2_a_later_negative_listing_removes_mounted_data_and_stops_running_jobs(
    env: tuple[Platform, Client],
) -> None:
    """002 §2: "禁止開放的公共數據資源不得用於授權運營"; 003 §3(七): "禁止开放的公共数据不得
    授权运营"。 Negative-listed after the sandbox was filled, the data leaves it: the item's
    column and the whole resource's table are removed from the mounted data, a job running
    on them is stopped, and the reason is recorded (``sandbox.narrowed``)."""
    import asyncio

    from contracts.events import ResourceNegativeListed
    from tests.support.sandbox_broker import RESOURCE_IDS

    p, client = env
    await send(client, p, grant_issued("g-neg"), subject="g-neg")
    await settled(p, client, 2)
    sandbox = "sbx-dev-g-neg"
    ok = await job(p, client, sandbox, "SELECT count(legal_rep_id) FROM market_registration")
    assert ok["status"] == "succeeded", ok
    long_sql = (
        "SELECT count(*) FROM range(400000000000) t(x), market_registration "
        "WHERE hash(x, legal_rep_id) % 7 = 3"
    )
    # the test client blocks its loop while a request runs: the long job runs in a thread
    running = asyncio.ensure_future(
        asyncio.to_thread(asyncio.run, job(p, client, sandbox, long_sql))
    )
    work = ROOTS[id(p)] / sandbox / "work" / "jobs"

    async def started() -> Any:
        return True if work.exists() and any(work.iterdir()) else None

    await eventually(started, timeout=60)
    item = ResourceNegativeListed(
        resource_id=RESOURCE_IDS["market_registration"],
        provider_org_id="x",
        reason="法定代表人身份证号禁止开放",
        item_name="legal_rep_id",
    )
    await send(client, p, item, subject=item.resource_id)
    stopped = await asyncio.wait_for(running, timeout=120)
    assert stopped["status"] == "stopped", stopped

    async def narrowed() -> Any:
        found = await seen(client, p, "sandbox.narrowed", sandbox_id=sandbox)
        return found or None

    [event] = await eventually(narrowed, timeout=60)
    assert event.items == ["legal_rep_id"] and not event.whole and event.jobs_stopped == 1
    assert "禁止开放" in event.reason and "CAT-2" in event.reason
    gone = await job(p, client, sandbox, "SELECT count(legal_rep_id) FROM market_registration")
    assert gone["status"] == "failed"
    kept = await job(p, client, sandbox, "SELECT count(credit_code) FROM market_registration")
    assert kept["status"] == "succeeded", kept
    view = (await states(p, client))[sandbox]
    assert "legal_rep_id" not in {c["name"] for c in view["columns"]}
    assert "法定代表人身份证号禁止开放" in view["narrowings"][0]

    whole = ResourceNegativeListed(
        resource_id=RESOURCE_IDS["housing_provident_fund"], provider_org_id="x", reason="整体禁止"
    )
    await send(client, p, whole, subject=whole.resource_id)

    async def table_gone() -> Any:
        found = await seen(client, p, "sandbox.narrowed", sandbox_id=sandbox, whole=True)
        return found or None

    await eventually(table_gone, timeout=60)
    refused = await job(p, client, sandbox, "SELECT count(*) FROM housing_provident_fund")
    assert refused["status"] == "failed"
    assert "housing_provident_fund" not in (await states(p, client))[sandbox]["tables"]


async def test_AUTH_7_logs_are_kept_six_calendar_months_after_the_exit_then_purged(
    env: tuple[Platform, Client],
) -> None:
    """001 art.24: "及时删除所有授权的相关公共数据,并按照规定留存相关网络日志不少于6个月";
    000 §3.3: "终止运营机构的公共数据使用权限,并留存相关工作日志"。 The six calendar months
    count from the exit of the authorization, not from each job; before they end a purge
    is refused and the logs stay; after, it removes every log kind (job records with their
    stderr, the executor's record) — the audit chain stays."""
    from datetime import UTC, datetime, timedelta

    from contracts.calendar import end_of_months_after
    from contracts.envelope import SYSTEM_ACTOR, new_envelope
    from tests.support.platform import REGION

    p, client = env
    bureau = await auth(client, p, BUREAU)
    other_op = "org-370300-operator-old"
    await send(client, p, grant_issued("g-recent"), subject="g-recent")
    await send(client, p, grant_issued("g-old", operator_org_id=other_op), subject="g-old")
    await settled(p, client, 4)
    for sandbox in ("sbx-dev-g-recent", "sbx-dev-g-old"):
        assert (await job(p, client, sandbox, "SELECT 1"))["status"] == "succeeded"
    live = await client.post(
        "/sandbox_broker/sandboxes/sbx-dev-g-recent/logs/purge", headers=bureau
    )
    assert live.status_code == 409 and live.json()["rule"] == "AUTH-7"  # authorization lives

    now = datetime.now(UTC)
    recent_exit = now - timedelta(days=150)  # five months ago: inside the retention
    old_exit = now - timedelta(days=200)  # more than six months ago: after it
    for operator, agreement, at in (
        (OPERATOR.org_id, "agr-r", recent_exit),
        (other_op, "agr-o", old_exit),
    ):
        ended = AgreementTerminated(agreement_id=agreement, operator_org_id=operator, reason="退出")
        envelope = new_envelope(
            ended, region=REGION, actor=SYSTEM_ACTOR, subject=agreement, occurred_at=at
        )
        await send(client, p, ended, subject=agreement, again=envelope)

    async def retained() -> Any:
        found = await states(p, client)
        ready = all(found[s]["retain_logs_until"] for s in ("sbx-dev-g-recent", "sbx-dev-g-old"))
        return found if ready else None

    found = await eventually(retained, timeout=60)
    expected = end_of_months_after(recent_exit, 6)
    assert datetime.fromisoformat(found["sbx-dev-g-recent"]["retain_logs_until"]) == expected

    early = await client.post(
        "/sandbox_broker/sandboxes/sbx-dev-g-recent/logs/purge", headers=bureau
    )
    assert early.status_code == 409 and early.json()["rule"] == "AUTH-7", early.text
    jobs = await client.get("/sandbox_broker/sandboxes/sbx-dev-g-recent/jobs", headers=bureau)
    assert len(jobs.json()) == 1  # kept
    assert (ROOTS[id(p)] / "sbx-dev-g-recent" / "manifest.json").exists()

    purged = await client.post("/sandbox_broker/sandboxes/sbx-dev-g-old/logs/purge", headers=bureau)
    assert purged.status_code == 200, purged.text
    assert purged.json()["removed"]["jobs"] == 1
    old_jobs = await client.get("/sandbox_broker/sandboxes/sbx-dev-g-old/jobs", headers=bureau)
    assert old_jobs.json() == []
    assert not (ROOTS[id(p)] / "sbx-dev-g-old").exists()
    store = p.running["sandbox_broker"].store
    records = await in_app(client, store.find, "jobs", {"sandbox_id": "sbx-dev-g-old"})
    assert records and all(
        set(r) <= {"_id", "_version", "_outbox", "sandbox_id", "purged_at"} for r in records
    )


async def test_SBX_2_a_redelivered_grant_issued_provisions_once(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    first = await send(client, p, grant_issued("g-twice"), subject="g-twice")
    await send(client, p, first.payload, subject="g-twice", again=first)  # same event id
    await send(client, p, first.payload, subject="g-twice")  # the same grant, a new event id
    await settled(p, client, 2)
    await eventually(lambda: _n(seen(client, p, "sandbox.ready", grant_id="g-twice"), 2))
    ready = await seen(client, p, "sandbox.ready", grant_id="g-twice")
    assert sorted(e.sandbox_id for e in ready) == ["sbx-dev-g-twice", "sbx-pro-g-twice"]


async def _n(found: Any, n: int) -> Any:
    items = await found
    return items if len(items) >= n else None
