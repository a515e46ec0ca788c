"""Operator authorization (授权运营): from the tender to the end of the agreement, as one
state machine.

Theory of operation. The bureau publishes a tender (遴选公告) in one of the competitive
modes of AUTH-2; operators apply (AUTH-9); the bureau closes the applications, scores
them and publicizes the result (结果公示). During the publicity period anyone may object;
an upheld objection voids the result and sends the tender back to evaluation, a dismissed
one changes nothing. When the period has ended with no objection pending, the sweep
closes the publicity; only then may the bureau draft the agreement (授权运营协议) and sign
it (AUTH-2, AUTH-3, AUTH-4). An active agreement may be renewed inside its renewal window
(AUTH-5), suspended for a violation with a correction deadline, reinstated after the
correction or terminated (AUTH-6), and expires at its end.

``TRANSITIONS[state][event] -> state`` is the whole machine; ``transition`` raises
``IllegalTransition`` naming the state, the event and the rule whose order it breaks.
``evolve`` applies an event to the aggregate; ``services.identity.domain.authorizing``
decides which events a command causes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from contracts.errors import IllegalTransition
from contracts.machine import transition
from services.identity.domain.agreement import Agreement, Scope
from services.identity.domain.application import Application

MACHINE = "operator authorization"


class State(StrEnum):
    TENDER_PUBLISHED = "tender_published"  # 遴选公告已发布，受理申请
    EVALUATING = "evaluating"  # 评审
    PUBLICIZED = "publicized"  # 结果公示中
    PUBLICITY_CLOSED = "publicity_closed"  # 公示期满
    DRAFTED = "drafted"  # 协议拟定
    ACTIVE = "active"  # 协议生效
    RENEWAL_PENDING = "renewal_pending"  # 续期申请审核中
    SUSPENDED = "suspended"  # 暂停，限期整改
    CORRECTION_REPORTED = "correction_reported"  # 整改情况已报告
    EXPIRED = "expired"  # 期满终止
    TERMINATED = "terminated"  # 终止（撤销授权）
    CANCELLED = "cancelled"  # 遴选取消


class SelectionMode(StrEnum):
    """AUTH-2: the competitive ways of choosing the operator."""

    PUBLIC_TENDER = "public_tender"  # 公开招标
    INVITED_TENDER = "invited_tender"  # 邀请招标
    COMPETITIVE_NEGOTIATION = "competitive_negotiation"  # 竞争性谈判


class Kind(StrEnum):
    """What happened to an authorization (授权运营事件): each event's ``kind``, the keys of
    ``TRANSITIONS`` and of ``RULE_OF_EVENT``, named once."""

    TENDER_PUBLISHED = "tender_published"  # 遴选公告发布
    APPLICATION_SUBMITTED = "application_submitted"  # 提交申请
    APPLICATIONS_CLOSED = "applications_closed"  # 申请截止
    APPLICATION_SCORED = "application_scored"  # 评审打分
    RESULT_PUBLICIZED = "result_publicized"  # 结果公示
    OBJECTION_FILED = "objection_filed"  # 提出异议
    OBJECTION_DISMISSED = "objection_dismissed"  # 异议不成立
    OBJECTION_UPHELD = "objection_upheld"  # 异议成立
    PUBLICITY_CLOSED = "publicity_closed"  # 公示期满
    AGREEMENT_DRAFTED = "agreement_drafted"  # 起草协议
    COLLECTIVE_DECISION_RECORDED = "collective_decision_recorded"  # 集体决策
    FINANCE_OPINION_RECORDED = "finance_opinion_recorded"  # 财政意见
    AGREEMENT_SIGNED = "agreement_signed"  # 签订协议
    RENEWAL_APPLIED = "renewal_applied"  # 申请续期
    RENEWAL_APPROVED = "renewal_approved"  # 续期批准
    RENEWAL_REJECTED = "renewal_rejected"  # 续期驳回
    AGREEMENT_SUSPENDED = "agreement_suspended"  # 暂停授权
    CORRECTION_REPORTED = "correction_reported"  # 整改报告
    AGREEMENT_REINSTATED = "agreement_reinstated"  # 恢复授权
    AGREEMENT_TERMINATED = "agreement_terminated"  # 终止授权
    AGREEMENT_EXPIRED = "agreement_expired"  # 授权到期
    TENDER_CANCELLED = "tender_cancelled"  # 取消遴选


K = Kind
S = State
TRANSITIONS: Mapping[State, Mapping[Kind, State]] = {
    S.TENDER_PUBLISHED: {
        K.APPLICATION_SUBMITTED: S.TENDER_PUBLISHED,
        K.APPLICATIONS_CLOSED: S.EVALUATING,
        K.TENDER_CANCELLED: S.CANCELLED,
    },
    S.EVALUATING: {
        K.APPLICATION_SCORED: S.EVALUATING,
        K.RESULT_PUBLICIZED: S.PUBLICIZED,
        K.TENDER_CANCELLED: S.CANCELLED,
    },
    S.PUBLICIZED: {
        K.OBJECTION_FILED: S.PUBLICIZED,
        K.OBJECTION_DISMISSED: S.PUBLICIZED,
        K.OBJECTION_UPHELD: S.EVALUATING,
        K.PUBLICITY_CLOSED: S.PUBLICITY_CLOSED,
    },
    S.PUBLICITY_CLOSED: {
        K.AGREEMENT_DRAFTED: S.DRAFTED,
        K.TENDER_CANCELLED: S.CANCELLED,
    },
    S.DRAFTED: {
        K.AGREEMENT_DRAFTED: S.DRAFTED,
        K.COLLECTIVE_DECISION_RECORDED: S.DRAFTED,
        K.FINANCE_OPINION_RECORDED: S.DRAFTED,
        K.AGREEMENT_SIGNED: S.ACTIVE,
        K.TENDER_CANCELLED: S.CANCELLED,
    },
    S.ACTIVE: {
        K.RENEWAL_APPLIED: S.RENEWAL_PENDING,
        K.AGREEMENT_SUSPENDED: S.SUSPENDED,
        K.AGREEMENT_TERMINATED: S.TERMINATED,
        K.AGREEMENT_EXPIRED: S.EXPIRED,
    },
    S.RENEWAL_PENDING: {
        K.RENEWAL_APPROVED: S.ACTIVE,
        K.RENEWAL_REJECTED: S.ACTIVE,
        K.AGREEMENT_SUSPENDED: S.SUSPENDED,
        K.AGREEMENT_TERMINATED: S.TERMINATED,
        K.AGREEMENT_EXPIRED: S.EXPIRED,
    },
    S.SUSPENDED: {
        K.CORRECTION_REPORTED: S.CORRECTION_REPORTED,
        K.AGREEMENT_TERMINATED: S.TERMINATED,
        K.AGREEMENT_EXPIRED: S.EXPIRED,
    },
    S.CORRECTION_REPORTED: {
        K.AGREEMENT_REINSTATED: S.ACTIVE,
        K.AGREEMENT_TERMINATED: S.TERMINATED,
        K.AGREEMENT_EXPIRED: S.EXPIRED,
    },
    S.EXPIRED: {},
    S.TERMINATED: {},
    S.CANCELLED: {},
}
TERMINAL: frozenset[State] = frozenset({S.EXPIRED, S.TERMINATED, S.CANCELLED})
EVENTS: frozenset[Kind] = frozenset(e for moves in TRANSITIONS.values() for e in moves)

RULE_OF_EVENT: Mapping[Kind, str] = {
    **dict.fromkeys(
        (
            K.APPLICATION_SUBMITTED,
            K.APPLICATIONS_CLOSED,
            K.APPLICATION_SCORED,
            K.RESULT_PUBLICIZED,
            K.OBJECTION_FILED,
            K.OBJECTION_DISMISSED,
            K.OBJECTION_UPHELD,
            K.PUBLICITY_CLOSED,
            K.AGREEMENT_DRAFTED,
            K.AGREEMENT_SIGNED,
            K.TENDER_CANCELLED,
        ),
        "AUTH-2",
    ),
    **dict.fromkeys((K.COLLECTIVE_DECISION_RECORDED, K.FINANCE_OPINION_RECORDED), "AUTH-11"),
    **dict.fromkeys((K.RENEWAL_APPLIED, K.RENEWAL_APPROVED, K.RENEWAL_REJECTED), "AUTH-5"),
    **dict.fromkeys(
        (
            K.AGREEMENT_SUSPENDED,
            K.CORRECTION_REPORTED,
            K.AGREEMENT_REINSTATED,
            K.AGREEMENT_TERMINATED,
            K.AGREEMENT_EXPIRED,
        ),
        "AUTH-6",
    ),
}
"""The rule whose order an out-of-place event breaks (e.g. signing before the publicity
period ends breaks AUTH-2)."""


def advance(state: str, event: str) -> State:
    """The state after ``event``; ``IllegalTransition`` if there is none."""
    return transition(MACHINE, TRANSITIONS, state, event, rule=RULE_OF_EVENT)


# -- the aggregate ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Objection:
    """An objection (异议) to the publicized result."""

    objection_id: str
    filed_by_org_id: str
    grounds: str
    filed_at: datetime
    status: str = "pending"  # pending | upheld | dismissed | superseded
    decision_reason: str = ""
    decided_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Suspension:
    """A suspension for a violation (AUTH-6) and the operator's correction report."""

    reason: str
    suspended_at: datetime
    correction_due: date
    correction_report: str = ""
    reported_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CollectiveDecision:
    """AUTH-11: the bureau's collective decision (“三重一大”决策机制) on the drafted agreement
    (000 §3.2: 经市大数据局“三重一大”决策机制审议通过; 001 art.12(四))."""

    body: str
    meeting: str
    decided_on: date
    approved: bool
    recorded_at: datetime
    recorded_by: str


