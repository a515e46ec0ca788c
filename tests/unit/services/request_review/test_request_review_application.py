"""Applications and their review, pure (REQ-1 … REQ-4, REQ-6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from contracts.confidentiality import Confidentiality
from contracts.errors import Conflict, DomainError, Forbidden, IllegalTransition
from contracts.events import ApplicationDecided, ReviewRecorded
from services.request_review.domain.application import (
    Narrowing,
    RecordReview,
    RequestedItem,
    RequestLine,
    outstanding_reviewers,
    record_review,
    reopen,
    submit,
    visible_to,
)
from tests.unit.services.request_review.factories import (
    NOW,
    agreement_factory,
    application_factory,
    command_factory,
    developer_factory,
    line,
    resource_factory,
    scenario_factory,
)

RESOURCES = {r.resource_id: r for r in (resource_factory(), resource_factory("res-market"))}


def attempt(**overrides: object) -> DomainError:
    values: dict[str, object] = {
        "application_id": "app-1",
        "scenario": scenario_factory(),
        "developer": developer_factory(),
        "agreement": agreement_factory(),
        "resources": RESOURCES,
        "now": NOW,
    }
    cmd = overrides.pop("cmd", command_factory())
    values.update(overrides)
    with pytest.raises(DomainError) as refused:
        submit(cmd, **values)  # type: ignore[arg-type]
    return refused.value


def review(
    who: str, decision: str = "approve", *narrowing: Narrowing, role: str = "provider"
) -> RecordReview:
    return RecordReview(
        reviewer_org_id=who,
        reviewer_user_id=f"u-{who}",
        reviewer_role=role,
        reviewer_confidentiality=Confidentiality(user_id=f"u-{who}", person=False),
        decision=decision,
        opinion="意见",
        narrowing=narrowing,
    )


BUREAU = review("org-bureau", role="bureau")


def test_REQ_1_an_application_names_one_scenario_and_its_reviewers() -> None:
    app = application_factory()
    assert app.scenario_id == "scn-1" and app.scenario_class == "commercial"
    assert [(s.party, s.org_id) for s in app.reviewers] == [
        ("bureau", ""),
        ("provider", "org-market"),
        ("provider", "org-tax"),
    ]
    assert [s.items for s in app.scope] == [("a", "b"), ("a",)]


def test_REQ_2_each_item_needs_a_justification() -> None:
    blank = RequestLine(resource_id="res-tax", items=(RequestedItem(name="a", justification=" "),))
    refused = attempt(cmd=command_factory(resources=(blank,)))
    assert (refused.rule, refused.field) == ("REQ-2", "resources[0].items[0].justification")


@pytest.mark.parametrize(
    ("resources", "field"),
    [
        ((), "resources"),
        ((line("res-tax"),), "resources[0].items"),
        ((line("res-tax", "a", "a"),), "resources[0].items[1].name"),
        ((line("res-tax", "a"), line("res-tax", "b")), "resources[1].resource_id"),
    ],
)
def test_REQ_2_a_request_names_each_resource_and_item_once(
    resources: tuple[RequestLine, ...], field: str
) -> None:
    refused = attempt(cmd=command_factory(resources=resources))
    assert (refused.rule, refused.field) == ("REQ-2", field)


def test_REQ_4_each_precondition_names_the_failing_part() -> None:
    assert attempt(developer=None).field == "developer_org_id"
    removed = developer_factory(removed_at=NOW)
    assert "removed" in attempt(developer=removed).detail
    assert attempt(agreement=None).field == "agreement"
    suspended = agreement_factory(suspended_at=NOW)
    assert "suspended" in attempt(agreement=suspended).detail
    assert attempt(agreement=agreement_factory(ended="terminated")).field == "agreement"
    assert attempt(resources={"res-market": RESOURCES["res-market"]}).field == (
        "resources[0].resource_id"
    )
    listed = {**RESOURCES, "res-tax": replace(RESOURCES["res-tax"], negative_listed=True)}
    assert "negative list" in attempt(resources=listed).detail
    gone = {**RESOURCES, "res-tax": replace(RESOURCES["res-tax"], withdrawn=True)}
    assert "withdrawn" in attempt(resources=gone).detail
    held = {**RESOURCES, "res-tax": replace(RESOURCES["res-tax"], withheld_items=("b",))}
    assert attempt(resources=held).field == "resources[0].items[1].name"
    unpublished = {**RESOURCES, "res-market": resource_factory("res-market", published_items=())}
    assert attempt(resources=unpublished).field == "resources[1].items[0].name"
    for refused in (attempt(developer=None), attempt(resources=held)):
        assert refused.rule == "REQ-4"


def test_REQ_8_a_retired_scenario_takes_no_application() -> None:
    refused = attempt(scenario=scenario_factory(status="retired"))
    assert (refused.rule, refused.field) == ("REQ-8", "scenario_id")


def test_REQ_3_the_last_approval_approves_and_any_rejection_rejects() -> None:
    app = application_factory()
    app, events = record_review(app, review("org-tax"), now=NOW)
    assert app.status == "under_review" and [type(e) for e in events] == [ReviewRecorded]
    app, _ = record_review(app, BUREAU, now=NOW)
    app, events = record_review(app, review("org-market"), now=NOW)
    assert app.status == "approved" and isinstance(events[-1], ApplicationDecided)
    assert events[-1].decision == "approved" and outstanding_reviewers(app) == ()

    rejected, events = record_review(application_factory(), review("org-tax", "reject"), now=NOW)
    assert rejected.status == "rejected"
    assert isinstance(events[-1], ApplicationDecided) and events[-1].decision == "rejected"
    with pytest.raises(IllegalTransition):
        record_review(rejected, BUREAU, now=NOW)


def test_REQ_3_one_review_per_reviewer_and_only_required_reviewers() -> None:
    app, _ = record_review(application_factory(), review("org-tax"), now=NOW)
    with pytest.raises(Conflict):
        record_review(app, review("org-tax"), now=NOW)
    with pytest.raises(Forbidden):
        record_review(app, review("org-health"), now=NOW)
    with pytest.raises(Forbidden):
        record_review(app, review("org-dev", role="developer"), now=NOW)


def test_REQ_3_under_domain_authorization_the_authority_replaces_the_bureau() -> None:
    domain = agreement_factory(mode="domain", domain="金融", industry_authority_org_id="org-tax")
    app = application_factory(agreement=domain)
    assert [(s.party, s.org_id) for s in app.reviewers] == [
        ("industry_authority", "org-tax"),
        ("provider", "org-market"),
        ("provider", "org-tax"),
    ]
    with pytest.raises(Forbidden):
        record_review(app, BUREAU, now=NOW)
    # One review of the authority fills its slots as authority and as provider.
    app, _ = record_review(
        app,
        review("org-tax", "approve", Narrowing(resource_id="res-market", items=("a",))),
        now=NOW,
    )
    assert [(s.party, s.org_id) for s in outstanding_reviewers(app)] == [("provider", "org-market")]


def test_REQ_2_narrowing_only_shrinks_and_conditions_add_up() -> None:
    app = application_factory()
    with pytest.raises(DomainError) as wider:
        record_review(
            app, review("org-tax", "approve", Narrowing("res-tax", items=("a", "c"))), now=NOW
        )
    assert wider.value.rule == "REQ-2"
    with pytest.raises(DomainError):
        record_review(app, review("org-tax", "approve", Narrowing("res-tax", items=())), now=NOW)
    with pytest.raises(DomainError):
        record_review(
            app,
            review("org-tax", "approve", Narrowing("res-tax", items=("a",), masking={"b": "x"})),
            now=NOW,
        )
    with pytest.raises(DomainError):
        record_review(app, review("org-tax", "approve", Narrowing("res-none")), now=NOW)
    with pytest.raises(DomainError):
        record_review(app, review("org-tax", "reject", Narrowing("res-tax")), now=NOW)
    app, _ = record_review(
        app,
        review(
            "org-tax",
            "approve",
            Narrowing("res-tax", items=("b",), row_filter="y > 1", masking={"b": "round"}),
        ),
        now=NOW,
    )
    app, _ = record_review(
        app, replace(BUREAU, narrowing=(Narrowing("res-tax", row_filter="z = 2"),)), now=NOW
    )
    tax = app.scope[0]
    assert tax.items == ("b",) and tax.row_filter == "(y > 1) AND (z = 2)"
    assert tax.masking == {"b": "round"}


def test_REQ_3_a_provider_conditions_only_its_own_resources() -> None:
    with pytest.raises(Forbidden) as refused:
        record_review(
            application_factory(),
            review("org-tax", "approve", Narrowing("res-market", items=("a",))),
            now=NOW,
        )
    assert refused.value.rule == "REQ-3"
    app, _ = record_review(
        application_factory(),
        replace(BUREAU, narrowing=(Narrowing("res-market", items=("a",)),)),
        now=NOW,
    )
    assert app.scope[1].items == ("a",)


def test_REQ_6_reopening_starts_a_new_round_with_the_requested_scope() -> None:
    app, _ = record_review(
        application_factory(),
        review("org-tax", "approve", Narrowing("res-tax", items=("a",))),
        now=NOW,
    )
    app, _ = record_review(app, review("org-market", "reject"), now=NOW)
    again = reopen(app)
    assert again.status == "under_review" and again.round == 2
    assert again.scope[0].items == ("a", "b") and len(outstanding_reviewers(again)) == 3
    with pytest.raises(IllegalTransition):
        reopen(again)


def test_REQ_3_who_sees_an_application() -> None:
    app = application_factory()
    assert visible_to(app, role="bureau", org_id="x")
    assert visible_to(app, role="supervisor", org_id="x")
    assert visible_to(app, role="developer", org_id="org-dev")
    assert not visible_to(app, role="developer", org_id="org-other")
    assert visible_to(app, role="provider", org_id="org-tax")
    assert not visible_to(app, role="provider", org_id="org-health")
    assert not visible_to(app, role="operator", org_id="org-op")


def test_SEC_4_review_admission_in_the_domain_refuses_a_person_without_a_current_agreement() -> (
    None
):
    """The decision lives in ``record_review`` (domain), checked before anything else."""
    today = NOW.date()
    lacking = {
        "not recorded": Confidentiality(user_id="u-org-tax", person=True),
        "expired": Confidentiality(
            user_id="u-org-tax", person=True, until=today - timedelta(days=1)
        ),
    }
    for state, confidentiality in lacking.items():
        cmd = replace(review("org-tax"), reviewer_confidentiality=confidentiality)
        with pytest.raises(Forbidden) as refused:
            record_review(application_factory(), cmd, now=NOW)
        assert refused.value.rule == "SEC-4" and state in str(refused.value)
    # Even a malformed decision is refused for SEC-4 first: no one unvetted weighs in.
    bad = replace(
        review("org-tax", decision="maybe"),
        reviewer_confidentiality=lacking["expired"],
    )
    with pytest.raises(Forbidden):
        record_review(application_factory(), bad, now=NOW)
    current = Confidentiality(user_id="u-org-tax", person=True, until=today)
    app, events = record_review(
        application_factory(), replace(review("org-tax"), reviewer_confidentiality=current), now=NOW
    )
    assert any(r.reviewer_org_id == "org-tax" for r in app.current_reviews)
    assert events
