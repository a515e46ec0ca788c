"""The annual disclosure report (DIS-2) built from facts: the notice's items for both
parties, the due day and lateness, determinism and the content hash, the year filter."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import msgspec

from contracts.canonical import sha256_hex
from contracts.events import (
    AgreementExpired,
    AgreementRenewed,
    AgreementSigned,
    ApplicationDecided,
    MaxRevenueSet,
    ProductReleased,
    ProductWithdrawn,
    ResourcePublished,
    ResourceRegistered,
    ResourceWithdrawn,
    VerificationSpec,
)
from contracts.topics import topic_for
from services.disclosure.domain.annual_report import (
    FACT_EVENT_TYPES,
    build_content,
    build_report,
    due_on,
    fact_from,
)
from tests.support.disclosure_annual import (
    BUREAU,
    BUREAU_ORG,
    DEVELOPER,
    OPERATOR,
    OPERATOR_ORG,
    PROVIDER,
    PROVIDER_ORG,
    Happened,
    at,
    cap,
    city_year,
    envelope_of,
    facts_of,
    price,
    product,
    suspended,
)
from tests.support.platform import REGION

AFTER_YEAR = datetime(2027, 2, 1, 2, tzinfo=UTC)


def report(events: list[Happened], year: int = 2026) -> dict[str, Any]:
    return build_report(
        facts_of(events), year=year, region=REGION, generated_at=AFTER_YEAR
    ).to_json()


def only(items: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(items) == 1, items
    return items[0]


def test_DIS_2_the_implementing_agency_discloses_itself_its_authorizations_and_fee_caps() -> None:
    body = report(city_year())
    agency = only(body["implementing_agencies"])
    assert agency["agency"] == {
        "org_id": BUREAU_ORG,
        "name": "淄博市大数据局",
        "region": REGION,
        "credit_code": "11370300MB2853210X",
        "contact": "",
    }
    assert only(agency["authorizations"]) == {
        "agreement_id": "agr-1",
        "operator_org_id": OPERATOR_ORG,
        "operator_name": "淄博数据运营有限公司",
        "mode": "whole",
        "domain": "",
        "scope": [],
        "scope_names": [],
        "starts_on": "2026-01-15",
        "ends_on": "2029-01-14",
        "signed_on": "2026-01-15",
        "status": "active",
        "status_on": "2026-01-15",
    }
    assert only(agency["fee_caps"]) == {
        "product_id": "prod-1",
        "product_name": "企业信用评分",
        "unit": "call",
        "cap_fen": 80,
        "set_on": "2026-05-02",
    }
    revenue = only(agency["max_allowed_revenue"])
    assert (revenue["operator_org_id"], revenue["max_revenue_fen"]) == (OPERATOR_ORG, 500_000_000)


def test_DIS_2_the_operator_discloses_itself_resources_products_and_prices() -> None:
    body = report(city_year())
    operator = only(body["operators"])
    assert operator["operator"]["name"] == "淄博数据运营有限公司"
    assert operator["operator"]["credit_code"] == "91370300MA3C4U8X1Y"
    resource = only(operator["authorized_resources"])
    assert (resource["name"], resource["registration_code"]) == ("企业纳税信息", "370300R000001")
    assert (resource["provider_name"], resource["status"]) == ("淄博市税务局", "in_catalog")
    listed = only(operator["products"])
    assert (listed["name"], listed["registration_code"]) == ("企业信用评分", "370300P000001")
    assert (listed["scenario_name"], listed["status"]) == ("普惠金融信用评估", "released")
    concrete = only(operator["prices"])
    assert (concrete["product_name"], concrete["unit"]) == ("企业信用评分", "call")
    assert concrete["unit_price_fen"] == 50
    assert concrete["tiers"] == [{"from_quantity": 1000, "unit_price_fen": 25}]


def test_DIS_2_the_report_is_due_by_31_march_of_the_next_year() -> None:
    facts = facts_of(city_year())
    assert due_on(2026) == date(2027, 3, 31)

    def generated(when: datetime) -> tuple[bool, bool]:
        made = build_report(facts, year=2026, region=REGION, generated_at=when)
        assert made.to_json()["due_on"] == "2027-03-31"
        return made.late, made.provisional

    # 23:59 on 31 March in China is still on time; 00:30 on 1 April (16:30 UTC) is late.
    assert generated(datetime(2027, 3, 31, 15, 59, tzinfo=UTC)) == (False, False)
    assert generated(datetime(2027, 3, 31, 16, 30, tzinfo=UTC)) == (True, False)
    assert generated(datetime(2028, 1, 1, tzinfo=UTC)) == (True, False)
    assert generated(datetime(2026, 7, 1, tzinfo=UTC)) == (False, True)


def test_DIS_2_same_facts_in_any_order_give_the_same_report_and_hash() -> None:
    facts = facts_of(city_year())
    first = build_report(facts, year=2026, region=REGION, generated_at=AFTER_YEAR)
    shuffled = list(facts)
    random.Random(7).shuffle(shuffled)
    again = build_report(shuffled, year=2026, region=REGION, generated_at=AFTER_YEAR)
    assert again.to_json() == first.to_json()
    assert first.content_hash == sha256_hex(dict(first.content))
    assert len(first.content_hash) == 64
    changed = facts_of([*city_year(), price("prod-1", 60, at(2026, 6, 1))])
    other = build_report(changed, year=2026, region=REGION, generated_at=AFTER_YEAR)
    assert other.content_hash != first.content_hash
    assert only(only(other.content["operators"])["prices"])["unit_price_fen"] == 60


def test_DIS_2_facts_of_other_years_are_left_out() -> None:
    events = [
        *city_year(),
        # 2025: an agreement that ended, a product withdrawn, both before 2026.
        Happened(
            AgreementSigned(
                agreement_id="agr-0",
                operator_org_id="org-old-operator",
                mode="individual",
                starts_on=date(2023, 1, 1),
                ends_on=date(2025, 6, 30),
                resource_scope=["res-tax"],
            ),
            "agr-0",
            at(2023, 1, 1),
            BUREAU,
        ),
        Happened(
            AgreementExpired(agreement_id="agr-0", operator_org_id="org-old-operator"),
            "agr-0",
            at(2025, 6, 30),
            BUREAU,
        ),
        product("prod-old", "旧产品", "370300P000000", at(2025, 3, 1)),
        Happened(
            ProductWithdrawn(product_id="prod-old", reason="停用"),
            "prod-old",
            at(2025, 9, 1),
            OPERATOR,
        ),
        # 2027: a later product, price and cap, and next year's max revenue.
        product("prod-2027", "次年产品", "370300P000009", at(2027, 1, 3)),
        price("prod-1", 70, at(2027, 1, 4)),
        cap("prod-1", 90, at(2027, 1, 4)),
        Happened(
            MaxRevenueSet(operator_org_id=OPERATOR_ORG, year=2027, max_revenue_fen=1),
            OPERATOR_ORG,
            at(2026, 12, 1),
            BUREAU,
        ),
        # 17:00 UTC on 31 December is 1 January in China: it belongs to 2027.
        product(
            "prod-newyear", "元旦产品", "370300P000010", datetime(2026, 12, 31, 17, tzinfo=UTC)
        ),
    ]
    body = report(events)
    agency = only(body["implementing_agencies"])
    assert [a["agreement_id"] for a in agency["authorizations"]] == ["agr-1"]
    assert only(agency["fee_caps"])["cap_fen"] == 80
    assert [m["year"] for m in agency["max_allowed_revenue"]] == [2026]
    operator = only(body["operators"])
    assert [p["product_id"] for p in operator["products"]] == ["prod-1"]
    assert only(operator["prices"])["unit_price_fen"] == 50
    later = report(events, year=2027)
    later_products = {p["product_id"] for p in only(later["operators"])["products"]}
    assert later_products == {"prod-1", "prod-2027", "prod-newyear"}
    assert report(events, year=2025)["operators"][0]["operator"]["org_id"] == "org-old-operator"


def test_DIS_2_things_ended_during_the_year_show_their_status_at_year_end() -> None:
    events = [
        *city_year(),
        suspended(at(2026, 9, 1)),
        Happened(
            AgreementRenewed(
                agreement_id="agr-1", operator_org_id=OPERATOR_ORG, ends_on=date(2030, 1, 14)
            ),
            "agr-1",
            at(2026, 10, 1),
            BUREAU,
        ),
        Happened(
            ProductWithdrawn(product_id="prod-1", reason="下架"),
            "prod-1",
            at(2026, 11, 1),
            OPERATOR,
        ),
        Happened(
            ResourceWithdrawn(
                resource_id="res-tax",
                provider_org_id=PROVIDER_ORG,
                registration_code="370300R000002",
                reason="注销",
                cause="cancellation",
            ),
            "res-tax",
            at(2026, 11, 2),
            PROVIDER,
        ),
    ]
    body = report(events)
    agreement = only(only(body["implementing_agencies"])["authorizations"])
    assert (agreement["status"], agreement["status_on"]) == ("suspended", "2026-09-01")
    assert agreement["ends_on"] == "2030-01-14"
    operator = only(body["operators"])
    assert only(operator["products"])["status"] == "withdrawn"
    assert only(operator["products"])["withdrawn_on"] == "2026-11-01"
    assert only(operator["authorized_resources"])["status"] == "withdrawn"
    assert only(operator["prices"])["unit_price_fen"] == 50  # the price of the year stays
    nothing = report(events, year=2027)
    assert only(nothing["operators"])["products"] == []


def test_DIS_2_a_scoped_authorization_lists_only_its_resources() -> None:
    second = [
        Happened(
            ResourceRegistered(
                resource_id="res-market",
                provider_org_id="org-370300-market",
                name="市场主体登记信息",
                description="",
                category="market",
                update_frequency="daily",
                source_system="登记系统",
                items=[],
                registration_code="370300R000002",
                evidence_hash="cd" * 32,
            ),
            "res-market",
            at(2026, 1, 6),
            PROVIDER,
        ),
        Happened(
            ResourcePublished(
                resource_id="res-market",
                provider_org_id="org-370300-market",
                registration_code="370300R000002",
                evidence_hash="cd" * 32,
                items=[],
            ),
            "res-market",
            at(2026, 1, 11),
            BUREAU,
        ),
    ]
    scoped = [
        replace(
            e,
            payload=msgspec.structs.replace(
                e.payload, mode="domain", domain="finance", resource_scope=["企业纳税信息"]
            ),
        )
        if isinstance(e.payload, AgreementSigned)
        else e
        for e in city_year()
    ]
    body = report([*scoped, *second])
    operator = only(body["operators"])
    assert [r["resource_id"] for r in operator["authorized_resources"]] == ["res-tax"]
    agreement = only(only(body["implementing_agencies"])["authorizations"])
    assert (agreement["mode"], agreement["domain"]) == ("domain", "finance")
    assert agreement["scope_names"] == ["企业纳税信息"]
    whole = only(report([*city_year(), *second])["operators"])
    assert [r["registration_code"] for r in whole["authorized_resources"]] == [
        "370300R000001",
        "370300R000002",
    ]


def test_DIS_2_products_of_an_unknown_operator_are_kept_apart() -> None:
    events = [
        *city_year(),
        Happened(
            AgreementSigned(
                agreement_id="agr-2",
                operator_org_id="org-second-operator",
                mode="individual",
                starts_on=date(2026, 3, 1),
                ends_on=date(2027, 3, 1),
                resource_scope=["res-tax"],
            ),
            "agr-2",
            at(2026, 3, 1),
            BUREAU,
        ),
        product("prod-x", "无场景产品", "370300P000002", at(2026, 6, 1), scenario_id=""),
    ]
    operators = report(events)["operators"]
    by_id = {o["operator"]["org_id"]: o for o in operators}
    assert set(by_id) == {"", OPERATOR_ORG, "org-second-operator"}
    assert [p["product_id"] for p in by_id[""]["products"]] == ["prod-x"]
    assert by_id[""]["authorized_resources"] == []


def test_DIS_2_facts_keep_no_data_values_and_skip_rejections() -> None:
    released = ProductReleased(
        product_id="prod-v",
        version=2,
        name="核验",
        kind="verification",
        developer_org_id="org-dev-1",
        registration_code="370300P000003",
        certificate_id="cert-v",
        verification=VerificationSpec(
            sandbox_id="sbx",
            output_name="o",
            key_column="k",
            answer_column="a",
            answers=["secret-answer"],
        ),
    )
    fact = fact_from(envelope_of(Happened(released, "prod-v", at(2026, 1, 1), OPERATOR)))
    assert fact is not None
    assert "secret-answer" not in repr(fact.data)
    rejected = ApplicationDecided(
        application_id="app-9",
        scenario_id="scn-9",
        developer_org_id="org-dev-1",
        decision="rejected",
    )
    assert fact_from(envelope_of(Happened(rejected, "app-9", at(2026, 1, 1), BUREAU))) is None


def test_DIS_2_an_empty_year_still_names_its_items() -> None:
    content = build_content([], year=2026, region=REGION)
    assert content["implementing_agencies"] == []
    assert content["operators"] == []
    assert content["due_on"] == "2027-03-31"
    assert content["title"] == "2026年度公共数据资源授权运营信息披露报告"


def test_DIS_2_the_agency_is_the_bureau_even_for_system_made_events() -> None:
    from contracts.envelope import SYSTEM_ACTOR

    events = [
        replace(e, actor=SYSTEM_ACTOR) if e.actor in (BUREAU, DEVELOPER) else e for e in city_year()
    ]
    agency = only(report(events)["implementing_agencies"])
    assert agency["agency"]["org_id"] == BUREAU_ORG
    assert len(agency["authorizations"]) == 1
    assert len(agency["fee_caps"]) == 1


def test_DIS_2_every_fact_comes_from_a_topic_disclosure_consumes() -> None:
    missing = [
        f"{t} on {topic_for(t).key}"
        for t in FACT_EVENT_TYPES
        if "disclosure" not in topic_for(t).consumers
    ]
    assert missing == []