@dataclass(frozen=True, slots=True)
class FinanceOpinion:
    """AUTH-11: the same-level finance department's opinion (同级财政部门的意见) on the
    revenue-sharing clauses (001 art.15)."""

    department: str
    opinion: str
    given_on: date
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class Renewal:
    """A renewal application (续期申请, AUTH-5)."""

    applied_at: datetime
    proposed_ends_on: date
    decision: str = "pending"  # pending | approved | rejected
    decision_reason: str = ""


@dataclass(frozen=True, slots=True)
class Authorization:
    authorization_id: str
    region: str
    bureau_org_id: str
    title: str
    selection_mode: SelectionMode
    scope: Scope
    published_at: datetime
    invited_org_ids: tuple[str, ...] = ()
    state: State = State.TENDER_PUBLISHED
    applications: tuple[Application, ...] = ()
    winner_application_id: str = ""
    publicity_ends_at: datetime | None = None
    objections: tuple[Objection, ...] = ()
    agreement: Agreement | None = None
    collective_decision: CollectiveDecision | None = None
    finance_opinion: FinanceOpinion | None = None
    renewals: tuple[Renewal, ...] = ()
    suspension: Suspension | None = None
    ended_at: datetime | None = None
    end_reason: str = ""

    @property
    def winner(self) -> Application | None:
        return next(
            (a for a in self.applications if a.application_id == self.winner_application_id),
            None,
        )

    @property
    def operator_org_id(self) -> str:
        """The selected operator (运营机构), once there is one."""
        if self.agreement is not None:
            return self.agreement.operator_org_id
        winner = self.winner
        return winner.org_id if winner else ""

    @property
    def pending_objections(self) -> tuple[Objection, ...]:
        return tuple(o for o in self.objections if o.status == "pending")

    def application(self, application_id: str) -> Application | None:
        return next((a for a in self.applications if a.application_id == application_id), None)


