"""EVA-3 → AUTH-6 end to end in embedded mode, evaluation and identity together: an order
left unrectified past its deadline suspends the operator's agreement in identity; a
further overdue order after the suspension's own correction deadline terminates it.
The agreement is signed through identity's own commands (the demo loader)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from libs.bus.embedded import EmbeddedBus
from libs.demo import operator as demo_operator
from libs.demo.zibo import OPERATOR as DEMO_OPERATOR
from libs.runtime import Platform
from services.identity.handlers.on_rectification_overdue import apply_overdue
from services.identity.repository import AUTHORIZATIONS
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


async def test_EVA_3_an_unrectified_order_suspends_the_agreement(tmp_path: Path) -> None:
    async with desk(tmp_path, ("identity", "evaluation")) as d:
        assert (await demo_operator.load(d.p.running["identity"].ctx))["agreements"] == 1
        await agreement_in(d.p, "active")
        oid = await order(d, 10)

        d.clock.advance(timedelta(days=11))
        assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 1
        suspended = await agreement_in(d.p, "suspended")
        assert oid in suspended["suspension"]["reason"]
        [event] = await published_eventually(d.p, "agreement.suspended")
        assert event.payload.operator_org_id == OPERATOR.org_id  # type: ignore[union-attr]

        # A second sweep changes nothing; the agreement stays suspended, suspended once.
        assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 0
        await d.settled()
        assert len(published(d.p, "agreement.suspended")) == 1
        assert (await the_agreement(d.p))["state"] == "suspended"


async def test_EVA_3_a_redelivered_overdue_order_is_applied_once(tmp_path: Path) -> None:
    async with desk(tmp_path, ("identity", "evaluation")) as d:
        await demo_operator.load(d.p.running["identity"].ctx)
        await agreement_in(d.p, "active")
        await order(d, 5)
        d.clock.advance(timedelta(days=6))
        await d.call("POST", "/rectifications/deadline-sweep", BUREAU)
        [overdue] = await published_eventually(d.p, "rectification.overdue")
        await agreement_in(d.p, "suspended")

        # Past the suspension's correction deadline a redelivery must not terminate.
        d.clock.advance(timedelta(days=40))
        await apply_overdue(d.p.running["identity"].ctx, overdue)
        assert (await the_agreement(d.p))["state"] == "suspended"


async def test_EVA_3_not_rectified_after_suspension_terminates_the_agreement(
    tmp_path: Path,
) -> None:
    async with desk(tmp_path, ("identity", "evaluation")) as d:
        await demo_operator.load(d.p.running["identity"].ctx)
        await agreement_in(d.p, "active")
        await order(d, 10)
        d.clock.advance(timedelta(days=11))
        await d.call("POST", "/rectifications/deadline-sweep", BUREAU)
        suspended = await agreement_in(d.p, "suspended")
        correction_due = suspended["suspension"]["correction_due"]

        # A further order falls due while the suspension's correction period still runs:
        # AUTH-6 leaves the agreement suspended (the bureau decides on the correction).
        await order(d, 5)
        d.clock.advance(timedelta(days=6))
        assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 1
        await identity_settled(d.p)
        assert (await the_agreement(d.p))["state"] == "suspended"

        # Still not rectified: another order falls due after the correction deadline.
        second = await order(d, 35)
        d.clock.advance(timedelta(days=36))
        today = (d.clock.now() + timedelta(hours=8)).date().isoformat()
        assert today > correction_due
        assert (await d.call("POST", "/rectifications/deadline-sweep", BUREAU))["overdue"] == 1
        ended = await agreement_in(d.p, "terminated")
        assert ended["end_reason"].startswith("not_corrected: ") and second in ended["end_reason"]
        [event] = await published_eventually(d.p, "agreement.terminated")
        assert event.payload.operator_org_id == OPERATOR.org_id  # type: ignore[union-attr]
