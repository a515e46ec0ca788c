"""Multi-party review through HTTP in embedded mode (REQ-2, REQ-3, REQ-7): any
rejection rejects at once, providers condition only their own resources, narrowing never
widens, under domain authorization the industry authority reviews (谁授权谁审核), and
risks found in review are their own records."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.request_review.repository import RISKS
from tests.support.request_review import (
    BUREAU,
    DEVELOPER,
    DOMAIN_AGREEMENT,
    HEALTH_AUTHORITY,
    HEALTH_RESOURCE,
    MARKET,
    MARKET_RESOURCE,
    OTHER_CITY_BUREAU,
    SUPERVISOR,
    TAX,
    TAX_RESOURCE,
    Desk,
    Observer,
    open_desk,
    published,
    registered,
    request_line,
    signed,
    standard_city,
    upstream,
)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[tuple[Desk, Observer]]:
    async with open_desk(tmp_path) as opened:
        await standard_city(opened[0].p)
        yield opened


async def _submitted(d: Desk) -> str:
    scenario = await d.file_scenario()
    app = await d.apply(scenario["scenario_id"])
    application_id: str = app["application_id"]
    return application_id


async def test_REQ_3_any_rejection_rejects_the_application(
    desk: tuple[Desk, Observer],
) -> None:
    d, seen = desk
    app_id = await _submitted(d)
    await d.review(app_id, BUREAU)
    rejected = await d.review(app_id, MARKET, "reject")
    assert rejected["status"] == "rejected" and rejected["decision_reason"] == "不同意"
    decided = await seen.wait_for("application.decided")
    assert decided[0].payload.decision == "rejected"  # type: ignore[union-attr]
    # The last reviewer can no longer approve it into a grant.
    late = await d.review(app_id, TAX, expect=409)
    assert late["rule"] == "REQ-3"
    assert not seen.of("grant.issued")


async def test_REQ_3_each_reviewer_reviews_once_and_only_required_reviewers_review(
    desk: tuple[Desk, Observer],
) -> None:
    d, _ = desk
    app_id = await _submitted(d)
    await d.review(app_id, TAX)
    again = await d.review(app_id, TAX, expect=409)
    assert again["rule"] == "REQ-3"
    stranger = await d.review(app_id, HEALTH_AUTHORITY, expect=403)
    assert stranger["rule"] == "REQ-3"
    other_city = await d.review(app_id, OTHER_CITY_BUREAU, expect=403)
    assert other_city["status"] == 403
    assert (await d.post(f"/applications/{app_id}/reviews", {}, DEVELOPER)).status_code == 403


async def test_REQ_3_a_provider_sets_conditions_only_on_its_own_resources(
    desk: tuple[Desk, Observer],
) -> None:
    d, _ = desk
    app_id = await _submitted(d)
    foreign = await d.review(
        app_id,
        TAX,
        resources=[{"resource_id": MARKET_RESOURCE, "items": ["credit_code"]}],
        expect=403,
    )
    assert foreign["rule"] == "REQ-3"
    # The bureau conditions any resource.
    after = await d.review(
        app_id,
        BUREAU,
        resources=[{"resource_id": MARKET_RESOURCE, "masking": {"credit_code": "hash"}}],
    )
    market = next(s for s in after["scope"] if s["resource_id"] == MARKET_RESOURCE)
    assert market["masking"] == {"credit_code": "hash"}


async def test_REQ_2_a_review_never_widens_the_request(desk: tuple[Desk, Observer]) -> None:
    d, _ = desk
    app_id = await _submitted(d)
    widened = await d.review(
        app_id,
        TAX,
        resources=[{"resource_id": TAX_RESOURCE, "items": ["credit_code", "legal_person_id"]}],
        expect=422,
    )
    assert widened["rule"] == "REQ-2" and widened["errors"][0]["field"] == "resources[0].items"
    masked_outside = await d.review(
        app_id,
        TAX,
        resources=[
            {
                "resource_id": TAX_RESOURCE,
                "items": ["credit_code"],
                "masking": {"tax_paid_fen": "round"},
            }
        ],
        expect=422,
    )
    assert masked_outside["rule"] == "REQ-2"
    narrowed = await d.review(
        app_id,
        TAX,
        resources=[{"resource_id": TAX_RESOURCE, "items": ["credit_code"], "row_filter": "a > 1"}],
    )
    tax = next(s for s in narrowed["scope"] if s["resource_id"] == TAX_RESOURCE)
    assert tax["items"] == ["credit_code"] and tax["row_filter"] == "a > 1"
    # A later reviewer cannot restore what was narrowed away.
    restore = await d.review(
        app_id,
        BUREAU,
        resources=[{"resource_id": TAX_RESOURCE, "items": ["credit_code", "tax_paid_fen"]}],
        expect=422,
    )
    assert restore["rule"] == "REQ-2"
    after = await d.review(
        app_id, BUREAU, resources=[{"resource_id": TAX_RESOURCE, "row_filter": "b < 2"}]
    )
    tax = next(s for s in after["scope"] if s["resource_id"] == TAX_RESOURCE)
    assert tax["row_filter"] == "(a > 1) AND (b < 2)"


async def test_REQ_3_under_domain_authorization_the_industry_authority_reviews(
    tmp_path: Path,
) -> None:
    async with open_desk(tmp_path) as (d, seen):
        await standard_city(d.p)
        await upstream(
            d.p,
            signed(
                DOMAIN_AGREEMENT,
                mode="domain",
                domain="医疗健康",
                authority=HEALTH_AUTHORITY.org_id,
            ),
            registered(HEALTH_RESOURCE, HEALTH_AUTHORITY, ["visit_count"]),
            published(HEALTH_RESOURCE, HEALTH_AUTHORITY, ["visit_count"]),
        )
        scenario = await d.file_scenario(domain="医疗健康")
        app = await d.apply(
            scenario["scenario_id"],
            resources=[
                request_line(TAX_RESOURCE, "credit_code"),
                request_line(HEALTH_RESOURCE, "visit_count"),
            ],
        )
        assert app["agreement_id"] == DOMAIN_AGREEMENT and app["agreement_mode"] == "domain"
        assert [(r["party"], r["org_id"]) for r in app["required_reviewers"]] == [
            ("industry_authority", HEALTH_AUTHORITY.org_id),
            ("provider", HEALTH_AUTHORITY.org_id),
            ("provider", TAX.org_id),
        ]
        app_id = app["application_id"]
        bureau = await d.review(app_id, BUREAU, expect=403)
        assert bureau["rule"] == "REQ-3"
        # The authority conditions any resource, the tax bureau's too.
        await d.review(
            app_id,
            HEALTH_AUTHORITY,
            resources=[{"resource_id": TAX_RESOURCE, "masking": {"credit_code": "tokenize"}}],
        )
        done = await d.review(app_id, TAX)
        assert done["status"] == "approved" and done["grant_id"]
        await seen.wait_for("grant.issued")
        # Its authority sees it; the bureau as supervisor of all sees it too.
        assert (await d.get(f"/applications/{app_id}", HEALTH_AUTHORITY)).status_code == 200


async def test_REQ_7_a_risk_found_in_review_is_its_own_record(
    desk: tuple[Desk, Observer],
) -> None:
    d, seen = desk
    app_id = await _submitted(d)
    r = await d.post(
        f"/applications/{app_id}/risks",
        {"severity": "high", "description": "申请字段组合可重识别个人"},
        TAX,
    )
    assert r.status_code == 201, r.text
    risk = r.json()
    assert risk["reporter_org_id"] == TAX.org_id and risk["application_id"] == app_id
    reported = await seen.wait_for("risk.reported")
    assert reported[0].payload.severity == "high"  # type: ignore[union-attr]
    listed = (await d.get("/risks", BUREAU)).json()
    assert [x["risk_id"] for x in listed["items"]] == [risk["risk_id"]]
    assert (await d.get(f"/risks?application_id={app_id}", SUPERVISOR)).json()["total"] == 1
    assert (await d.get("/risks", TAX)).status_code == 403
    assert (await d.get("/risks", DEVELOPER)).status_code == 403
    outsider = await d.post(
        f"/applications/{app_id}/risks", {"severity": "low", "description": "x"}, HEALTH_AUTHORITY
    )
    assert outsider.status_code == 403 and outsider.json()["rule"] == "REQ-3"
    bad = await d.post(
        f"/applications/{app_id}/risks", {"severity": "huge", "description": "x"}, TAX
    )
    assert bad.status_code == 400
    assert await d.p.running["request_review"].store.count(RISKS) == 1
