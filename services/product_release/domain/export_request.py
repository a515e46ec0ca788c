"""Export requests (出域申请) and their review (出域审核): one transition table.

Theory of operation::

    requested ─checks passed─▶ checks_passed ─approved─▶ approved ▪
        │  │                        └─rejected─▶ rejected ─appeal filed─▶ appealed
        │  └─checks failed─▶ checks_failed ▪                                │
        └─output unavailable─▶ unavailable ▪                                │
                                     re_review ◀─appeal upheld──────────────┤
                    approved ▪ ◀─approved─┤      appeal_dismissed ▪ ◀─dismissed─┘
       rejected_after_appeal ▪ ◀─rejected─┘                      (▪ terminal)

The automated checks (EXP-2) come before any human decision, and a failed check has no
way to ``approved``: the developer suppresses more and files a new request. A human
review is four-eyes (EXP-6): the requester never approves, and every approval names
its reviewer (EXP-1, 谁授权谁审核): a user of the grant's operator (出域合规审核), or of the
authorizing body — the bureau under whole authorization, the industry authority in the
bureau's place under domain authorization (``reviewer_party``). An operator the service
does not know for the grant is a refusal, never a pass. A rejection can
be appealed to the bureau once (REQ-6, decided in request-review); an upheld appeal
sends the request back to a fresh review. Every reviewer is a person with a current
confidentiality agreement (保密协议, SEC-4): the reviewer's claim and the day of the decision
are part of the command, decided by ``contracts.confidentiality.require_current``.

``decide(state, command) -> events`` refuses or records; ``evolve(state, event)`` folds
one event, moving the state only through ``transition``. The broker's
``export.unavailable`` (the output could not be staged) and request-review's appeal
events are folded like the service's own events; only the service's own are published.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from contracts.confidentiality import Confidentiality, require_current
from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import (
    AppealDecided,
    AppealFiled,
    ExportApproved,
    ExportChecked,
    ExportRejected,
    ExportRequested,
    ExportUnavailable,
    OutputColumn,
)
from contracts.machine import transition
from contracts.per_unit import per_unit_columns, unit_column
from services.product_release.domain.check_report import CheckReport

MACHINE = "export request"
DOING = "decide exports"
"""What SEC-4 says the reviewer may not do without a current confidentiality agreement."""


class ExportState(StrEnum):
    REQUESTED = "requested"
    CHECKS_PASSED = "checks_passed"
    CHECKS_FAILED = "checks_failed"
    APPROVED = "approved"
    REJECTED = "rejected"
    APPEALED = "appealed"
    RE_REVIEW = "re_review"
    APPEAL_DISMISSED = "appeal_dismissed"
    REJECTED_AFTER_APPEAL = "rejected_after_appeal"
    UNAVAILABLE = "unavailable"


CHECKS_PASSED = "export.checks_passed"
CHECKS_FAILED = "export.checks_failed"
APPROVED = "export.approved"
REJECTED = "export.rejected"
APPEAL_FILED = "appeal.filed"
APPEAL_UPHELD = "appeal.upheld"
APPEAL_DISMISSED = "appeal.dismissed"
UNAVAILABLE = "export.unavailable"
KINDS = frozenset({"table", "verification"})

TRANSITIONS: dict[ExportState, dict[str, ExportState]] = {
    ExportState.REQUESTED: {
        CHECKS_PASSED: ExportState.CHECKS_PASSED,
        CHECKS_FAILED: ExportState.CHECKS_FAILED,
        UNAVAILABLE: ExportState.UNAVAILABLE,
    },
    ExportState.CHECKS_PASSED: {
        APPROVED: ExportState.APPROVED,
        REJECTED: ExportState.REJECTED,
    },
    ExportState.REJECTED: {APPEAL_FILED: ExportState.APPEALED},
    ExportState.APPEALED: {
        APPEAL_UPHELD: ExportState.RE_REVIEW,
        APPEAL_DISMISSED: ExportState.APPEAL_DISMISSED,
    },
    ExportState.RE_REVIEW: {
        APPROVED: ExportState.APPROVED,
        REJECTED: ExportState.REJECTED_AFTER_APPEAL,
    },
}
TERMINAL: frozenset[ExportState] = frozenset(
    {
        ExportState.CHECKS_FAILED,
        ExportState.APPROVED,
        ExportState.APPEAL_DISMISSED,
        ExportState.REJECTED_AFTER_APPEAL,
        ExportState.UNAVAILABLE,
    }
)
EVENT_TYPES: tuple[str, ...] = (
    CHECKS_PASSED,
    CHECKS_FAILED,
    APPROVED,
    REJECTED,
    APPEAL_FILED,
    APPEAL_UPHELD,
    APPEAL_DISMISSED,
    UNAVAILABLE,
)
_RULE_OF_EVENT = {
    APPROVED: "EXP-2",
    CHECKS_PASSED: "EXP-2",
    CHECKS_FAILED: "EXP-2",
    APPEAL_FILED: "REQ-6",
    APPEAL_UPHELD: "REQ-6",
    APPEAL_DISMISSED: "REQ-6",
    UNAVAILABLE: "SBX-1",
}
REVIEWER_ROLES = frozenset({"operator", "bureau", "industry_authority"})
"""The parties that decide an export (EXP-1): the grant's operator and the authorizing
body (the bureau, or under domain authorization the industry authority)."""


@dataclass(frozen=True, slots=True)
class ExportAuthority:
    """Who stands behind an export's grant: its operator and the authorization it holds
    (``mode``: whole, domain or individual; under domain authorization the industry
    authority, 行业主管部门, that authorized it)."""

    operator_org_id: str
    mode: str = "whole"
    industry_authority_org_id: str = ""

    @property
    def by_domain(self) -> bool:
        return self.mode == "domain" and bool(self.industry_authority_org_id)


def reviewer_party(
    export_id: str, *, role: str, org_id: str, authority: ExportAuthority | None
) -> str:
    """EXP-1 (谁授权、谁审核, 004; 须经运营机构出域合规审核, 002 §5): which party the caller
    reviews an export as, or why it may not. The grant's operator reviews; the authorizing
    body reviews — the bureau under whole or individual authorization, the industry
    authority in the bureau's place under domain authorization. No operator other than the
    grant's decides, and when the grant's operator is unknown nobody does."""
    if authority is None or not authority.operator_org_id:
        raise Conflict(
            f"the operator of export {export_id}'s grant is not known to product-release; "
            "the export cannot be decided until it is",
            rule="EXP-1",
        )
    if authority.by_domain and org_id == authority.industry_authority_org_id:
        return "industry_authority"
    if role == "operator":
        if org_id != authority.operator_org_id:
            raise Forbidden(
                f"export {export_id} is reviewed by its grant's operator "
                f"{authority.operator_org_id}, not by {org_id}",
                rule="EXP-1",
            )
        return "operator"
    if role == "bureau":
        if authority.by_domain:
            raise Forbidden(
                f"export {export_id} is under domain authorization (分领域授权): its industry "
                f"authority {authority.industry_authority_org_id} reviews it in the bureau's "
                "place (谁授权、谁审核)",
                rule="EXP-1",
            )
        return "bureau"
    raise Forbidden(
        f"export review is the grant's operator's or the authorizing body's, not the {role}'s",
        rule="EXP-1",
    )


UPHELD = "upheld"
DISMISSED = "dismissed"


def advance(state: str, event: str) -> ExportState:
    """The next state, or ``IllegalTransition`` naming the state, the event and the rule."""
    return transition(MACHINE, TRANSITIONS, state, event, rule=_RULE_OF_EVENT)


@dataclass(frozen=True, slots=True)
class ExportRequest:
    export_id: str
    sandbox_id: str
    grant_id: str
    output_name: str
    developer_org_id: str
    requester_user_id: str
    kind: str = "table"
    columns: tuple[OutputColumn, ...] = ()
    universe: str = ""
    key_column: str = ""
    answer_column: str = ""
    state: ExportState = ExportState.REQUESTED
    check_report_hash: str = ""
    failed_checks: tuple[str, ...] = ()
    reviewer_user_id: str = ""
    rejection_reason: str = ""
    appeal_id: str = ""
    unavailable_reason: str = ""


@dataclass(frozen=True, slots=True)
class RequestExport:
    export_id: str
    sandbox_id: str
    grant_id: str
    output_name: str
    developer_org_id: str
    requester_user_id: str
    kind: str = "table"
    columns: tuple[OutputColumn, ...] = ()
    universe: str = ""
    key_column: str = ""
    answer_column: str = ""


@dataclass(frozen=True, slots=True)
class RecordChecks:
    report: CheckReport


@dataclass(frozen=True, slots=True)
class ApproveExport:
    reviewer_user_id: str
    reviewer_role: str
    reviewer_confidentiality: Confidentiality = field(kw_only=True)
    """What the reviewer's token says of their confidentiality agreement (SEC-4)."""
    decided_on: date = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class RejectExport:
    reviewer_user_id: str
    reviewer_role: str
    reason: str
    reviewer_confidentiality: Confidentiality = field(kw_only=True)
    """What the reviewer's token says of their confidentiality agreement (SEC-4)."""
    decided_on: date = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class RecordAppeal:
    """request-review filed an appeal (``appeal.filed``) against this export's rejection."""

    appeal: AppealFiled


