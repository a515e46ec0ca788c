"""Sandbox admission over HTTP and events, embedded: a job, an import and an export are
refused alike — the same HTTP status for the job and the import, the same rule and the
same reason in their problems and in the export's ``export.unavailable`` — when the
grant expired before the expiry sweep closed its sandbox (SBX-7), when it is not yet
valid (REQ-5), and in another organization's sandbox (SBX-2)."""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.events import ExportRequested, OutputColumn
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import eventually
from tests.support.sandbox_broker import (
    DEV_A,
    DEV_B,
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
GRANT = "g-e2e-admission"
PRO = f"sbx-pro-{GRANT}"
DEV = f"sbx-dev-{GRANT}"
OUTPUT = "output_by_region"


@pytest.fixture(scope="module")
async def env(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Platform, Client]]:
    tmp = tmp_path_factory.mktemp("sbx-admission")
    with broker_platform(tmp, make_source(tmp)) as p:
        async with AsyncTestClient(app=gateway(p)) as client:
            await register_demo_resources(client, p)
            await send(client, p, grant_issued(GRANT), subject=GRANT)

            async def ready() -> bool:
                for sandbox_id in (DEV, PRO):
                    r = await client.get(
                        f"/sandbox_broker/sandboxes/{sandbox_id}",
                        headers=await auth(client, p, DEV_A),
                    )
                    if r.status_code != 200 or r.json()["state"] != "ready":
                        return False
                return True

            await eventually(ready, timeout=60)
            made = await client.post(
                f"/sandbox_broker/sandboxes/{PRO}/jobs",
                json={
                    "sql": f"CREATE TABLE {OUTPUT} AS SELECT region_code, count(*) AS n "
                    "FROM market_registration GROUP BY 1"
                },
                headers=await auth(client, p, DEV_A),
            )
            assert made.json()["status"] == "succeeded", made.text
            yield p, client


async def _window(p: Platform, client: Client, valid_from: datetime, valid_until: datetime) -> None:
    """Move the grant's validity as recorded on the production sandbox (the sweep has not
    run: the sandbox is still ready)."""
    await in_app(client, functools.partial(_move, p, valid_from, valid_until))


@pytest.fixture
def window(env: tuple[Platform, Client]) -> Iterator[None]:
    """Puts the validity back as the grant issued it after each test."""
    yield
    p, client = env
    now = datetime.now(UTC)
    client.blocking_portal.call(
        functools.partial(_move, p, now - timedelta(days=1), now + timedelta(days=30))
    )


async def _move(p: Platform, valid_from: datetime, until: datetime) -> None:
    store = p.running["sandbox_broker"].store
    doc = await store.get("sandboxes", PRO)
    assert doc is not None
    new = {**doc, "valid_from": valid_from.isoformat(), "valid_until": until.isoformat()}
    await store.replace("sandboxes", new, doc["_version"])


async def _three(p: Platform, client: Client, who: Any = DEV_A) -> tuple[Any, Any, Any]:
    """A job, an import and an export attempted in the production sandbox by ``who``."""
    headers = await auth(client, p, who)
    job = await client.post(
        f"/sandbox_broker/sandboxes/{PRO}/jobs", json={"sql": "SELECT 1 AS one"}, headers=headers
    )
    imported = await client.post(
        f"/sandbox_broker/sandboxes/{PRO}/imports?table=own_rates&format=csv",
        content=b"region_code,rate\n370302,0.5\n",
        headers={**headers, "Content-Type": "application/octet-stream"},
    )
    export = ExportRequested(
        export_id=uuid.uuid4().hex,
        sandbox_id=PRO,
        grant_id=GRANT,
        output_name=OUTPUT,
        developer_org_id=who.org_id,
        requester_user_id=who.user_id,
        kind="table",
        columns=[OutputColumn(name="region_code", role="dimension")],
    )
    await send(client, p, export, subject=export.export_id)

    async def answered() -> Any:
        for kind in ("export.staged", "export.unavailable"):
            found = await seen(client, p, kind, export_id=export.export_id)
            if found:
                return found[0]
        return None

    return job, imported, await eventually(answered)


