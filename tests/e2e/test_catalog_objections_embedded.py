"""Data-quality objections (异议, CAT-5) in embedded mode through HTTP, on a clock the
test moves: raised and assigned with the jurisdiction's deadline, corrected by the
provider, verified by the bureau before it closes (the objector told), escalated by the
deadline sweep once overdue — and a second sweep changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Envelope, Role, decode
from contracts.events import ObjectionResolved
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.bus.embedded import EmbeddedBus
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.catalog.repository import OBJECTIONS
from tests.support.platform import MARKET, TAX, eventually, keyring, resource_body, settings

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

    async def correct(self, oid: str, who: Principal = TAX) -> dict[str, Any]:
        r = await self.client.post(
            f"/catalog/objections/{oid}/correction",
            json={"resolution": "已按完税证明更正并重新汇聚"},
            headers=await self.as_(who),
        )
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
        return found

    async def verify(self, oid: str, *, verified: bool = True) -> dict[str, Any]:
        r = await self.client.post(
            f"/catalog/objections/{oid}/verification",
            json={"verified": verified, "finding": "抽查20条记录与完税证明一致"},
            headers=await self.as_(BUREAU),
        )
        assert r.status_code == 200, r.text
        found: dict[str, Any] = r.json()
        return found

    def published(self) -> list[Envelope]:
        """Every event on catalog's objection topic, in order."""
        assert isinstance(self.p.bus, EmbeddedBus)
        topic = topic_for("objection.raised").name("370300")
        return [decode(m.value) for m in self.p.bus.read_topic(topic)]

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
        f"/catalog/objections/{raised['objection_id']}/correction",
        json={"resolution": "不是我的"},
        headers=await desk.as_(MARKET),
    )
    assert refused.status_code == 403 and refused.json()["rule"] == "CAT-5"

    desk.clock.advance(timedelta(days=3))
    corrected = await desk.correct(raised["objection_id"])
    assert corrected["status"] == "corrected" and corrected["resolved_at"] == ""
    assert await desk.sweep() == 0


async def test_CAT_5_the_bureau_verifies_the_correction_before_the_objection_closes(
    desk: Desk,
) -> None:
    """潍坊 001 第8条：“实施单位应建立数据质量监测和评价、问题数据纠错、异议核实处理的工作规范，
    对公共数据资源进行校核确认，并督促公共数据资源提供单位在规定期限内完成问题数据的整改。”
    The provider's correction leaves the objection open; only the bureau's verification
    closes it, and the objector can then read what was done."""
    rid = await desk.register()
    raised = await desk.object_to(rid, who=CITIZEN)
    oid = raised["objection_id"]
    path = f"/catalog/objections/{oid}"
    # The provider cannot close it, neither by its correction nor by verifying itself.
    await desk.correct(oid)
    self_verified = await desk.client.post(
        f"{path}/verification",
        json={"verified": True, "finding": "我已核实"},
        headers=await desk.as_(TAX),
    )
    assert self_verified.status_code == 403
    citizen = await desk.as_(CITIZEN)
    waiting = (await desk.client.get(path, headers=citizen)).json()
    assert waiting["status"] == "corrected" and waiting["objector_notice"] == ""

    # Found wanting: back to the provider, with the bureau's reason.
    returned = await desk.client.post(
        f"{path}/verification",
        json={"verified": False, "finding": "仍有3户纳税额不符"},
        headers=await desk.as_(BUREAU),
    )
    assert returned.json()["status"] == "open" and returned.json()["verification"] == (
        "仍有3户纳税额不符"
    )
    too_early = await desk.client.post(
        f"{path}/verification",
        json={"verified": True, "finding": "已核"},
        headers=await desk.as_(BUREAU),
    )
    assert too_early.status_code == 409 and too_early.json()["rule"] == "CAT-5"

    await desk.correct(oid)
    closed = await desk.verify(oid)
    assert closed["status"] == "resolved" and closed["verified_by_org_id"] == BUREAU.org_id
    told = (await desk.client.get(path, headers=citizen)).json()
    assert "已办结" in told["objector_notice"] and "核实确认" in told["objector_notice"]
    assert "抽查20条记录与完税证明一致" in told["objector_notice"]

    audit = await desk.p.running["catalog"].ctx.audit.entries(subject=oid)
    assert [e.action for e in audit] == [
        "objection.raise",
        "objection.correct",
        "objection.return",
        "objection.correct",
        "objection.verify",
    ]

    async def told_on_the_bus() -> list[Envelope] | None:
        mine = [e for e in desk.published() if e.subject == oid]
        return mine if any(e.type == "objection.resolved" for e in mine) else None

    events = await eventually(told_on_the_bus)
    assert [e.type for e in events] == [
        "objection.raised",
        "objection.corrected",
        "objection.returned",
        "objection.corrected",
        "objection.resolved",
    ]
    resolved = events[-1].payload
    assert isinstance(resolved, ObjectionResolved)
    assert (resolved.raised_by_org_id, resolved.verified_by_org_id) == (
        CITIZEN.org_id,
        BUREAU.org_id,
    )


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

    # Late, but the provider can still correct it; the bureau verifies and it closes.
    late = await desk.correct(overdue["objection_id"])
    assert late["status"] == "corrected" and late["escalated_at"]
    assert (await desk.verify(overdue["objection_id"]))["status"] == "resolved"


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
