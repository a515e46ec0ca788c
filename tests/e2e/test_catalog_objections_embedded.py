"""Data-quality objections (异议, CAT-5) in embedded mode through HTTP, on a clock the
test moves: raised and assigned with the jurisdiction's deadline, resolved by the
provider, escalated by the deadline sweep once overdue — and a second sweep changes
nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.catalog.repository import OBJECTIONS
from tests.support.platform import MARKET, TAX, keyring, resource_body, settings

BUREAU = Principal(
    user_id="u-bureau-1", org_id="org-370300-bureau", role=Role.BUREAU, region="370300"
)
DEVELOPER = Principal(user_id="u-dev-1", org_id="org-dev-1", role=Role.DEVELOPER, region="370300")
CITIZEN = Principal(user_id="u-pub-1", org_id="public", role=Role.PUBLIC, region="370300")
COUNTY_PROVIDER = Principal(
    user_id="u-c-1", org_id="org-370303-market", role=Role.PROVIDER, region="370303"
)
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 on Monday 2 March 2026 in Zibo


class Desk:
    """The platform on a fixed clock, and tokens signed on that clock."""

    def __init__(self, p: Platform, clock: FixedClock, client: AsyncTestClient[Any]) -> None:
        self.p, self.clock, self.client = p, clock, client

    async def as_(self, who: Principal) -> dict[str, str]:
        assert self.p.secrets is not None
        issuer = TokenIssuer(self.p.secrets, self.clock, region="370300")
        return {"Authorization": f"Bearer {await issuer.issue(who, ttl_seconds=600)}"}

    async def register(self, who: Principal = TAX) -> str:
        r = await self.client.post(
            "/catalog/resources/", json=resource_body(), headers=await self.as_(who)
        )
        assert r.status_code == 201, r.text
        rid: str = r.json()["resource_id"]
        return rid

    async def object_to(self, rid: str, who: Principal = DEVELOPER) -> dict[str, Any]:
        r = await self.client.post(
            "/catalog/objections/",
            json={
                "resource_id": rid,
                "description": "实缴税额与完税证明不符",
                "item_name": "tax_paid_fen",
            },
            headers=await self.as_(who),
        )
        assert r.status_code == 201, r.text
        raised: dict[str, Any] = r.json()
        return raised

    async def sweep(self) -> int:
        r = await self.client.post(
            "/catalog/objections/deadline-sweep", headers=await self.as_(BUREAU)
        )
        assert r.status_code == 200, r.text
        escalated: int = r.json()["escalated"]
        return escalated


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    clock = FixedClock(START)
    p = Platform(
        settings(tmp_path), ("catalog", "disclosure"), clock=clock, secrets=keyring(tmp_path)
    ).build()
    async with AsyncTestClient(app=gateway(p)) as client:
        yield Desk(p, clock, client)


async def test_CAT_5_an_objection_is_assigned_to_the_provider_and_resolved_by_it(
    desk: Desk,
) -> None:
    rid = await desk.register()
    raised = await desk.object_to(rid)
    assert raised["provider_org_id"] == TAX.org_id
    assert raised["status"] == "open" and raised["due_on"] == "2026-03-17"

    mine = (await desk.client.get("/catalog/objections/", headers=await desk.as_(TAX))).json()
    assert [o["objection_id"] for o in mine["items"]] == [raised["objection_id"]]
    others = (await desk.client.get("/catalog/objections/", headers=await desk.as_(MARKET))).json()
    assert others["total"] == 0

    refused = await desk.client.post(
        f"/catalog/objections/{raised['objection_id']}/resolution",
        json={"resolution": "不是我的"},
        headers=await desk.as_(MARKET),
    )
    assert refused.status_code == 403 and refused.json()["rule"] == "CAT-5"

    desk.clock.advance(timedelta(days=3))
    resolved = await desk.client.post(
        f"/catalog/objections/{raised['objection_id']}/resolution",
        json={"resolution": "已按完税证明更正并重新汇聚"},
        headers=await desk.as_(TAX),
    )
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert await desk.sweep() == 0


async def test_CAT_5_the_sweep_escalates_overdue_objections_once(desk: Desk) -> None:
    rid = await desk.register()
    overdue = await desk.object_to(rid)
    desk.clock.advance(timedelta(days=10))
    recent = await desk.object_to(rid, who=CITIZEN)  # due on 27 March

    desk.clock.set(datetime(2026, 3, 17, 15, 59, tzinfo=UTC))  # 23:59 on the due day
    assert await desk.sweep() == 0
    desk.clock.advance(timedelta(minutes=1))  # midnight in Zibo: the deadline has passed
    assert await desk.sweep() == 1
    assert await desk.sweep() == 0  # idempotent: a second run changes nothing

    bureau = await desk.as_(BUREAU)
    first = (
        await desk.client.get(f"/catalog/objections/{overdue['objection_id']}", headers=bureau)
    ).json()
    assert first["status"] == "escalated" and first["escalated_at"].startswith("2026-03-17T16:00")
    second = (
        await desk.client.get(f"/catalog/objections/{recent['objection_id']}", headers=bureau)
    ).json()
    assert second["status"] == "open"
    escalated = (
        await desk.client.get("/catalog/objections/?status=escalated", headers=bureau)
    ).json()
    assert [o["objection_id"] for o in escalated["items"]] == [overdue["objection_id"]]

    audit = await desk.p.running["catalog"].ctx.audit.entries(subject=overdue["objection_id"])
    assert [e.action for e in audit] == ["objection.raise", "objection.escalate"]
    stored = await desk.p.running["catalog"].store.get(OBJECTIONS, overdue["objection_id"])
    assert stored is not None and stored["status"] == "escalated"

    # Late, but the provider can still resolve it.
    late = await desk.client.post(
        f"/catalog/objections/{overdue['objection_id']}/resolution",
        json={"resolution": "已更正"},
        headers=await desk.as_(TAX),
    )
    assert late.json()["status"] == "resolved"


async def test_CAT_5_the_deadline_follows_the_jurisdiction_setting_of_the_providers_region(
    desk: Desk,
) -> None:
    bureau = await desk.as_(BUREAU)
    city = await desk.client.get("/catalog/settings/370300", headers=bureau)
    assert city.json() == {"region": "370300", "objection_deadline_days": 15, "defined_by": ""}
    set_county = await desk.client.put(
        "/catalog/settings/370303", json={"objection_deadline_days": 5}, headers=bureau
    )
    assert set_county.status_code == 200, set_county.text

    county_rid = await desk.register(COUNTY_PROVIDER)
    city_rid = await desk.register()
    assert (await desk.object_to(county_rid))["due_on"] == "2026-03-07"
    assert (await desk.object_to(city_rid))["due_on"] == "2026-03-17"

    county_bureau = Principal(
        user_id="u-cb", org_id="org-370303-bureau", role=Role.BUREAU, region="370303"
    )
    above = await desk.client.put(
        "/catalog/settings/370300",
        json={"objection_deadline_days": 30},
        headers=await desk.as_(county_bureau),
    )
    assert above.status_code == 403
    elsewhere = await desk.client.put(
        "/catalog/settings/370100", json={"objection_deadline_days": 30}, headers=bureau
    )
    assert elsewhere.status_code == 422 and elsewhere.json()["errors"][0]["field"] == "region"
    too_long = await desk.client.put(
        "/catalog/settings/370300", json={"objection_deadline_days": 400}, headers=bureau
    )
    assert too_long.status_code == 400
    assert (await desk.client.get("/catalog/settings/370303", headers=bureau)).json()[
        "objection_deadline_days"
    ] == 5


async def test_CAT_5_objections_are_read_only_by_those_concerned(desk: Desk) -> None:
    rid = await desk.register()
    raised = await desk.object_to(rid, who=CITIZEN)
    path = f"/catalog/objections/{raised['objection_id']}"
    for who, status in ((CITIZEN, 200), (TAX, 200), (BUREAU, 200), (MARKET, 403), (DEVELOPER, 403)):
        r = await desk.client.get(path, headers=await desk.as_(who))
        assert r.status_code == status, (who.org_id, r.text)
    missing = await desk.client.post(
        "/catalog/objections/",
        json={"resource_id": "nope", "description": "x"},
        headers=await desk.as_(DEVELOPER),
    )
    assert missing.status_code == 422 and missing.json()["rule"] == "CAT-5"
    assert await desk.p.running["catalog"].store.count(OBJECTIONS) == 1
