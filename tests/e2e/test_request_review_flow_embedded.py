"""request-review end to end through HTTP in embedded mode: a scenario filed, an
application submitted, reviewed by the bureau and every provider, and the grant issued
(REQ-1 … REQ-5), with the upstream facts published onto the bus as identity and catalog
would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from contracts.envelope import SYSTEM_ACTOR, new_envelope
from contracts.events import GrantIssued
from services.request_review.commands import upstream as upstream_commands
from services.request_review.commands.applications import ensure_grants
from services.request_review.domain.grant import grant_id_for
from services.request_review.repository import APPLICATIONS, GRANTS
from tests.support.request_review import (
    AGREEMENT,
    BUREAU,
    DEVELOPER,
    MARKET,
    MARKET_RESOURCE,
    OPERATOR,
    TAX,
    TAX_ITEMS,
    TAX_RESOURCE,
    Desk,
    Observer,
    admitted,
    open_desk,
    published,
    registered,
    request_line,
    signed,
    standard_city,
    suspended,
    upstream,
)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[tuple[Desk, Observer]]:
    async with open_desk(tmp_path) as opened:
        await standard_city(opened[0].p)
        yield opened


async def test_REQ_1_to_REQ_5_the_happy_path_ends_in_a_grant_issued(
    desk: tuple[Desk, Observer],
) -> None:
    d, seen = desk
    scenario = await d.file_scenario()
    assert scenario["status"] == "active" and scenario["next_review_on"] == "2027-03-02"
    filed = await seen.wait_for("scenario.filed")
    assert filed[0].payload.scenario_class == "commercial"  # type: ignore[union-attr]

    app = await d.apply(scenario["scenario_id"])
    assert app["status"] == "under_review"
    assert [(r["party"], r["org_id"]) for r in app["required_reviewers"]] == [
        ("bureau", None),  # the bureau reviews as a role, never as org id ""
        ("provider", MARKET.org_id),
        ("provider", TAX.org_id),
    ]
    await seen.wait_for("application.submitted")
    app_id = app["application_id"]

    after_tax = await d.review(
        app_id,
        TAX,
        resources=[
            {
                "resource_id": TAX_RESOURCE,
                "items": ["tax_paid_fen", "credit_code"],
                "row_filter": "tax_year >= 2024",
                "masking": {"credit_code": "tokenize"},
            }
        ],
    )
    assert after_tax["status"] == "under_review"
    await d.review(app_id, MARKET)
    done = await d.review(app_id, BUREAU, expert_opinion="专家组认为风险可控")
    assert done["status"] == "approved" and done["grant_id"]

    decided = await seen.wait_for("application.decided")
    assert decided[0].payload.decision == "approved"  # type: ignore[union-attr]
    issued = (await seen.wait_for("grant.issued"))[0].payload
    assert isinstance(issued, GrantIssued)
    assert issued.grant_id == done["grant_id"]
    assert issued.scenario_class == "commercial"
    assert issued.operator_org_id == OPERATOR.org_id
    by_resource = {r.resource_id: r for r in issued.resources}
    assert by_resource[TAX_RESOURCE].items == ["credit_code", "tax_paid_fen"]
    assert by_resource[TAX_RESOURCE].row_filter == "tax_year >= 2024"
    assert by_resource[TAX_RESOURCE].masking == {"credit_code": "tokenize"}
    assert by_resource[MARKET_RESOURCE].items == ["credit_code"]
    recorded = await seen.wait_for("review.recorded", 3)
    assert {e.payload.reviewer_org_id for e in recorded} >= {TAX.org_id, MARKET.org_id}  # type: ignore[union-attr]

    grant = await d.get(f"/grants/{done['grant_id']}", DEVELOPER)
    assert grant.status_code == 200, grant.text
    body = grant.json()
    assert body["usable_only_in"] == "sandbox" and body["status"] == "active"
    assert body["in_force"] is True
    assert datetime.fromisoformat(body["valid_until"]) > datetime.fromisoformat(body["valid_from"])
    listed = (await d.get("/grants", DEVELOPER)).json()
    assert [g["grant_id"] for g in listed["items"]] == [done["grant_id"]]


async def test_REQ_5_validity_is_capped_at_the_agreement_end(tmp_path: Path) -> None:
    async with open_desk(tmp_path) as (d, seen):
        await upstream(
            d.p,
            signed(AGREEMENT, ends_on=date(2026, 6, 30)),
            admitted(),
            registered(TAX_RESOURCE, TAX, TAX_ITEMS),
            published(TAX_RESOURCE, TAX, TAX_ITEMS),
        )
        scenario = await d.file_scenario()
        app = await d.apply(
            scenario["scenario_id"],
            resources=[request_line(TAX_RESOURCE, "credit_code")],
            wished_valid_until="2027-12-31",
        )
        await d.review(app["application_id"], TAX)
        done = await d.review(app["application_id"], BUREAU)
        grant = (await d.get(f"/grants/{done['grant_id']}", DEVELOPER)).json()
        # The end of 30 June 2026 in China, not the wished end of 2027.
        assert grant["valid_until"] == "2026-06-30T16:00:00Z"
        issued = (await seen.wait_for("grant.issued"))[0].payload
        assert issued.valid_until == datetime(2026, 6, 30, 16, tzinfo=UTC)  # type: ignore[union-attr]


async def test_REQ_5_a_wish_inside_the_agreement_is_kept(desk: tuple[Desk, Observer]) -> None:
    d, _ = desk
    scenario = await d.file_scenario()
    app = await d.apply(
        scenario["scenario_id"],
        resources=[request_line(TAX_RESOURCE, "credit_code")],
        wished_valid_until="2026-09-30",
    )
    await d.review(app["application_id"], TAX)
    done = await d.review(app["application_id"], BUREAU)
    grant = (await d.get(f"/grants/{done['grant_id']}", DEVELOPER)).json()
    assert grant["valid_until"] == "2026-09-30T16:00:00Z"


async def test_REQ_5_a_crash_between_approval_and_grant_is_repaired_at_start(
    desk: tuple[Desk, Observer],
) -> None:
    """The approval's document keeps the grant it decided; ``ensure_grants`` writes any
    grant document a crash left unwritten, with its ``grant.issued``, exactly once."""
    d, seen = desk
    scenario = await d.file_scenario()
    app = await d.apply(
        scenario["scenario_id"], resources=[request_line(TAX_RESOURCE, "credit_code")]
    )
    running = d.p.running["request_review"]
    await d.review(app["application_id"], TAX)
    done = await d.review(app["application_id"], BUREAU)
    await seen.wait_for("grant.issued")
    stored = await running.store.get(APPLICATIONS, app["application_id"])
    assert stored is not None
    # A second approved application whose grant document was never written.
    orphan = {k: v for k, v in stored.items() if k not in ("_version", "_outbox")}
    orphan["_id"] = orphan["application_id"] = "app-crashed"
    orphan["grant_id"] = grant_id_for("app-crashed")
    orphan["issued_grant"] = {
        **stored["issued_grant"],
        "_id": grant_id_for("app-crashed"),
        "grant_id": grant_id_for("app-crashed"),
        "application_id": "app-crashed",
    }
    await running.store.insert(APPLICATIONS, orphan)
    assert await ensure_grants(running.ctx) == 1
    assert await ensure_grants(running.ctx) == 0
    repaired = await d.get(f"/grants/{grant_id_for('app-crashed')}", BUREAU)
    assert repaired.status_code == 200 and repaired.json()["application_id"] == "app-crashed"
    issued = await seen.wait_for("grant.issued", 2)
    assert {e.payload.grant_id for e in issued} == {done["grant_id"], grant_id_for("app-crashed")}  # type: ignore[union-attr]


async def test_AUTH_6_a_suspension_handled_twice_suspends_once(
    desk: tuple[Desk, Observer],
) -> None:
    """Bypassing the inbox: the handler itself is idempotent. 000 §3.4(3): "暂时关闭其数据
    使用权限" — suspended, once, not revoked."""
    d, seen = desk
    scenario = await d.file_scenario()
    app = await d.apply(
        scenario["scenario_id"], resources=[request_line(TAX_RESOURCE, "credit_code")]
    )
    await d.review(app["application_id"], TAX)
    done = await d.review(app["application_id"], BUREAU)
    payload, subject = suspended()
    envelope = new_envelope(payload, region="370300", actor=SYSTEM_ACTOR, subject=subject)
    ctx = d.p.running["request_review"].ctx
    await upstream_commands.follow_agreement(ctx, envelope)
    await upstream_commands.follow_agreement(ctx, envelope)
    paused = await seen.wait_for("grant.suspended")
    assert paused[0].payload.grant_id == done["grant_id"]  # type: ignore[union-attr]
    assert paused[0].causation_id == envelope.event_id
    assert len(seen.of("grant.suspended")) == 1 and seen.of("grant.revoked") == []
    grant = await d.p.running["request_review"].store.get(GRANTS, done["grant_id"])
    assert grant is not None and grant["status"] == "suspended"
    trail = [e.action for e in await ctx.audit.entries(subject=done["grant_id"])]
    assert trail == ["grant.issue", "grant.suspended"]