@dataclass(frozen=True, slots=True)
class RecordAppealDecision:
    decision: AppealDecided


@dataclass(frozen=True, slots=True)
class RecordUnavailable:
    """sandbox-broker could not stage the output (``export.unavailable``)."""

    unavailable: ExportUnavailable


Command = (
    RequestExport
    | RecordChecks
    | ApproveExport
    | RejectExport
    | RecordAppeal
    | RecordAppealDecision
    | RecordUnavailable
)
ExportEvent = (
    ExportRequested
    | ExportChecked
    | ExportApproved
    | ExportRejected
    | AppealFiled
    | AppealDecided
    | ExportUnavailable
)


def event_type(event: ExportEvent) -> str:
    match event:
        case ExportRequested():
            return "export.requested"
        case ExportChecked(passed=passed):
            return CHECKS_PASSED if passed else CHECKS_FAILED
        case ExportApproved():
            return APPROVED
        case ExportRejected():
            return REJECTED
        case AppealFiled():
            return APPEAL_FILED
        case AppealDecided(decision=decision):
            return APPEAL_UPHELD if decision == UPHELD else APPEAL_DISMISSED
        case ExportUnavailable():
            return UNAVAILABLE
    raise TypeError(f"not an export request event: {event!r}")


def _reviewer(user_id: str, role: str, request: ExportRequest, *, approving: bool) -> None:
    if not user_id.strip():
        raise DomainError(
            "every export decision names its reviewer", rule="EXP-6", field="reviewer_user_id"
        )
    if role not in REVIEWER_ROLES:
        raise Forbidden(
            f"export review is the grant's operator's or the authorizing body's, not the {role}'s",
            rule="EXP-1",
        )
    if approving and user_id == request.requester_user_id:
        raise Forbidden(
            "four eyes: whoever requested an export can never approve it",
            rule="EXP-6",
            field="reviewer_user_id",
        )


