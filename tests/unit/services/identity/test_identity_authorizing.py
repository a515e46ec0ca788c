"""Operator authorization decisions (AUTH-1..10), pure: decide(state, command, facts) ->
events, evolve, and the contract events other services receive."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import msgspec
import pytest

from contracts import events as contract
from contracts.envelope import SYSTEM_ACTOR
from contracts.errors import Conflict, DomainError, Forbidden, IllegalTransition
from services.identity.domain import authorizing as cmd
from services.identity.domain.agreement import ActiveAgreement, AuthorizationMode, Scope
from services.identity.domain.authorization import (
    TRANSITIONS,
    SelectionMode,
    State,
    evolve_all,
)
from services.identity.domain.dates import add_months, local_date
from tests.unit.services.identity.factories import (
    BUREAU,
    DEVELOPER,
    NOW,
    OPERATOR,
    OPERATOR_CODE,
    PROVIDER,
    RIVAL,
    RIVAL_CODE,
    SECTIONS,
    applicant_facts,
    apply,
    drive,
    facts_factory,
    plan_factory,
    record_factory,
    settings_factory,
    tender_factory,
)

BUREAU_COMMANDS: list[cmd.Command] = [
    cmd.CloseApplications(),
    cmd.ScoreApplication("app-op", 90.0),
    cmd.PublicizeResult(),
    cmd.DecideObjection("obj-1", uphold=False, reason="r"),
    cmd.DraftAgreement("agr-1", date(2026, 4, 1), date(2029, 3, 31)),
    cmd.SignAgreement(),
    cmd.DecideRenewal(approve=True, reason="r"),
    cmd.Suspend("r"),
    cmd.Reinstate(),
    cmd.Terminate("penalty", "r"),
    cmd.CancelTender("r"),
]


def events_of(auth_state: str, command: cmd.Command, facts: cmd.Facts) -> list[str]:
    auth, _ = drive(auth_state)
    return [e.kind for e in cmd.decide(auth, command, facts)]


# -- AUTH-1 ------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [PROVIDER, OPERATOR, DEVELOPER], ids=lambda a: a.role.value)
def test_AUTH_1_only_the_bureau_publishes_a_tender(actor: object) -> None:
    with pytest.raises(Forbidden) as refused:
        cmd.decide(None, tender_factory(), facts_factory(actor))  # type: ignore[arg-type]
    assert refused.value.rule == "AUTH-1" and "AUTH-1" in refused.value.detail


@pytest.mark.parametrize("command", BUREAU_COMMANDS, ids=lambda c: type(c).__name__)
def test_AUTH_1_a_provider_never_authorizes_on_its_own(command: cmd.Command) -> None:
    auth, now = drive("drafted")
    with pytest.raises(Forbidden) as refused:
        cmd.decide(auth, command, facts_factory(PROVIDER, now))
    assert refused.value.rule == "AUTH-1"


# -- AUTH-2 ------------------------------------------------------------------------------


def test_AUTH_2_the_three_competitive_modes_and_their_invitations() -> None:
    assert {m.value for m in SelectionMode} == {
        "public_tender",
        "invited_tender",
        "competitive_negotiation",
    }
    for mode in (SelectionMode.INVITED_TENDER, SelectionMode.COMPETITIVE_NEGOTIATION):
        with pytest.raises(DomainError) as refused:
            cmd.decide(None, tender_factory(selection_mode=mode), facts_factory())
        assert refused.value.rule == "AUTH-2" and refused.value.field == "invited_org_ids"
    with pytest.raises(DomainError, match="public tender"):
        cmd.decide(None, tender_factory(invited_org_ids=("org-op",)), facts_factory())


def test_AUTH_2_an_invited_tender_admits_only_invitees() -> None:
    auth = apply(
        None,
        tender_factory(selection_mode=SelectionMode.INVITED_TENDER, invited_org_ids=("org-op",)),
        facts_factory(),
    )
    with pytest.raises(Forbidden) as refused:
        cmd.decide(
            auth,
            cmd.SubmitApplication("a2", record_factory(credit_code=RIVAL_CODE)),
            applicant_facts(RIVAL, RIVAL_CODE),
        )
    assert refused.value.rule == "AUTH-2"
    applied = apply(
        auth,
        cmd.SubmitApplication("a1", record_factory()),
        applicant_facts(OPERATOR, OPERATOR_CODE),
    )
    assert [a.org_id for a in applied.applications] == ["org-op"]


def test_AUTH_2_signing_during_the_publicity_period_is_refused() -> None:
    auth, now = drive("publicized")
    with pytest.raises(IllegalTransition) as refused:
        cmd.decide(auth, cmd.SignAgreement(), facts_factory(now=now + timedelta(days=30)))
    assert refused.value.rule == "AUTH-2"
    assert refused.value.state == "publicized" and refused.value.event == "agreement_signed"


def test_AUTH_2_publicity_closes_only_after_its_period_and_with_no_objection_pending() -> None:
    auth, now = drive("publicized")
    assert auth.publicity_ends_at == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)  # 24:00 in Beijing
    assert cmd.due(auth, now + timedelta(days=6)) is None
    with pytest.raises(DomainError, match="has not ended"):
        cmd.decide(auth, cmd.ClosePublicity(), facts_factory(SYSTEM_ACTOR, now))
    objected = apply(auth, cmd.FileObjection("obj-1", "评分有误"), facts_factory(RIVAL, now))
    later = now + timedelta(days=8)
    assert cmd.due(objected, later) is None
    with pytest.raises(DomainError, match="pending") as refused:
        cmd.decide(objected, cmd.ClosePublicity(), facts_factory(SYSTEM_ACTOR, later))
    assert refused.value.rule == "AUTH-2"
    dismissed = apply(
        objected,
        cmd.DecideObjection("obj-1", uphold=False, reason="依标准评分"),
        facts_factory(now=later),
    )
    assert isinstance(cmd.due(dismissed, later), cmd.ClosePublicity)
    closed = apply(dismissed, cmd.ClosePublicity(), facts_factory(SYSTEM_ACTOR, later))
    assert closed.state is State.PUBLICITY_CLOSED
    assert cmd.due(closed, later) is None  # the sweep is idempotent


def test_AUTH_2_an_upheld_objection_voids_the_result() -> None:
    auth, now = drive("publicized")
    objected = apply(
        auth, cmd.FileObjection("obj-1", "中选单位有安全事件"), facts_factory(RIVAL, now)
    )
    events = cmd.decide(
        objected,
        cmd.DecideObjection("obj-1", uphold=True, reason="异议成立"),
        facts_factory(now=now),
    )
    after = evolve_all(objected, events)
    assert after.state is State.EVALUATING
    assert after.winner_application_id == "" and after.publicity_ends_at is None
    annulled = cmd.published(after, events[0])
    assert isinstance(annulled, contract.SelectionAnnulled)
    assert annulled.operator_org_id == "org-op"


def test_AUTH_2_objections_are_filed_only_during_the_period_and_not_by_the_bureau() -> None:
    auth, now = drive("publicized")
    with pytest.raises(DomainError) as late:
        cmd.decide(
            auth,
            cmd.FileObjection("o", "晚了"),
            facts_factory(RIVAL, now + timedelta(days=7, hours=15)),
        )
    assert late.value.rule == "AUTH-2"
    with pytest.raises(Forbidden):
        cmd.decide(auth, cmd.FileObjection("o", "x"), facts_factory(BUREAU, now))


def test_AUTH_2_every_application_is_scored_and_a_tie_is_not_a_result() -> None:
    auth = apply(None, tender_factory(), facts_factory())
    auth = apply(
        auth,
        cmd.SubmitApplication("a1", record_factory()),
        applicant_facts(OPERATOR, OPERATOR_CODE),
    )
    auth = apply(
        auth,
        cmd.SubmitApplication("a2", record_factory(credit_code=RIVAL_CODE)),
        applicant_facts(RIVAL, RIVAL_CODE),
    )
    auth = apply(auth, cmd.CloseApplications(), facts_factory())
    auth = apply(auth, cmd.ScoreApplication("a1", 80.0), facts_factory())
    with pytest.raises(DomainError, match="a2 not yet") as unscored:
        cmd.decide(auth, cmd.PublicizeResult(), facts_factory())
    assert unscored.value.rule == "AUTH-2"
    tied = apply(auth, cmd.ScoreApplication("a2", 80.0), facts_factory())
    with pytest.raises(Conflict, match="share the best score"):
        cmd.decide(tied, cmd.PublicizeResult(), facts_factory())
    ranked = apply(tied, cmd.ScoreApplication("a2", 85.5), facts_factory())
    result = apply(ranked, cmd.PublicizeResult(), facts_factory())
    assert result.operator_org_id == "org-rival"
    with pytest.raises(DomainError, match="between 0 and 100"):
        cmd.decide(auth, cmd.ScoreApplication("a1", 101.0), facts_factory())


def test_AUTH_2_no_evaluation_without_an_application() -> None:
    auth = apply(None, tender_factory(), facts_factory())
    with pytest.raises(DomainError, match="no application") as refused:
        cmd.decide(auth, cmd.CloseApplications(), facts_factory())
    assert refused.value.rule == "AUTH-2"


# -- AUTH-3, AUTH-4 ------------------------------------------------------------------------


def test_AUTH_3_term_longer_than_jurisdiction_max_is_refused() -> None:
    auth, now = drive("drafted")
    assert auth.agreement is not None
    long = replace(
        auth, agreement=replace(auth.agreement, ends_on=auth.agreement.ends_on + timedelta(days=1))
    )
    with pytest.raises(DomainError) as refused:
        cmd.decide(long, cmd.SignAgreement(), facts_factory(now=now))
    assert refused.value.rule == "AUTH-3" and refused.value.field == "ends_on"
    weifang = facts_factory(now=now, settings=settings_factory(region="370700", max_term_years=5))
    assert [e.kind for e in cmd.decide(long, cmd.SignAgreement(), weifang)] == ["agreement_signed"]


def test_AUTH_3_a_term_of_exactly_the_maximum_signs() -> None:
    auth, now = drive("drafted")
    assert [e.kind for e in cmd.decide(auth, cmd.SignAgreement(), facts_factory(now=now))] == [
        "agreement_signed"
    ]


def test_AUTH_3_a_term_already_begun_must_be_redrafted() -> None:
    auth, now = drive("drafted")
    with pytest.raises(DomainError, match="before today") as refused:
        cmd.decide(auth, cmd.SignAgreement(), facts_factory(now=now + timedelta(days=5)))
    assert refused.value.rule == "AUTH-3"


@pytest.mark.parametrize("missing", sorted(SECTIONS))
def test_AUTH_4_signing_is_refused_while_a_required_section_is_missing(missing: str) -> None:
    auth, now = drive("drafted")
    assert auth.agreement is not None
    sections = {k: v for k, v in SECTIONS.items() if k != missing}
    lacking = replace(auth, agreement=replace(auth.agreement, sections=sections))
    with pytest.raises(DomainError) as refused:
        cmd.decide(lacking, cmd.SignAgreement(), facts_factory(now=now))
    assert refused.value.rule == "AUTH-4" and missing in refused.value.detail


def test_AUTH_4_unknown_sections_are_refused_at_drafting() -> None:
    auth, now = drive("publicity_closed")
    draft = cmd.DraftAgreement("agr", date(2026, 4, 1), date(2029, 3, 31), {"gossip": "x"})
    with pytest.raises(DomainError, match="unknown section") as refused:
        cmd.decide(auth, draft, facts_factory(now=now))
    assert refused.value.rule == "AUTH-4"


# -- AUTH-5 ------------------------------------------------------------------------------


def test_AUTH_5_renewal_is_accepted_only_inside_the_last_three_months() -> None:
    auth, _ = drive("active")
    assert auth.agreement is not None
    end = auth.agreement.ends_on
    opens = add_months(end, -3)

    def at(day: date) -> cmd.Facts:
        return facts_factory(OPERATOR, NOW.replace(year=day.year, month=day.month, day=day.day))

    proposal = cmd.ApplyForRenewal(end.replace(year=end.year + 3))
    with pytest.raises(DomainError) as early:
        cmd.decide(auth, proposal, at(opens - timedelta(days=1)))
    assert early.value.rule == "AUTH-5"
    assert [e.kind for e in cmd.decide(auth, proposal, at(opens))] == ["renewal_applied"]
    assert [e.kind for e in cmd.decide(auth, proposal, at(end))] == ["renewal_applied"]
    with pytest.raises(DomainError) as too_long:
        cmd.decide(auth, cmd.ApplyForRenewal(end.replace(year=end.year + 4)), at(end))
    assert too_long.value.rule == "AUTH-3"


def test_AUTH_5_only_the_operator_applies_and_an_approval_extends_the_term() -> None:
    auth, _ = drive("active")
    assert auth.agreement is not None
    end = auth.agreement.ends_on
    inside = NOW.replace(year=end.year, month=end.month, day=1)
    with pytest.raises(Forbidden):
        cmd.decide(auth, cmd.ApplyForRenewal(end), facts_factory(RIVAL, inside))
    pending = apply(
        auth, cmd.ApplyForRenewal(end.replace(year=end.year + 2)), facts_factory(OPERATOR, inside)
    )
    events = cmd.decide(
        pending, cmd.DecideRenewal(approve=True, reason="评估合格"), facts_factory(now=inside)
    )
    renewed = evolve_all(pending, events)
    assert renewed.state is State.ACTIVE
    assert renewed.agreement is not None and renewed.agreement.ends_on == end.replace(
        year=end.year + 2
    )
    event = cmd.published(renewed, events[0])
    assert (
        isinstance(event, contract.AgreementRenewed) and event.ends_on == renewed.agreement.ends_on
    )
    rejected = apply(
        pending, cmd.DecideRenewal(approve=False, reason="评估不合格"), facts_factory(now=inside)
    )
    assert rejected.state is State.ACTIVE and rejected.renewals[-1].decision == "rejected"


# -- AUTH-6, AUTH-7 ----------------------------------------------------------------------


def test_AUTH_6_suspension_sets_a_correction_deadline_from_the_settings() -> None:
    auth, now = drive("active")
    facts = facts_factory(now=now, settings=settings_factory(correction_days=15))
    suspended = apply(auth, cmd.Suspend("违规对外提供数据"), facts)
    assert suspended.suspension is not None
    assert suspended.suspension.correction_due == local_date(now) + timedelta(days=15)


def test_AUTH_6_a_correction_after_the_deadline_is_refused_and_then_termination_follows() -> None:
    auth, now = drive("suspended")
    assert auth.suspension is not None
    due = auth.suspension.correction_due
    after = NOW.replace(year=due.year, month=due.month, day=due.day) + timedelta(days=1)
    with pytest.raises(DomainError) as late:
        cmd.decide(auth, cmd.ReportCorrection("迟交"), facts_factory(OPERATOR, after))
    assert late.value.rule == "AUTH-6"
    with pytest.raises(DomainError, match="has not passed") as early:
        cmd.decide(auth, cmd.Terminate("not_corrected", "逾期未整改"), facts_factory(now=now))
    assert early.value.rule == "AUTH-6"
    ended = apply(auth, cmd.Terminate("not_corrected", "逾期未整改"), facts_factory(now=after))
    assert ended.state is State.TERMINATED


def test_AUTH_6_termination_grounds_depend_on_the_state() -> None:
    auth, now = drive("active")
    with pytest.raises(DomainError) as refused:
        cmd.decide(auth, cmd.Terminate("not_corrected", "x"), facts_factory(now=now))
    assert refused.value.rule == "AUTH-6" and refused.value.field == "ground"
    reported, now = drive("correction_reported")
    assert apply(reported, cmd.Reinstate(), facts_factory(now=now)).state is State.ACTIVE
    ended = apply(
        reported, cmd.Terminate("correction_rejected", "整改不到位"), facts_factory(now=now)
    )
    assert ended.state is State.TERMINATED and ended.end_reason.startswith("correction_rejected")


@pytest.mark.parametrize(
    ("state", "command", "expected"),
    [
        ("active", cmd.Suspend("违规"), contract.AgreementSuspended),
        ("active", cmd.Terminate("penalty", "受到行政处罚"), contract.AgreementTerminated),
        ("suspended", cmd.Terminate("penalty", "受到行政处罚"), contract.AgreementTerminated),
        ("correction_reported", cmd.Reinstate(), contract.AgreementReinstated),
        ("drafted", cmd.SignAgreement(), contract.AgreementSigned),
    ],
)
def test_AUTH_7_suspension_termination_and_signing_reach_other_services(
    state: str, command: cmd.Command, expected: type[contract.Event]
) -> None:
    auth, now = drive(state)
    events = cmd.decide(auth, command, facts_factory(now=now))
    after = evolve_all(auth, events)
    event = cmd.published(after, events[0])
    assert isinstance(event, expected)
    fields = msgspec.structs.asdict(event)
    assert fields["operator_org_id"] == "org-op" and fields["agreement_id"] == "agr-1"


def test_AUTH_7_expiry_comes_from_the_sweep_after_the_last_day_and_is_published() -> None:
    auth, _ = drive("active")
    assert auth.agreement is not None
    end = auth.agreement.ends_on
    last_day = NOW.replace(year=end.year, month=end.month, day=end.day)
    assert cmd.due(auth, last_day) is None
    day_after = last_day + timedelta(days=1)
    command = cmd.due(auth, day_after)
    assert isinstance(command, cmd.Expire)
    with pytest.raises(Forbidden):
        cmd.decide(auth, command, facts_factory(BUREAU, day_after))
    events = cmd.decide(auth, command, facts_factory(SYSTEM_ACTOR, day_after))
    expired = evolve_all(auth, events)
    assert expired.state is State.EXPIRED and TRANSITIONS[expired.state] == {}
    assert isinstance(cmd.published(expired, events[0]), contract.AgreementExpired)
    assert cmd.due(expired, day_after) is None


# -- AUTH-8 ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["transfer", "subcontract"])
@pytest.mark.parametrize("state", ["active", "suspended", "drafted"])
def test_AUTH_8_transfer_or_subcontracting_is_always_refused(kind: str, state: str) -> None:
    auth, now = drive(state)
    for actor in (OPERATOR, BUREAU):
        with pytest.raises(DomainError) as refused:
            cmd.decide(
                auth, cmd.TransferOperationRight("org-other", kind), facts_factory(actor, now)
            )
        assert refused.value.rule == "AUTH-8"
        assert ("subcontracted" if kind == "subcontract" else "transferred") in refused.value.detail
        assert "subsidiaries" in refused.value.detail


# -- AUTH-9 ------------------------------------------------------------------------------


def test_AUTH_9_an_operator_registered_as_such_applies_once() -> None:
    auth, _ = drive("tender_published")
    with pytest.raises(Forbidden) as not_operator:
        cmd.decide(auth, cmd.SubmitApplication("a", record_factory()), facts_factory(DEVELOPER))
    assert not_operator.value.rule == "AUTH-9"
    applied = apply(
        auth, cmd.SubmitApplication("a", record_factory()), applicant_facts(OPERATOR, OPERATOR_CODE)
    )
    with pytest.raises(Conflict) as twice:
        cmd.decide(
            applied,
            cmd.SubmitApplication("b", record_factory()),
            applicant_facts(OPERATOR, OPERATOR_CODE),
        )
    assert twice.value.rule == "AUTH-9"


# -- AUTH-10 -----------------------------------------------------------------------------


def test_AUTH_10_whole_is_the_default_and_domain_and_individual_name_their_scope() -> None:
    assert apply(None, tender_factory(), facts_factory()).scope.mode is AuthorizationMode.WHOLE
    with pytest.raises(DomainError) as domain:
        cmd.decide(
            None, tender_factory(scope=Scope(mode=AuthorizationMode.DOMAIN)), facts_factory()
        )
    assert domain.value.rule == "AUTH-10"
    with pytest.raises(DomainError) as individual:
        cmd.decide(
            None, tender_factory(scope=Scope(mode=AuthorizationMode.INDIVIDUAL)), facts_factory()
        )
    assert individual.value.rule == "AUTH-10"
    medical = Scope(
        mode=AuthorizationMode.DOMAIN, domain="healthcare", industry_authority_org_id="org-health"
    )
    assert apply(None, tender_factory(scope=medical), facts_factory()).scope.domain == "healthcare"


@pytest.mark.parametrize(
    ("mine", "other", "refused"),
    [
        (Scope(), Scope(), True),
        (Scope(mode=AuthorizationMode.INDIVIDUAL, resources=("r1",)), Scope(), False),
        (Scope(), Scope(mode=AuthorizationMode.INDIVIDUAL, resources=("r1",)), False),
        (
            Scope(mode=AuthorizationMode.DOMAIN, domain="health", industry_authority_org_id="h"),
            Scope(mode=AuthorizationMode.DOMAIN, domain="health", industry_authority_org_id="h"),
            True,
        ),
        (
            Scope(mode=AuthorizationMode.DOMAIN, domain="health", industry_authority_org_id="h"),
            Scope(mode=AuthorizationMode.DOMAIN, domain="transport", industry_authority_org_id="t"),
            False,
        ),
    ],
)
def test_AUTH_10_whole_and_domain_are_exclusive_individual_is_not(
    mine: Scope, other: Scope, refused: bool
) -> None:
    auth, now = drive("drafted", scope=mine)
    facts = facts_factory(
        now=now,
        other_active=(ActiveAgreement("auth-other", other),),
        implementation_plan=plan_factory(mine.mode.value),
    )
    if refused:
        with pytest.raises(Conflict) as conflict:
            cmd.decide(auth, cmd.SignAgreement(), facts)
        assert conflict.value.rule == "AUTH-10"
    else:
        assert [e.kind for e in cmd.decide(auth, cmd.SignAgreement(), facts)] == [
            "agreement_signed"
        ]


def test_AUTH_2_tender_and_publicity_are_published_for_disclosure() -> None:
    events = cmd.decide(None, tender_factory(), facts_factory())
    auth = evolve_all(None, events)
    tender = cmd.published(auth, events[0])
    assert isinstance(tender, contract.TenderPublished) and tender.selection_mode == "public_tender"
    publicized, _ = drive("publicized")
    assert publicized.publicity_ends_at is not None
    assert publicized.winner is not None and publicized.winner.score == 90.0
