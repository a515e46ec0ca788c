"""The export request state machine: automated checks before any human decision
(EXP-2), four eyes (EXP-6), the operator's review (EXP-1) and appeals (REQ-6)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.confidentiality import Confidentiality
from contracts.errors import Conflict, DomainError, Forbidden, IllegalTransition
from contracts.events import (
    AppealDecided,
    AppealFiled,
    ExportApproved,
    ExportChecked,
    ExportRejected,
)
from services.product_release.domain.check_report import CheckReport, run_checks
from services.product_release.domain.export_request import (
    EVENT_TYPES,
    TERMINAL,
    TRANSITIONS,
    ApproveExport,
    Command,
    ExportEvent,
    ExportRequest,
    ExportState,
    RecordAppeal,
    RecordAppealDecision,
    RecordChecks,
    RejectExport,
    RequestExport,
    advance,
    decide,
    evolve,
    replay,
)
from tests.unit.services.product_release.export_factories import (
    DECLARED,
    DEVELOPER,
    REQUESTER,
    REVIEWER,
    SIGNED,
    count_table,
    export_requested,
    requested_export,
    settings_factory,
)

OUTPUT = "firms_by_district_industry"


def passing_report() -> CheckReport:
    return run_checks(count_table(), settings=settings_factory())


def failing_report() -> CheckReport:
    rows = (("a", "C", 3), ("a", "F", 25), ("b", "C", 18), ("b", "F", 11))
    return run_checks(count_table(rows), settings=settings_factory())


def apply(state: ExportRequest | None, command: Command) -> ExportRequest:
    for event in decide(state, command):
        state = evolve(state, event)
    assert state is not None
    return state


def checked(report: CheckReport | None = None) -> ExportRequest:
    return apply(requested_export(), RecordChecks(report or passing_report()))


def rejected() -> ExportRequest:
    return apply(
        checked(), RejectExport(REVIEWER, "operator", "purpose not covered by grant", **SIGNED)
    )


def appeal(appellant: str = DEVELOPER, subject: str = "exp-1") -> AppealFiled:
    return AppealFiled(
        appeal_id="apl-1",
        subject_kind="export",
        subject_id=subject,
        appellant_org_id=appellant,
        grounds="the output is an aggregate the grant allows",
    )


ALL_PAIRS = [(state, event) for state in ExportState for event in EVENT_TYPES]


@pytest.mark.parametrize(
    ("state", "event"), [p for p in ALL_PAIRS if p[1] not in TRANSITIONS.get(p[0], {})]
)
def test_EXP_2_every_illegal_state_and_event_pair_raises(state: ExportState, event: str) -> None:
    with pytest.raises(IllegalTransition) as caught:
        advance(state, event)
    assert caught.value.state == state.value and caught.value.event == event


@pytest.mark.parametrize(
    ("state", "event"), [p for p in ALL_PAIRS if p[1] in TRANSITIONS.get(p[0], {})]
)
def test_EXP_2_every_legal_pair_moves_as_the_table_says(state: ExportState, event: str) -> None:
    assert advance(state, event) is TRANSITIONS[state][event]


def test_EXP_2_terminal_states_have_no_way_out_and_others_do() -> None:
    for state in ExportState:
        assert (state in TERMINAL) == (not TRANSITIONS.get(state))


def reachable(start: ExportState) -> set[ExportState]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in TRANSITIONS.get(todo.pop(), {}).values():
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_EXP_2_a_failed_check_can_never_reach_approved_in_the_table() -> None:
    assert reachable(ExportState.CHECKS_FAILED) == {ExportState.CHECKS_FAILED}
    assert ExportState.APPROVED in reachable(ExportState.REQUESTED)


def test_EXP_2_approving_an_export_that_failed_its_checks_is_refused() -> None:
    failed = checked(failing_report())
    assert failed.state is ExportState.CHECKS_FAILED
    assert failed.failed_checks == ("minimum_cell_count",)
    with pytest.raises(IllegalTransition) as caught:
        decide(failed, ApproveExport(REVIEWER, "operator", **SIGNED))
    assert caught.value.rule == "EXP-2"


def test_EXP_2_no_human_decision_before_the_automated_checks() -> None:
    with pytest.raises(IllegalTransition) as caught:
        decide(requested_export(), ApproveExport(REVIEWER, "operator", **SIGNED))
    assert caught.value.rule == "EXP-2"


def test_EXP_2_the_approval_carries_the_hash_of_the_passing_report() -> None:
    report = passing_report()
    events = decide(checked(report), ApproveExport(REVIEWER, "operator", **SIGNED))
    assert events == [
        ExportApproved(
            export_id="exp-1",
            sandbox_id="sbx-1",
            output_name=OUTPUT,
            reviewer_user_id=REVIEWER,
            check_report_hash=report.content_hash,
        )
    ]


def test_EXP_2_a_report_about_another_output_is_refused() -> None:
    other = run_checks(count_table(name="something_else"), settings=settings_factory())
    with pytest.raises(DomainError, match="covers"):
        decide(requested_export(), RecordChecks(other))


def test_EXP_6_whoever_requested_an_export_can_never_approve_it() -> None:
    with pytest.raises(Forbidden) as caught:
        decide(checked(), ApproveExport(REQUESTER, "operator", **SIGNED))
    assert caught.value.rule == "EXP-6"


def test_EXP_6_every_approval_names_its_reviewer() -> None:
    with pytest.raises(DomainError) as caught:
        decide(checked(), ApproveExport("  ", "operator", **SIGNED))
    assert caught.value.rule == "EXP-6"
    approved = apply(checked(), ApproveExport(REVIEWER, "bureau", **SIGNED))
    assert approved.state is ExportState.APPROVED
    assert approved.reviewer_user_id == REVIEWER


def test_EXP_1_export_review_is_the_operators_or_the_bureaus() -> None:
    for role in ("developer", "provider", "exchange"):
        with pytest.raises(Forbidden) as caught:
            decide(checked(), ApproveExport(REVIEWER, role, **SIGNED))
        assert caught.value.rule == "EXP-1"


def test_EXP_1_a_rejection_names_its_reason() -> None:
    with pytest.raises(DomainError):
        decide(checked(), RejectExport(REVIEWER, "operator", " ", **SIGNED))
    state = rejected()
    assert state.state is ExportState.REJECTED
    assert state.rejection_reason == "purpose not covered by grant"


def test_REQ_6_a_rejected_export_is_appealed_and_an_upheld_appeal_goes_to_a_fresh_review() -> None:
    appealed = apply(rejected(), RecordAppeal(appeal()))
    assert appealed.state is ExportState.APPEALED and appealed.appeal_id == "apl-1"
    upheld = apply(
        appealed,
        RecordAppealDecision(AppealDecided(appeal_id="apl-1", decision="upheld", reasoning="ok")),
    )
    assert upheld.state is ExportState.RE_REVIEW
    with pytest.raises(Forbidden):
        decide(upheld, ApproveExport(REQUESTER, "bureau", **SIGNED))
    assert apply(upheld, ApproveExport(REVIEWER, "bureau", **SIGNED)).state is ExportState.APPROVED


def test_REQ_6_a_dismissed_appeal_or_a_second_rejection_is_final() -> None:
    appealed = apply(rejected(), RecordAppeal(appeal()))
    dismissed = apply(
        appealed,
        RecordAppealDecision(
            AppealDecided(appeal_id="apl-1", decision="dismissed", reasoning="no")
        ),
    )
    assert dismissed.state in TERMINAL
    upheld = apply(
        appealed,
        RecordAppealDecision(AppealDecided(appeal_id="apl-1", decision="upheld", reasoning="ok")),
    )
    final = apply(upheld, RejectExport(REVIEWER, "operator", "still identifies firms", **SIGNED))
    assert final.state is ExportState.REJECTED_AFTER_APPEAL and final.state in TERMINAL
    with pytest.raises(IllegalTransition):
        decide(final, RecordAppeal(appeal()))


def test_REQ_6_only_the_requesting_developer_appeals_its_own_export() -> None:
    with pytest.raises(Forbidden):
        decide(rejected(), RecordAppeal(appeal(appellant="org-other")))
    with pytest.raises(DomainError):
        decide(rejected(), RecordAppeal(appeal(subject="exp-2")))


def test_REQ_6_a_decision_must_be_about_the_filed_appeal_and_upheld_or_dismissed() -> None:
    appealed = apply(rejected(), RecordAppeal(appeal()))
    with pytest.raises(DomainError):
        decide(
            appealed,
            RecordAppealDecision(AppealDecided(appeal_id="apl-9", decision="upheld", reasoning="")),
        )
    with pytest.raises(DomainError):
        decide(
            appealed,
            RecordAppealDecision(AppealDecided(appeal_id="apl-1", decision="maybe", reasoning="")),
        )


def test_EXP_2_a_request_is_made_once_and_names_its_requester() -> None:
    command = RequestExport(
        "exp-1", "sbx-1", "grant-1", OUTPUT, DEVELOPER, REQUESTER, columns=tuple(DECLARED)
    )
    assert decide(None, command) == [export_requested()]
    with pytest.raises(Conflict):
        decide(requested_export(), command)
    with pytest.raises(DomainError):
        decide(None, replace(command, requester_user_id=""))


# --- property: whatever is attempted, approval needs a passing report and four eyes ----

REPORTS = {"pass": passing_report(), "fail": failing_report()}
commands = st.lists(
    st.one_of(
        st.sampled_from([RecordChecks(REPORTS["pass"]), RecordChecks(REPORTS["fail"])]),
        st.builds(
            ApproveExport,
            st.sampled_from([REQUESTER, REVIEWER, ""]),
            st.sampled_from(["operator", "bureau", "developer"]),
        ),
        st.builds(
            RejectExport, st.sampled_from([REVIEWER, REQUESTER]), st.just("operator"), st.just("no")
        ),
        st.just(RecordAppeal(appeal())),
        st.builds(
            lambda d: RecordAppealDecision(
                AppealDecided(appeal_id="apl-1", decision=d, reasoning="")
            ),
            st.sampled_from(["upheld", "dismissed"]),
        ),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(commands)
def test_EXP_2_EXP_6_no_sequence_of_commands_approves_without_a_passing_check_and_another_reviewer(
    attempts: list[Command],
) -> None:
    state = requested_export()
    events: list[ExportEvent] = []
    for attempt in attempts:
        try:
            produced = decide(state, attempt)
        except (DomainError, IllegalTransition):
            continue
        for event in produced:
            state = evolve(state, event)
            events.append(event)
    requested = export_requested()
    assert replay([requested, *events]) == state
    if state.state is ExportState.APPROVED:
        approvals = [e for e in events if isinstance(e, ExportApproved)]
        assert len(approvals) == 1
        assert approvals[0].reviewer_user_id not in ("", REQUESTER)
        assert approvals[0].check_report_hash == REPORTS["pass"].content_hash
        assert not any(isinstance(e, ExportChecked) and not e.passed for e in events)
    assert sum(isinstance(e, ExportRejected) for e in events) <= 2


def test_EXP_2_evolve_refuses_an_event_the_table_does_not_allow() -> None:
    with pytest.raises(IllegalTransition):
        evolve(
            requested_export(),
            ExportApproved(
                export_id="exp-1",
                sandbox_id="sbx-1",
                output_name=OUTPUT,
                reviewer_user_id=REVIEWER,
                check_report_hash="0" * 64,
            ),
        )


def test_SEC_4_only_a_reviewer_with_a_current_confidentiality_agreement_decides_exports() -> None:
    day = SIGNED["decided_on"]
    lapsed = Confidentiality(user_id=REVIEWER, person=True, until=day - timedelta(days=1))
    unrecorded = Confidentiality(user_id=REVIEWER, person=True)
    for claim, says in ((lapsed, "has expired"), (unrecorded, "is not recorded")):
        signed = {"reviewer_confidentiality": claim, "decided_on": day}
        for command in (
            ApproveExport(REVIEWER, "operator", **signed),
            RejectExport(REVIEWER, "bureau", "purpose not covered", **signed),
        ):
            with pytest.raises(Forbidden, match=says) as caught:
                decide(checked(), command)
            assert caught.value.rule == "SEC-4"
    through_today = Confidentiality(user_id=REVIEWER, person=True, until=day)
    approved = apply(
        checked(),
        ApproveExport(REVIEWER, "operator", reviewer_confidentiality=through_today, decided_on=day),
    )
    assert approved.state is ExportState.APPROVED