def _check_declaration(command: RequestExport) -> None:
    """What the developer declares about its output, before the broker stages it: the
    kind, distinct column names, and for a verification export (核验) its key and answer
    columns (EXP-2 checks the answers' distribution, never the rows)."""
    if command.kind not in KINDS:
        raise DomainError(
            f"an export is one of {', '.join(sorted(KINDS))}, not {command.kind!r}",
            rule="EXP-2",
            field="kind",
        )
    names = [c.name for c in command.columns]
    if len(set(names)) != len(names):
        raise DomainError("the declared columns repeat a name", rule="EXP-2", field="columns")
    if command.kind == "verification":
        for name in ("key_column", "answer_column"):
            if not getattr(command, name).strip():
                raise DomainError(
                    f"a verification export names its {name}", rule="EXP-2", field=name
                )
    elif not command.columns:
        raise DomainError(
            "a table export declares the role of each column", rule="EXP-2", field="columns"
        )
    elif unit_column(command.columns):
        per_unit_columns(command.columns)  # what the sandbox cannot aggregate is refused now


def decide(state: ExportRequest | None, command: Command) -> list[ExportEvent]:
    """What happens when ``command`` meets ``state``; raises when a rule refuses it."""
    if isinstance(command, RequestExport):
        if state is not None:
            raise Conflict(f"export {command.export_id} was already requested")
        for name in ("export_id", "sandbox_id", "grant_id", "output_name", "requester_user_id"):
            if not getattr(command, name).strip():
                raise DomainError(f"an export request names its {name}", field=name)
        _check_declaration(command)
        return [
            ExportRequested(
                export_id=command.export_id,
                sandbox_id=command.sandbox_id,
                grant_id=command.grant_id,
                output_name=command.output_name,
                developer_org_id=command.developer_org_id,
                requester_user_id=command.requester_user_id,
                kind=command.kind,
                columns=list(command.columns),
                universe=command.universe,
                key_column=command.key_column,
                answer_column=command.answer_column,
            )
        ]
    if state is None:
        raise NotFound("no such export request")
    match command:
        case RecordChecks(report=report):
            checked = ExportChecked(
                export_id=state.export_id,
                passed=report.passed,
                check_report_hash=report.content_hash,
                failed_checks=list(report.failed_checks),
            )
            advance(state.state, event_type(checked))
            if report.output_name != state.output_name:
                raise DomainError(
                    f"the report covers {report.output_name!r}, the request {state.output_name!r}",
                    rule="EXP-2",
                )
            return [checked]
        case ApproveExport(reviewer_user_id=user, reviewer_role=role):
            # SEC-4: only a person with a current confidentiality agreement decides exports.
            require_current(command.reviewer_confidentiality, command.decided_on, doing=DOING)
            advance(state.state, APPROVED)
            _reviewer(user, role, state, approving=True)
            return [
                ExportApproved(
                    export_id=state.export_id,
                    sandbox_id=state.sandbox_id,
                    output_name=state.output_name,
                    reviewer_user_id=user,
                    check_report_hash=state.check_report_hash,
                )
            ]
        case RejectExport(reviewer_user_id=user, reviewer_role=role, reason=reason):
            require_current(
                command.reviewer_confidentiality, command.decided_on, doing=DOING
            )  # SEC-4
            advance(state.state, REJECTED)
            _reviewer(user, role, state, approving=False)
            if not reason.strip():
                raise DomainError("a rejection gives its reason", rule="EXP-1", field="reason")
            return [
                ExportRejected(
                    export_id=state.export_id, sandbox_id=state.sandbox_id, reason=reason
                )
            ]
        case RecordAppeal(appeal=appeal):
            advance(state.state, APPEAL_FILED)
            if appeal.subject_kind != "export" or appeal.subject_id != state.export_id:
                raise DomainError("the appeal is not about this export", rule="REQ-6")
            if appeal.appellant_org_id != state.developer_org_id:
                raise Forbidden("only the requesting developer appeals its export", rule="REQ-6")
            return [appeal]
        case RecordAppealDecision(decision=decision):
            if decision.appeal_id != state.appeal_id:
                raise DomainError("the decision is about another appeal", rule="REQ-6")
            if decision.decision not in (UPHELD, DISMISSED):
                raise DomainError(
                    f"an appeal is {UPHELD} or {DISMISSED}, not {decision.decision!r}",
                    rule="REQ-6",
                    field="decision",
                )
            advance(state.state, event_type(decision))
            return [decision]
        case RecordUnavailable(unavailable=unavailable):
            advance(state.state, UNAVAILABLE)
            if unavailable.export_id != state.export_id:
                raise DomainError("the notice is about another export", rule="SBX-1")
            return [unavailable]
    raise TypeError(f"unknown command {command!r}")


