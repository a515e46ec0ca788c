"""EVA-3 → AUTH-6 end to end in embedded mode, evaluation and identity together: an order
left unrectified past its deadline terminates the operator's agreement in identity at
once — no suspension, no second deadline. The agreement is signed through the services'
public HTTP APIs by the demo year up to its agreement (implementation plan, collective
decision, finance opinion, the bureau's emergency plan from evaluation)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from demo.city import OPERATOR as DEMO_OPERATOR
from demo.load import through_app
from libs.bus.embedded import EmbeddedBus
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.identity.commands import authorizations
from services.identity.commands.rectification_overdue import acting_bureau, apply_overdue
from services.identity.domain.authorization import Authorization
from services.identity.domain.authorizing import Suspend
from services.identity.repository import AUTHORIZATIONS, from_doc
from tests.support.evaluation import (
    BUREAU,
    OPERATOR,
    Desk,
    desk,
    published,
    published_eventually,
)
from tests.support.platform import eventually

assert OPERATOR.org_id == DEMO_OPERATOR.org_id


async def the_agreement(p: Platform) -> dict[str, Any]:
    identity = p.running["identity"].ctx
    [doc] = await identity.store.find(AUTHORIZATIONS, {"operator_org_id": OPERATOR.org_id})
    return doc


async def agreement_in(p: Platform, state: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        doc = await the_agreement(p)
        return doc if doc["state"] == state else None

    return await eventually(probe)


async def identity_settled(p: Platform) -> None:
    """Wait until identity has consumed everything published so far."""
    assert isinstance(p.bus, EmbeddedBus)
    bus = p.bus

    async def probe() -> bool:
        return bus.lag("identity") == 0

    await eventually(probe)


async def order(d: Desk, due_in_days: int) -> str:
    due_on = (d.clock.now() + timedelta(hours=8)).date() + timedelta(days=due_in_days)
    made = await d.call(
        "POST",
        "/rectifications/",
        BUREAU,
        {"operator_org_id": OPERATOR.org_id, "finding": "安全整改未落实", "due_on": str(due_on)},
        expect=201,
    )
    oid: str = made["order_id"]
    return oid


async def signed(d: Desk) -> None:
    assert d.p.secrets is not None
    loaded = await through_app(
        gateway(d.p), secrets=d.p.secrets, clock=d.clock, region="370300", through="agreement"
    )
    assert loaded.counts["agreements"] == 1
    await agreement_in(d.p, "active")


async def test_EVA_3_an_unrectified_order_terminates_the_agreement_at_once(
    tmp_path: Path,
) -> None:
    """001 art.24: “运营单位应对评估中发现的问题进行限期整改，若整改不到位，终止运营单位授权
    运营期内公共数据资源运营资格” — terminated, not suspended with a new deadline."""
    async with desk(tmp_path, ("identity", "evaluation")) as d:
        await signed(d)
        oid = await order(d, 10)

        d.clock.advance(timedelta(days=11))
        assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 1
        ended = await agreement_in(d.p, "terminated")
        assert ended["end_reason"].startswith("rectification_overdue: ")
        assert oid in ended["end_reason"] and ended["suspension"] is None
        [event] = await published_eventually(d.p, "agreement.terminated")
        assert event.payload.operator_org_id == OPERATOR.org_id  # type: ignore[union-attr]
        assert event.payload.ground == "rectification_overdue"  # type: ignore[union-attr]
        await identity_settled(d.p)
        assert published(d.p, "agreement.suspended") == []

        # A second sweep changes nothing.
        assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 0
        await d.settled()
        assert len(published(d.p, "agreement.terminated")) == 1


async def test_EVA_3_a_redelivered_overdue_order_is_applied_once(tmp_path: Path) -> None:
    """001 art.24: the qualification ends once; a redelivery finds nothing in force."""
    async with desk(tmp_path, ("identity", "evaluation")) as d:
        await signed(d)
        await order(d, 5)
        d.clock.advance(timedelta(days=6))
        await d.call("POST", "/rectifications/deadline-sweep", BUREAU)
        [overdue] = await published_eventually(d.p, "rectification.overdue")
        await agreement_in(d.p, "terminated")

        await apply_overdue(d.p.running["identity"].ctx, overdue)
        await identity_settled(d.p)
        assert (await the_agreement(d.p))["state"] == "terminated"
        assert len(published(d.p, "agreement.terminated")) == 1


async def test_EVA_3_an_overdue_order_ends_a_suspended_agreement_without_a_second_deadline(
    tmp_path: Path,
) -> None:
    """001 art.24: “若整改不到位，终止 … 运营资格” — a suspension's own correction period
    still running is no second grace period for an overdue evaluation order."""
    async with desk(tmp_path, ("identity", "evaluation")) as d:
        await signed(d)
        doc = await the_agreement(d.p)
        bureau = acting_bureau(from_doc(doc, Authorization))
        await authorizations.execute(
            d.p.running["identity"].ctx, bureau, doc["_id"], Suspend("违规对外提供数据")
        )
        suspended = await agreement_in(d.p, "suspended")
        correction_due = suspended["suspension"]["correction_due"]
        await order(d, 5)
        d.clock.advance(timedelta(days=6))
        today = (d.clock.now() + timedelta(hours=8)).date().isoformat()
        assert today < correction_due  # the suspension's own deadline has not passed
        assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 1
        ended = await agreement_in(d.p, "terminated")
        assert ended["end_reason"].startswith("rectification_overdue: ")
