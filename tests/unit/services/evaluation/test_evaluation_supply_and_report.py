"""Provider supply score (EVA-4), resource contribution (EVA-6), the annual report's
content hash (EVA-1) and the projection of events into facts, pure or store-free."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from contracts.canonical import sha256_hex
from contracts.envelope import SYSTEM_ACTOR, new_envelope
from contracts.errors import DomainError
from contracts.events import InvoiceIssued, ScenarioFiled
from services.evaluation.domain import annual_report
from services.evaluation.domain.supply import Contribution, SupplyCounts, supply_score
from services.evaluation.facts import fact_of

NOW = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)
STATEMENTS = {k: f"{k} 说明" for k in annual_report.STATEMENTS}


def test_EVA_4_publication_and_objection_handling_make_the_score() -> None:
    score = supply_score(
        SupplyCounts(
            provider_org_id="org-tax",
            resources_registered=4,
            resources_published=3,
            objections_resolved_in_time=3,
            objections_escalated=1,
        )
    )
    assert (score.publication_rate, score.objection_handling, score.score) == (
        Decimal("75.00"),
        Decimal("75.00"),
        Decimal("75.00"),
    )


def test_EVA_4_no_objection_is_full_handling_and_nothing_registered_is_zero_supply() -> None:
    score = supply_score(SupplyCounts(provider_org_id="org-tax"))
    assert score.objection_handling == Decimal(100) and score.publication_rate == Decimal(0)


def test_EVA_6_contribution_index_weighs_grants_products_and_usage() -> None:
    c = Contribution(
        resource_id="r",
        provider_org_id="p",
        applications_approved=2,
        scenarios=2,
        products=1,
        usage_quantity=250,
    )
    assert c.index == 20 + 20 + 2


def file(**overrides: object) -> annual_report.AnnualReport:
    fields: dict[str, object] = {
        "report_id": "report-org-op-2026",
        "region": "370300",
        "operator_org_id": "org-op",
        "year": 2026,
        "figures": {"scenarios_total": 3},
        "statements": STATEMENTS,
        "now": NOW,
        "user_id": "u",
        "previous": None,
    }
    return annual_report.file(**(fields | overrides))  # type: ignore[arg-type]


def test_EVA_1_the_report_is_kept_by_the_hash_of_its_canonical_content() -> None:
    report = file()
    expected = sha256_hex(
        {
            "operator_org_id": "org-op",
            "year": 2026,
            "figures": {"scenarios_total": 3},
            "statements": STATEMENTS,
        }
    )
    assert report.content_hash == expected and report.revision == 1
    revised = file(previous=report, figures={"scenarios_total": 4})
    assert revised.revision == 2 and revised.content_hash != expected


def test_EVA_1_every_aspect_is_stated() -> None:
    with pytest.raises(DomainError) as refused:
        file(statements=STATEMENTS | {"market_operation": ""})
    assert refused.value.rule == "EVA-1" and refused.value.field == "market_operation"


def test_facts_take_the_local_year_and_billing_periods_their_own_year() -> None:
    new_year_eve = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 01:00 on 1 January in Zibo
    filed = ScenarioFiled(
        scenario_id="sc-1",
        operator_org_id="org-op",
        name="n",
        domain="d",
        purpose="p",
        expected_value="v",
        scenario_class="commercial",
        next_review_on=NOW.date(),
    )
    fact = fact_of(
        new_envelope(
            filed, region="370300", actor=SYSTEM_ACTOR, subject="sc-1", occurred_at=new_year_eve
        )
    )
    assert fact["year"] == 2027 and fact["scenario_id"] == "sc-1"
    invoice = InvoiceIssued(
        invoice_id="i", customer_org_id="c", period="2026-12", total_fen=5, line_count=1
    )
    billed = fact_of(
        new_envelope(invoice, region="370300", actor=SYSTEM_ACTOR, subject="i", occurred_at=NOW)
    )
    assert billed["year"] == 2026


def test_SEC_3_a_fact_names_the_organization_it_answers_to() -> None:
    """谁运营谁负责: the operator's fact names the operator; a resource's its provider (the
    operator count stays untouched); an event naming none its actor."""
    from contracts.envelope import Actor, Role
    from contracts.events import RevenueDistributed
    from tests.support.billing import resource_registered

    filed = ScenarioFiled(
        scenario_id="sc-1",
        operator_org_id="org-op",
        name="n",
        domain="d",
        purpose="p",
        expected_value="v",
        scenario_class="commercial",
        next_review_on=NOW.date(),
    )
    fact = fact_of(new_envelope(filed, region="370300", actor=SYSTEM_ACTOR, subject="sc-1"))
    assert fact["responsible_org_id"] == "org-op"
    resource = fact_of(resource_registered("res-1", "org-370300-tax"))
    assert resource["responsible_org_id"] == "org-370300-tax"
    assert "operator_org_id" not in resource
    bureau = Actor(org_id="org-370300-bureau", user_id="u-b", role=Role.BUREAU)
    split = RevenueDistributed(
        distribution_id="dist-2026-03",
        period="2026-03",
        government_fen=1,
        operator_fen=1,
        merchants_fen=1,
    )
    distributed = fact_of(new_envelope(split, region="370300", actor=bureau, subject="d"))
    assert distributed["responsible_org_id"] == "org-370300-bureau"