def evolve(state: ExportRequest | None, event: ExportEvent) -> ExportRequest:
    """The state after ``event``: only moves the transition table allows."""
    if isinstance(event, ExportRequested):
        if state is not None:
            raise Conflict(f"export {event.export_id} was already requested")
        return ExportRequest(
            export_id=event.export_id,
            sandbox_id=event.sandbox_id,
            grant_id=event.grant_id,
            output_name=event.output_name,
            developer_org_id=event.developer_org_id,
            requester_user_id=event.requester_user_id,
            kind=event.kind,
            columns=tuple(event.columns),
            universe=event.universe,
            key_column=event.key_column,
            answer_column=event.answer_column,
        )
    if state is None:
        raise NotFound("no such export request")
    moved = replace(state, state=advance(state.state, event_type(event)))
    match event:
        case ExportChecked():
            return replace(
                moved,
                check_report_hash=event.check_report_hash,
                failed_checks=tuple(event.failed_checks),
            )
        case ExportApproved():
            return replace(moved, reviewer_user_id=event.reviewer_user_id)
        case ExportRejected():
            return replace(moved, rejection_reason=event.reason)
        case AppealFiled():
            return replace(moved, appeal_id=event.appeal_id)
        case ExportUnavailable():
            return replace(moved, unavailable_reason=event.reason)
    return moved


def replay(events: Iterable[ExportEvent]) -> ExportRequest | None:
    state: ExportRequest | None = None
    for event in events:
        state = evolve(state, event)
    return state