def _alike(job: Any, imported: Any, exported: Any, status: int, rule: str) -> str:
    assert job.status_code == status, job.text
    assert imported.status_code == status, imported.text
    assert exported.__struct_config__.tag == "export.unavailable", exported
    problems = [job.json(), imported.json()]
    assert [q["rule"] for q in problems] == [rule, rule]
    assert exported.rule == rule
    reason: str = problems[0]["detail"]
    assert problems[1]["detail"] == reason and exported.reason == reason
    return reason


async def _recorded_refusals(p: Platform, client: Client) -> list[dict[str, Any]]:
    listed = await client.get(
        f"/sandbox_broker/sandboxes/{PRO}/jobs", headers=await auth(client, p, DEV_A)
    )
    return [j for j in listed.json() if j["status"] == "refused"]


async def test_SBX_7_an_expired_grant_refuses_a_job_an_import_and_an_export_alike(
    env: tuple[Platform, Client], window: None
) -> None:
    p, client = env
    now = datetime.now(UTC)
    await _window(p, client, now - timedelta(days=30), now - timedelta(seconds=1))
    before = len(await _recorded_refusals(p, client))
    reason = _alike(*await _three(p, client), status=409, rule="SBX-7")
    assert "expired" in reason
    refused = await _recorded_refusals(p, client)
    assert len(refused) == before + 1 and refused[-1]["rule"] == "SBX-7"  # recorded (SBX-5)


async def test_REQ_5_a_grant_not_yet_valid_refuses_a_job_an_import_and_an_export_alike(
    env: tuple[Platform, Client], window: None
) -> None:
    p, client = env
    now = datetime.now(UTC)
    await _window(p, client, now + timedelta(days=1), now + timedelta(days=30))
    reason = _alike(*await _three(p, client), status=409, rule="REQ-5")
    assert "valid only from" in reason


async def test_SBX_2_another_organization_is_refused_a_job_an_import_and_an_export_alike(
    env: tuple[Platform, Client],
) -> None:
    p, client = env
    reason = _alike(*await _three(p, client, DEV_B), status=403, rule="SBX-2")
    assert "another organization" in reason


async def test_SBX_7_within_the_grant_the_same_three_are_admitted(
    env: tuple[Platform, Client], window: None
) -> None:
    p, client = env
    job, imported, exported = await _three(p, client)
    assert job.status_code == 201 and job.json()["status"] == "succeeded", job.text
    assert imported.status_code == 201 and imported.json()["state"] == "pending", imported.text
    assert exported.__struct_config__.tag == "export.staged", exported


async def test_SEC_4_a_person_without_a_current_agreement_is_refused_a_job_and_an_import_alike(
    env: tuple[Platform, Client],
) -> None:
    """SEC-4 in the one admission: a developer signed in with a password whose
    confidentiality agreement lapsed is refused a job and an import with the same 403, rule
    and reason; the refused job is recorded (SBX-5)."""
    p, client = env
    lapsed = dataclasses.replace(
        DEV_A,
        user_id="u-dev-a-lapsed",
        staff=True,
        confidentiality_until=datetime.now(UTC).date() - timedelta(days=1),
    )
    headers = await auth(client, p, lapsed)
    before = len(await _recorded_refusals(p, client))
    job = await client.post(
        f"/sandbox_broker/sandboxes/{PRO}/jobs", json={"sql": "SELECT 1 AS one"}, headers=headers
    )
    imported = await client.post(
        f"/sandbox_broker/sandboxes/{PRO}/imports?table=own_rates_sec4&format=csv",
        content=b"region_code,rate\n370302,0.5\n",
        headers={**headers, "Content-Type": "application/octet-stream"},
    )
    assert (job.status_code, imported.status_code) == (403, 403), (job.text, imported.text)
    problems = [job.json(), imported.json()]
    assert [q["rule"] for q in problems] == ["SEC-4", "SEC-4"]
    assert "has expired" in problems[0]["detail"]
    refused = await _recorded_refusals(p, client)
    assert len(refused) == before + 1 and refused[-1]["rule"] == "SEC-4"