# -- events (past tense); ``kind`` (a ``Kind``) is the key in TRANSITIONS -------------


@dataclass(frozen=True, slots=True)
class TenderPublished:
    kind: ClassVar[Kind] = Kind.TENDER_PUBLISHED
    authorization: Authorization


@dataclass(frozen=True, slots=True)
class ApplicationSubmitted:
    kind: ClassVar[Kind] = Kind.APPLICATION_SUBMITTED
    application: Application


@dataclass(frozen=True, slots=True)
class ApplicationsClosed:
    kind: ClassVar[Kind] = Kind.APPLICATIONS_CLOSED
    at: datetime


@dataclass(frozen=True, slots=True)
class ApplicationScored:
    kind: ClassVar[Kind] = Kind.APPLICATION_SCORED
    application_id: str
    score: float
    remarks: str


@dataclass(frozen=True, slots=True)
class ResultPublicized:
    kind: ClassVar[Kind] = Kind.RESULT_PUBLICIZED
    winner_application_id: str
    publicity_ends_at: datetime


@dataclass(frozen=True, slots=True)
class ObjectionFiled:
    kind: ClassVar[Kind] = Kind.OBJECTION_FILED
    objection: Objection


@dataclass(frozen=True, slots=True)
class ObjectionDismissed:
    kind: ClassVar[Kind] = Kind.OBJECTION_DISMISSED
    objection_id: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ObjectionUpheld:
    kind: ClassVar[Kind] = Kind.OBJECTION_UPHELD
    objection_id: str
    reason: str
    at: datetime
    annulled_org_id: str


