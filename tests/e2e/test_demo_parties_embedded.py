"""The demo city's parties as ``pdo up`` loads them into identity: every demo
organization with its known id, the operator's active agreement and the demo developer's
admission — the preconditions of REQ-4 — loaded twice without doing anything twice. The
agreement is signed through AUTH-11, AUTH-12 and SEC-2: the emergency plan comes from
evaluation, running beside identity."""

from __future__ import annotations

from pathlib import Path

from contracts.envelope import decode
from contracts.topics import topic_for
from libs.bus.embedded import EmbeddedBus
from libs.demo import operator, zibo
from services.identity.commands.organizations import find_organization
from services.identity.repository import (
    ADMISSIONS,
    AUTHORIZATIONS,
    EMERGENCY_PLANS,
    IMPLEMENTATION_PLANS,
)
from tests.support.platform import platform


def published(tmp: Path, event_type: str) -> list[str]:
    topic = topic_for(event_type).name(zibo.REGION)
    return [decode(m.value).type for m in EmbeddedBus(tmp / "bus.sqlite").read_topic(topic)]


async def test_REQ_4_demo_operator_holds_an_active_agreement_and_the_developer_is_admitted(
    tmp_path: Path,
) -> None:
    p = platform(tmp_path, services=("identity", "evaluation"))
    await p.start()
    try:
        ctx = p.running["identity"].ctx
        evaluation = p.running["evaluation"].ctx
        first = await operator.load(ctx, evaluation)
        assert first == {
            "organizations": 2 + len(zibo.PROVIDERS) + len(zibo.DEVELOPERS),
            "agreements": 1,
            "admissions": len(zibo.DEVELOPERS),
        }
        again = await operator.load(ctx, evaluation)
        assert again == {"organizations": 0, "agreements": 0, "admissions": 0}
        [signed] = await ctx.store.find(AUTHORIZATIONS, {"state": "active"})
        assert signed["collective_decision"]["approved"] and signed["finance_opinion"]
        assert (await ctx.store.get(EMERGENCY_PLANS, signed["_id"])) is not None
        plan = await ctx.store.get(IMPLEMENTATION_PLANS, zibo.REGION)
        assert plan is not None and plan["versions"][0]["filed_on"]
        for org in (zibo.BUREAU, zibo.OPERATOR, *zibo.PROVIDERS, *zibo.DEVELOPERS):
            found = await find_organization(ctx, org.org_id)
            assert found is not None and found.credit_code == org.credit_code
        agreements = await ctx.store.find(AUTHORIZATIONS, {"state": "active"})
        assert [a["operator_org_id"] for a in agreements] == [zibo.OPERATOR.org_id]
        admitted = await ctx.store.find(ADMISSIONS, {"state": "admitted"})
        assert {a["developer_org_id"] for a in admitted} == {d.org_id for d in zibo.DEVELOPERS}
    finally:
        await p.stop()
    assert published(tmp_path, "agreement.signed").count("agreement.signed") == 1
    assert published(tmp_path, "developer.admitted").count("developer.admitted") == 1
