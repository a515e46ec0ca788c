"""Every refusal of a signed-in caller lands on the service's audit chain (SBX-5, SEC-4):
a role refused by a guard and a business rule refused by the domain are both recorded
with who, what and why; an anonymous caller and a malformed body are not; the chain
still verifies."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from libs.audit import AuditLog
from libs.clock import SystemClock
from libs.http.gateway import gateway
from libs.store.sqlite import SqliteDocumentStore
from tests.support.platform import DEVELOPER, platform, resource_body, token
from tests.support.platform import TAX as PROVIDER


async def refusals(tmp: Path) -> list[Any]:
    log = AuditLog(SqliteDocumentStore(tmp / "catalog.sqlite"), SystemClock())
    return [e for e in await log.entries() if e.action == "refused"]


async def test_SBX_5_SEC_4_refusals_of_signed_in_callers_are_recorded(tmp_path: Path) -> None:
    p = platform(tmp_path, services=("catalog",))
    async with AsyncTestClient(app=gateway(p)) as client:
        developer, provider = await token(p, DEVELOPER), await token(p, PROVIDER)
        by_role = await client.post("/catalog/resources/", json=resource_body(), headers=developer)
        assert by_role.status_code == 403
        by_rule = await client.post("/catalog/resources/no-such-id/proposal", headers=provider)
        assert by_rule.status_code == 404
        anonymous = await client.post("/catalog/resources/", json=resource_body())
        assert anonymous.status_code == 401
        malformed = await client.post("/catalog/resources/", json={"name": 1}, headers=provider)
        assert malformed.status_code == 400
        await asyncio.sleep(0.1)
    found = await refusals(tmp_path)
    assert [(e.actor["org_id"], e.subject, e.detail["kind"]) for e in found] == [
        (DEVELOPER.org_id, "POST /catalog/resources/", "forbidden"),
        (PROVIDER.org_id, "POST /catalog/resources/no-such-id/proposal", "not_found"),
    ]
    assert "developer" in found[0].detail["why"]
    assert (
        await AuditLog(SqliteDocumentStore(tmp_path / "catalog.sqlite"), SystemClock()).verify()
    ).ok