@dataclass(frozen=True, slots=True)
class PublicityClosed:
    kind: ClassVar[Kind] = Kind.PUBLICITY_CLOSED
    at: datetime


@dataclass(frozen=True, slots=True)
class AgreementDrafted:
    kind: ClassVar[Kind] = Kind.AGREEMENT_DRAFTED
    agreement: Agreement


@dataclass(frozen=True, slots=True)
class CollectiveDecisionRecorded:
    kind: ClassVar[Kind] = Kind.COLLECTIVE_DECISION_RECORDED
    decision: CollectiveDecision


@dataclass(frozen=True, slots=True)
class FinanceOpinionRecorded:
    kind: ClassVar[Kind] = Kind.FINANCE_OPINION_RECORDED
    opinion: FinanceOpinion


@dataclass(frozen=True, slots=True)
class AgreementSigned:
    kind: ClassVar[Kind] = Kind.AGREEMENT_SIGNED
    signed_at: datetime
    signed_by: str


@dataclass(frozen=True, slots=True)
class RenewalApplied:
    kind: ClassVar[Kind] = Kind.RENEWAL_APPLIED
    renewal: Renewal


@dataclass(frozen=True, slots=True)
class RenewalApproved:
    kind: ClassVar[Kind] = Kind.RENEWAL_APPROVED
    ends_on: date
    reason: str


@dataclass(frozen=True, slots=True)
class RenewalRejected:
    kind: ClassVar[Kind] = Kind.RENEWAL_REJECTED
    reason: str


@dataclass(frozen=True, slots=True)
class AgreementSuspended:
    kind: ClassVar[Kind] = Kind.AGREEMENT_SUSPENDED
    suspension: Suspension


@dataclass(frozen=True, slots=True)
class CorrectionReported:
    kind: ClassVar[Kind] = Kind.CORRECTION_REPORTED
    report: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AgreementReinstated:
    """AUTH-6: the correction accepted; the suspension it ends travels with it, so the
    permissions closed temporarily (暂时关闭) by that suspension are restored as they were."""

    kind: ClassVar[Kind] = Kind.AGREEMENT_REINSTATED
    at: datetime
    suspended_at: datetime | None = None
    suspension_reason: str = ""


@dataclass(frozen=True, slots=True)
class AgreementTerminated:
    kind: ClassVar[Kind] = Kind.AGREEMENT_TERMINATED
    ground: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AgreementExpired:
    kind: ClassVar[Kind] = Kind.AGREEMENT_EXPIRED
    at: datetime


@dataclass(frozen=True, slots=True)
class TenderCancelled:
    kind: ClassVar[Kind] = Kind.TENDER_CANCELLED
    reason: str
    at: datetime


DomainEvent = (
    TenderPublished
    | ApplicationSubmitted
    | ApplicationsClosed
    | ApplicationScored
    | ResultPublicized
    | ObjectionFiled
    | ObjectionDismissed
    | ObjectionUpheld
    | PublicityClosed
    | AgreementDrafted
    | CollectiveDecisionRecorded
    | FinanceOpinionRecorded
    | AgreementSigned
    | RenewalApplied
    | RenewalApproved
    | RenewalRejected
    | AgreementSuspended
    | CorrectionReported
    | AgreementReinstated
    | AgreementTerminated
    | AgreementExpired
    | TenderCancelled
)


def _decide_objection(
    objections: tuple[Objection, ...], objection_id: str, status: str, reason: str, at: datetime
) -> tuple[Objection, ...]:
    return tuple(
        replace(o, status=status, decision_reason=reason, decided_at=at)
        if o.objection_id == objection_id
        else o
        for o in objections
    )


def _with_renewal_decided(auth: Authorization, decision: str, reason: str) -> tuple[Renewal, ...]:
    *earlier, last = auth.renewals
    return (*earlier, replace(last, decision=decision, decision_reason=reason))


