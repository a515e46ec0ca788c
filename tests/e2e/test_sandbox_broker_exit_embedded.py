"""Operator exit, suspension and redelivery at sandbox-broker, embedded: exit closes and
deletes every sandbox of the operator's grants with a recorded deletion; suspension closes
them; a redelivered or repeated ``grant.issued`` provisions once (SBX-7, AUTH-7)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.canonical import sha256_hex
from contracts.events import AgreementSuspended, AgreementTerminated
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import eventually
from tests.support.sandbox_broker import (
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
    assert job.json()["status"] == "refused" and job.json()["rule"] == "SBX-7"


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


async def test_SBX_7_a_suspended_agreement_closes_the_operators_sandboxes(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    await send(client, p, grant_issued("g-suspend"), subject="g-suspend")
    await settled(p, client, 2)
    suspended = AgreementSuspended(
        agreement_id="agr-3",
        operator_org_id=OPERATOR.org_id,
        reason="违规",
        correction_due=date(2030, 1, 1),
    )
    await send(client, p, suspended, subject="agr-3")

    async def closed() -> Any:
        found = [s for s in (await states(p, client)).values() if s["state"] == "closed"]
        return found if len(found) == 2 else None

    await eventually(closed)
    assert await seen(client, p, "data.deleted") == []


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