def _agreement(auth: Authorization) -> Agreement:
    if auth.agreement is None:
        raise IllegalTransition(MACHINE, auth.state.value, "(no agreement drafted)", rule="AUTH-4")
    return auth.agreement


def _suspension(auth: Authorization) -> Suspension:
    if auth.suspension is None:
        raise IllegalTransition(MACHINE, auth.state.value, "(not suspended)", rule="AUTH-6")
    return auth.suspension


def evolve(auth: Authorization | None, event: DomainEvent) -> Authorization:
    """The aggregate after ``event``; the state moves only as TRANSITIONS allows."""
    if isinstance(event, TenderPublished):
        if auth is not None:
            raise IllegalTransition(MACHINE, auth.state.value, event.kind, rule="AUTH-2")
        return event.authorization
    if auth is None:
        raise IllegalTransition(MACHINE, "(none)", event.kind, rule="AUTH-2")
    moved = replace(auth, state=advance(auth.state, event.kind))
    match event:
        case ApplicationSubmitted(application=application):
            return replace(moved, applications=(*auth.applications, application))
        case ApplicationScored(application_id=app_id, score=score, remarks=remarks):
            return replace(
                moved,
                applications=tuple(
                    replace(a, score=score, score_remarks=remarks)
                    if a.application_id == app_id
                    else a
                    for a in auth.applications
                ),
            )
        case ResultPublicized(winner_application_id=winner, publicity_ends_at=ends):
            return replace(moved, winner_application_id=winner, publicity_ends_at=ends)
        case ObjectionFiled(objection=objection):
            return replace(moved, objections=(*auth.objections, objection))
        case ObjectionDismissed(objection_id=oid, reason=reason, at=at):
            return replace(
                moved, objections=_decide_objection(auth.objections, oid, "dismissed", reason, at)
            )
        case ObjectionUpheld(objection_id=oid, reason=reason, at=at):
            decided = _decide_objection(auth.objections, oid, "upheld", reason, at)
            superseded = tuple(
                replace(o, status="superseded", decided_at=at) if o.status == "pending" else o
                for o in decided
            )
            return replace(
                moved, objections=superseded, winner_application_id="", publicity_ends_at=None
            )
        case AgreementDrafted(agreement=agreement):
            # AUTH-11: a decision and an opinion were on the earlier draft; a redraft
            # goes back to the collective decision and the finance department.
            return replace(
                moved, agreement=agreement, collective_decision=None, finance_opinion=None
            )
        case CollectiveDecisionRecorded(decision=decision):
            return replace(moved, collective_decision=decision)
        case FinanceOpinionRecorded(opinion=opinion):
            return replace(moved, finance_opinion=opinion)
        case AgreementSigned(signed_at=at, signed_by=by):
            return replace(moved, agreement=replace(_agreement(auth), signed_at=at, signed_by=by))
        case RenewalApplied(renewal=renewal):
            return replace(moved, renewals=(*auth.renewals, renewal))
        case RenewalApproved(ends_on=ends_on, reason=reason):
            return replace(
                moved,
                agreement=replace(_agreement(auth), ends_on=ends_on),
                renewals=_with_renewal_decided(auth, "approved", reason),
            )
        case RenewalRejected(reason=reason):
            return replace(moved, renewals=_with_renewal_decided(auth, "rejected", reason))
        case AgreementSuspended(suspension=suspension):
            return replace(moved, suspension=suspension)
        case CorrectionReported(report=report, at=at):
            return replace(
                moved,
                suspension=replace(_suspension(auth), correction_report=report, reported_at=at),
            )
        case AgreementReinstated():
            return replace(moved, suspension=None)
        case AgreementTerminated(ground=ground, reason=reason, at=at):
            return replace(moved, ended_at=at, end_reason=f"{ground}: {reason}")
        case AgreementExpired(at=at):
            return replace(moved, ended_at=at, end_reason="expired")
        case TenderCancelled(reason=reason, at=at):
            return replace(moved, ended_at=at, end_reason=f"cancelled: {reason}")
        case ApplicationsClosed() | PublicityClosed():
            return moved
    raise TypeError(f"unknown event {event!r}")


def evolve_all(auth: Authorization | None, events: list[DomainEvent]) -> Authorization:
    for event in events:
        auth = evolve(auth, event)
    if auth is None:
        raise ValueError("no events")
    return auth
