"""Deciding what an authorization command (授权运营 commands) causes: ``decide(auth,
command, facts) -> events``, pure; and ``published`` maps events to the contract events
other services consume.

Order of checks in every command: who may act (AUTH-1 for the bureau's commands), then
whether the machine allows the event now (``transition``), then the content rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from contracts import events as contract
from contracts.envelope import Actor, Role
from contracts.errors import Conflict, DomainError, Forbidden
from services.identity.domain import application as applications
from services.identity.domain import implementation_plan as plans
from services.identity.domain.agreement import (
    ActiveAgreement,
    Agreement,
    Scope,
    check_exclusive,
    check_known_sections,
    check_renewal_window,
    check_scope,
    check_sections_complete,
    check_term,
)
from services.identity.domain.application import Application, OperatorApplication
from services.identity.domain.authorization import (
    TRANSITIONS,
    AgreementDrafted,
    AgreementExpired,
    AgreementReinstated,
    AgreementSigned,
    AgreementSuspended,
    AgreementTerminated,
    ApplicationsClosed,
    ApplicationScored,
    ApplicationSubmitted,
    Authorization,
    CollectiveDecision,
    CollectiveDecisionRecorded,
    CorrectionReported,
    DomainEvent,
    FinanceOpinion,
    FinanceOpinionRecorded,
    Objection,
    ObjectionDismissed,
    ObjectionFiled,
    ObjectionUpheld,
    PublicityClosed,
    Renewal,
    RenewalApplied,
    RenewalApproved,
    RenewalRejected,
    ResultPublicized,
    SelectionMode,
    State,
    Suspension,
    TenderCancelled,
    TenderPublished,
    advance,
)
from services.identity.domain.dates import end_of_period_in_days, local_date
from services.identity.domain.implementation_plan import ImplementationPlan
from services.identity.domain.jurisdiction import (
    JurisdictionSettings,
    check_county_may_authorize,
    check_selection_mode,
)

INVITATION_MODES = frozenset({SelectionMode.INVITED_TENDER, SelectionMode.COMPETITIVE_NEGOTIATION})

IN_FORCE_GROUNDS = frozenset(
    {"operator_request", "penalty", "other_violation", "rectification_overdue"}
)
TERMINATION_GROUNDS: dict[State, frozenset[str]] = {
    State.ACTIVE: IN_FORCE_GROUNDS,
    State.RENEWAL_PENDING: IN_FORCE_GROUNDS,
    State.SUSPENDED: IN_FORCE_GROUNDS | {"not_corrected", "targets_missed"},
    State.CORRECTION_REPORTED: IN_FORCE_GROUNDS | {"correction_rejected", "targets_missed"},
}
"""AUTH-6 exits other than expiry: early termination at the operator's request (with
liability); an administrative or criminal penalty restricting data business (001
art.27(三)); other violations of laws and regulations (其他违反法律法规的情形, 000 §3.4(4),
002 §4(五)); a rectification order of the evaluation not rectified by its deadline (EVA-3,
``rectification_overdue``, set only by evaluation's ``rectification.overdue``); and, after
a suspension ordering correction, a violation not corrected by the deadline, a correction
the bureau rejects, or business targets missed and not rectified. A missed target alone
is never a ground from an agreement in force: it is first a rectification order (002
§4(五): 未達到協議約定的經營目標且未按照要求整改)."""
CORRECTION_OVERDUE_GROUNDS = frozenset({"not_corrected", "targets_missed"})
"""Grounds that need the suspension's correction deadline to have passed (in SUSPENDED)."""


# -- commands (imperative) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishTender:
    authorization_id: str
    region: str
    title: str
    selection_mode: SelectionMode
    scope: Scope
    invited_org_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SubmitApplication:
    application_id: str
    record: OperatorApplication


@dataclass(frozen=True, slots=True)
class CloseApplications:
    pass


@dataclass(frozen=True, slots=True)
class ScoreApplication:
    application_id: str
    score: float
    remarks: str = ""


@dataclass(frozen=True, slots=True)
class PublicizeResult:
    pass


@dataclass(frozen=True, slots=True)
class FileObjection:
    objection_id: str
    grounds: str


@dataclass(frozen=True, slots=True)
class DecideObjection:
    objection_id: str
    uphold: bool
    reason: str


@dataclass(frozen=True, slots=True)
class ClosePublicity:
    pass


@dataclass(frozen=True, slots=True)
class DraftAgreement:
    agreement_id: str
    starts_on: date
    ends_on: date
    sections: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordCollectiveDecision:
    """AUTH-11: the bureau's collective decision (三重一大) on the drafted agreement."""

    meeting: str
    decided_on: date
    approved: bool
    body: str = "三重一大决策会议"


@dataclass(frozen=True, slots=True)
class RecordFinanceOpinion:
    """AUTH-11: the same-level finance department's opinion on revenue sharing."""

    department: str
    opinion: str
    given_on: date


@dataclass(frozen=True, slots=True)
class SignAgreement:
    pass


@dataclass(frozen=True, slots=True)
class ApplyForRenewal:
    proposed_ends_on: date


@dataclass(frozen=True, slots=True)
class DecideRenewal:
    approve: bool
    reason: str
    ends_on: date | None = None


@dataclass(frozen=True, slots=True)
class Suspend:
    reason: str


@dataclass(frozen=True, slots=True)
class ReportCorrection:
    report: str


@dataclass(frozen=True, slots=True)
class Reinstate:
    pass


@dataclass(frozen=True, slots=True)
class Terminate:
    ground: str
    reason: str


@dataclass(frozen=True, slots=True)
class Expire:
    pass


@dataclass(frozen=True, slots=True)
class CancelTender:
    reason: str


@dataclass(frozen=True, slots=True)
class TransferOperationRight:
    """AUTH-8: a request to transfer (转让) or subcontract (转包/分包) the operation right."""

    to_org_id: str
    kind: str


Command = (
    PublishTender
    | SubmitApplication
    | CloseApplications
    | ScoreApplication
    | PublicizeResult
    | FileObjection
    | DecideObjection
    | ClosePublicity
    | DraftAgreement
    | RecordCollectiveDecision
    | RecordFinanceOpinion
    | SignAgreement
    | ApplyForRenewal
    | DecideRenewal
    | Suspend
    | ReportCorrection
    | Reinstate
    | Terminate
    | Expire
    | CancelTender
    | TransferOperationRight
)


@dataclass(frozen=True, slots=True)
class Facts:
    """What a decision needs beyond the aggregate: the time, who acts, the jurisdiction's
    settings, and facts the caller looked up (the applicant's registered credit code, the
    other agreements in force in the region, the region's implementation plan (AUTH-12),
    and the version of the authorization's emergency plan evaluation announced (SEC-2),
    0 when none)."""

    now: datetime
    actor: Actor
    settings: JurisdictionSettings
    applicant_credit_code: str = ""
    applicant_role: str = ""
    other_active: tuple[ActiveAgreement, ...] = ()
    implementation_plan: ImplementationPlan | None = None
    emergency_plan_version: int = 0

    @property
    def today(self) -> date:
        return local_date(self.now)


# -- guards ----------------------------------------------------------------------------


def _bureau(facts: Facts, what: str) -> None:
    """AUTH-1: only the bureau (实施机构) authorizes; a provider never does on its own."""
    if facts.actor.role is not Role.BUREAU:
        raise Forbidden(
            f"only the bureau (实施机构) may {what}; a {facts.actor.role.value} may not "
            "(AUTH-1: providers never authorize on their own)",
            rule="AUTH-1",
        )


def _system(facts: Facts, what: str) -> None:
    if facts.actor.role is not Role.SYSTEM:
        raise Forbidden(f"{what} happens by the clock (the sweep), not on request")


def _the_operator(auth: Authorization, facts: Facts, what: str) -> None:
    if facts.actor.role is not Role.OPERATOR or facts.actor.org_id != auth.operator_org_id:
        raise Forbidden(f"only the authorized operator may {what}")


def _allowed(auth: Authorization, kind: str) -> None:
    advance(auth.state, kind)


def _agreement_of(auth: Authorization) -> Agreement:
    if auth.agreement is None:
        raise DomainError("no agreement is drafted", rule="AUTH-4")
    return auth.agreement


def _publicity_end(auth: Authorization) -> datetime:
    if auth.publicity_ends_at is None:
        raise DomainError("no result is publicized", rule="AUTH-2")
    return auth.publicity_ends_at


def _suspension_of(auth: Authorization) -> Suspension:
    if auth.suspension is None:
        raise DomainError("the agreement is not suspended", rule="AUTH-6")
    return auth.suspension


def _text(value: str, name: str, rule: str) -> str:
    if not value.strip():
        raise DomainError(f"{name} must not be empty", rule=rule, field=name)
    return value.strip()


# -- decide ----------------------------------------------------------------------------


def decide(auth: Authorization | None, cmd: Command, facts: Facts) -> list[DomainEvent]:
    if isinstance(cmd, PublishTender):
        return [_publish(auth, cmd, facts)]
    if isinstance(cmd, TransferOperationRight):
        return _refuse_transfer(cmd)
    if auth is None:
        raise DomainError("no such authorization")
    now = facts.now
    match cmd:
        case SubmitApplication():
            return [_submit(auth, cmd, facts)]
        case CloseApplications():
            _bureau(facts, "close the applications")
            _allowed(auth, ApplicationsClosed.kind)
            if not auth.applications:
                raise DomainError("no application to evaluate", rule="AUTH-2")
            return [ApplicationsClosed(at=now)]
        case ScoreApplication(application_id=app_id, score=score, remarks=remarks):
            _bureau(facts, "score applications")
            _allowed(auth, ApplicationScored.kind)
            if auth.application(app_id) is None:
                raise DomainError(f"no application {app_id}", field="application_id")
            if not 0 <= score <= 100:
                raise DomainError("a score is between 0 and 100", rule="AUTH-2", field="score")
            return [ApplicationScored(application_id=app_id, score=score, remarks=remarks)]
        case PublicizeResult():
            return [_publicize(auth, facts)]
        case FileObjection(objection_id=oid, grounds=grounds):
            if facts.actor.role is Role.BUREAU:
                raise Forbidden("the bureau decides objections; it does not file them")
            _allowed(auth, ObjectionFiled.kind)
            ends = _publicity_end(auth)
            if now >= ends:
                raise DomainError(
                    f"the publicity period ended at {ends.isoformat()}", rule="AUTH-2"
                )
            objection = Objection(
                objection_id=oid,
                filed_by_org_id=facts.actor.org_id,
                grounds=_text(grounds, "grounds", "AUTH-2"),
                filed_at=now,
            )
            return [ObjectionFiled(objection=objection)]
        case DecideObjection(objection_id=oid, uphold=uphold, reason=reason):
            _bureau(facts, "decide objections")
            kind = ObjectionUpheld.kind if uphold else ObjectionDismissed.kind
            _allowed(auth, kind)
            pending = {o.objection_id for o in auth.pending_objections}
            if oid not in pending:
                raise Conflict(f"no pending objection {oid}", rule="AUTH-2")
            why = _text(reason, "reason", "AUTH-2")
            if uphold:
                return [
                    ObjectionUpheld(
                        objection_id=oid,
                        reason=why,
                        at=now,
                        annulled_org_id=auth.operator_org_id,
                    )
                ]
            return [ObjectionDismissed(objection_id=oid, reason=why, at=now)]
        case ClosePublicity():
            _system(facts, "closing the publicity period")
            _allowed(auth, PublicityClosed.kind)
            if now < _publicity_end(auth):
                raise DomainError("the publicity period has not ended", rule="AUTH-2")
            if auth.pending_objections:
                raise DomainError("objections are still pending", rule="AUTH-2")
            return [PublicityClosed(at=now)]
        case DraftAgreement():
            return [_draft(auth, cmd, facts)]
        case RecordCollectiveDecision():
            return [_collective_decision(auth, cmd, facts)]
        case RecordFinanceOpinion():
            return [_finance_opinion(auth, cmd, facts)]
        case SignAgreement():
            return [_sign(auth, facts)]
        case ApplyForRenewal(proposed_ends_on=proposed):
            _the_operator(auth, facts, "apply for renewal")
            _allowed(auth, RenewalApplied.kind)
            agreement = _agreement_of(auth)
            check_renewal_window(facts.today, agreement.ends_on, facts.settings)
            check_term(agreement.ends_on, proposed, facts.settings)
            return [RenewalApplied(renewal=Renewal(applied_at=now, proposed_ends_on=proposed))]
        case DecideRenewal(approve=approve, reason=reason, ends_on=ends_on):
            _bureau(facts, "decide renewals")
            if not approve:
                _allowed(auth, RenewalRejected.kind)
                return [RenewalRejected(reason=_text(reason, "reason", "AUTH-5"))]
            _allowed(auth, RenewalApproved.kind)
            new_end = ends_on or auth.renewals[-1].proposed_ends_on
            check_term(_agreement_of(auth).ends_on, new_end, facts.settings)
            return [RenewalApproved(ends_on=new_end, reason=reason.strip())]
        case Suspend(reason=reason):
            _bureau(facts, "suspend an agreement")
            _allowed(auth, AgreementSuspended.kind)
            suspension = Suspension(
                reason=_text(reason, "reason", "AUTH-6"),
                suspended_at=now,
                correction_due=facts.today + timedelta(days=facts.settings.correction_days),
            )
            return [AgreementSuspended(suspension=suspension)]
        case ReportCorrection(report=report):
            _the_operator(auth, facts, "report its correction")
            _allowed(auth, CorrectionReported.kind)
            due_on = _suspension_of(auth).correction_due
            if facts.today > due_on:
                raise DomainError(f"the correction deadline {due_on} has passed", rule="AUTH-6")
            return [CorrectionReported(report=_text(report, "report", "AUTH-6"), at=now)]
        case Reinstate():
            _bureau(facts, "reinstate an agreement")
            _allowed(auth, AgreementReinstated.kind)
            suspension = _suspension_of(auth)
            return [
                AgreementReinstated(
                    at=now,
                    suspended_at=suspension.suspended_at,
                    suspension_reason=suspension.reason,
                )
            ]
        case Terminate(ground=ground, reason=reason):
            return [_terminate(auth, ground, reason, facts)]
        case Expire():
            _system(facts, "expiry")
            _allowed(auth, AgreementExpired.kind)
            last_day = _agreement_of(auth).ends_on
            if facts.today <= last_day:
                raise DomainError(f"the agreement runs until {last_day}")
            return [AgreementExpired(at=now)]
        case CancelTender(reason=reason):
            _bureau(facts, "cancel a tender")
            _allowed(auth, TenderCancelled.kind)
            return [TenderCancelled(reason=_text(reason, "reason", "AUTH-2"), at=now)]
    raise TypeError(f"unknown command {cmd!r}")


def _publish(auth: Authorization | None, cmd: PublishTender, facts: Facts) -> TenderPublished:
    _bureau(facts, "publish a tender for the operator")
    check_county_may_authorize(cmd.region, facts.settings, "publish a tender for the operator")
    check_selection_mode(cmd.selection_mode.value, facts.settings)
    if auth is not None:
        raise Conflict(f"authorization {cmd.authorization_id} exists already")
    title = _text(cmd.title, "title", "AUTH-2")
    scope = check_scope(cmd.scope)
    invited = tuple(dict.fromkeys(cmd.invited_org_ids))
    if cmd.selection_mode in INVITATION_MODES and not invited:
        raise DomainError(
            f"a {cmd.selection_mode.value} names the organizations invited",
            rule="AUTH-2",
            field="invited_org_ids",
        )
    if cmd.selection_mode is SelectionMode.PUBLIC_TENDER and invited:
        raise DomainError(
            "a public tender is open to every qualified operator; it names no invitees",
            rule="AUTH-2",
            field="invited_org_ids",
        )
    return TenderPublished(
        authorization=Authorization(
            authorization_id=cmd.authorization_id,
            region=cmd.region,
            bureau_org_id=facts.actor.org_id,
            title=title,
            selection_mode=cmd.selection_mode,
            scope=scope,
            published_at=facts.now,
            invited_org_ids=invited,
        )
    )


def _submit(auth: Authorization, cmd: SubmitApplication, facts: Facts) -> ApplicationSubmitted:
    if facts.actor.role is not Role.OPERATOR or facts.applicant_role != "operator":
        raise Forbidden("only an organization registered as an operator applies", rule="AUTH-9")
    _allowed(auth, ApplicationSubmitted.kind)
    org_id = facts.actor.org_id
    if auth.selection_mode in INVITATION_MODES and org_id not in auth.invited_org_ids:
        raise Forbidden(
            f"this {auth.selection_mode.value} is open to invited organizations only",
            rule="AUTH-2",
        )
    if any(a.org_id == org_id for a in auth.applications):
        raise Conflict("this organization has applied already", rule="AUTH-9")
    applications.check(
        cmd.record, today=facts.today, registered_credit_code=facts.applicant_credit_code
    )
    return ApplicationSubmitted(
        application=Application(
            application_id=cmd.application_id,
            org_id=org_id,
            submitted_at=facts.now,
            record=cmd.record,
        )
    )


def _publicize(auth: Authorization, facts: Facts) -> ResultPublicized:
    """AUTH-2: the best-scored application is publicized for the jurisdiction's period."""
    _bureau(facts, "publicize the selection result")
    _allowed(auth, ResultPublicized.kind)
    unscored = [a.application_id for a in auth.applications if a.score is None]
    if unscored:
        raise DomainError(
            f"every application is scored before the result: {', '.join(unscored)} not yet",
            rule="AUTH-2",
        )
    best = max(a.score or 0.0 for a in auth.applications)
    leaders = [a for a in auth.applications if a.score == best]
    if len(leaders) > 1:
        raise Conflict(
            "two or more applications share the best score; the evaluation must rank them",
            rule="AUTH-2",
        )
    return ResultPublicized(
        winner_application_id=leaders[0].application_id,
        publicity_ends_at=end_of_period_in_days(facts.now, facts.settings.publicity_days),
    )


def _draft(auth: Authorization, cmd: DraftAgreement, facts: Facts) -> AgreementDrafted:
    _bureau(facts, "draft the agreement")
    _allowed(auth, AgreementDrafted.kind)
    check_known_sections(cmd.sections)
    if cmd.ends_on <= cmd.starts_on:
        raise DomainError("the term must end after it starts", rule="AUTH-3", field="ends_on")
    return AgreementDrafted(
        agreement=Agreement(
            agreement_id=auth.agreement.agreement_id if auth.agreement else cmd.agreement_id,
            operator_org_id=auth.operator_org_id,
            starts_on=cmd.starts_on,
            ends_on=cmd.ends_on,
            sections={k: v.strip() for k, v in cmd.sections.items()},
        )
    )


def _collective_decision(
    auth: Authorization, cmd: RecordCollectiveDecision, facts: Facts
) -> CollectiveDecisionRecorded:
    """AUTH-11: the decision on the agreement as drafted now (a redraft clears it)."""
    _bureau(facts, "record the collective decision")
    _allowed(auth, CollectiveDecisionRecorded.kind)
    if cmd.decided_on > facts.today:
        raise DomainError("record a decision once taken", rule="AUTH-11", field="decided_on")
    _agreement_of(auth)
    if auth.collective_decision is not None and auth.collective_decision.approved:
        raise Conflict("the collective decision on this draft is recorded", rule="AUTH-11")
    return CollectiveDecisionRecorded(
        decision=CollectiveDecision(
            body=_text(cmd.body, "body", "AUTH-11"),
            meeting=_text(cmd.meeting, "meeting", "AUTH-11"),
            decided_on=cmd.decided_on,
            approved=cmd.approved,
            recorded_at=facts.now,
            recorded_by=facts.actor.user_id,
        )
    )


def _finance_opinion(
    auth: Authorization, cmd: RecordFinanceOpinion, facts: Facts
) -> FinanceOpinionRecorded:
    """AUTH-11: the finance department's opinion on the revenue-sharing clauses."""
    _bureau(facts, "record the finance department's opinion")
    _allowed(auth, FinanceOpinionRecorded.kind)
    if cmd.given_on > facts.today:
        raise DomainError("record an opinion once given", rule="AUTH-11", field="given_on")
    return FinanceOpinionRecorded(
        opinion=FinanceOpinion(
            department=_text(cmd.department, "department", "AUTH-11"),
            opinion=_text(cmd.opinion, "opinion", "AUTH-11"),
            given_on=cmd.given_on,
            recorded_at=facts.now,
        )
    )


def check_before_signing(auth: Authorization, facts: Facts) -> None:
    """AUTH-11, AUTH-12, SEC-2 and FED-1: what must be on record before the signature."""
    check_county_may_authorize(auth.region, facts.settings, "sign an authorization")
    decision = auth.collective_decision
    if decision is None or not decision.approved:
        raise DomainError(
            "the agreement is signed only after the bureau's collective decision "
            "(“三重一大”决策机制) approves it; "
            + ("it did not approve this draft" if decision else "none is recorded")
            + " (AUTH-11)",
            rule="AUTH-11",
            field="collective_decision",
        )
    if auth.finance_opinion is None:
        raise DomainError(
            "the revenue-sharing clauses need the same-level finance department's opinion "
            "(涉及收益分配的内容，需征求同级财政部门的意见); none is recorded (AUTH-11)",
            rule="AUTH-11",
            field="finance_opinion",
        )
    plans.check_authorization(facts.implementation_plan, auth.scope)
    if facts.emergency_plan_version < 1:
        raise DomainError(
            "no emergency plan (一授权一预案) drawn up by the bureau for this authorization is "
            "known; no agreement becomes active without its plan (SEC-2)",
            rule="SEC-2",
            field="emergency_plan",
        )


def _sign(auth: Authorization, facts: Facts) -> AgreementSigned:
    """AUTH-2 (only after publicity closed: the table), AUTH-4 (sections), AUTH-3 (term),
    AUTH-10 (exclusivity of whole and domain authorizations), and what must be on record
    first (``check_before_signing``: AUTH-11, AUTH-12, SEC-2, FED-1)."""
    _bureau(facts, "sign an authorization agreement")
    _allowed(auth, AgreementSigned.kind)
    agreement = _agreement_of(auth)
    check_sections_complete(agreement.sections)
    check_term(agreement.starts_on, agreement.ends_on, facts.settings)
    if agreement.starts_on < facts.today:
        raise DomainError(
            f"the term starts on {agreement.starts_on}, before today; redraft it",
            rule="AUTH-3",
            field="starts_on",
        )
    check_before_signing(auth, facts)
    check_exclusive(
        auth.scope, (o for o in facts.other_active if o.authorization_id != auth.authorization_id)
    )
    return AgreementSigned(signed_at=facts.now, signed_by=facts.actor.user_id)


def _terminate(auth: Authorization, ground: str, reason: str, facts: Facts) -> AgreementTerminated:
    _bureau(facts, "terminate an agreement")
    _allowed(auth, AgreementTerminated.kind)
    allowed = TERMINATION_GROUNDS[auth.state]
    if ground == "targets_missed" and ground not in allowed:
        raise DomainError(
            "a missed business target is first a rectification order with a deadline; the "
            "agreement ends only when it is not rectified (002 §4(五), AUTH-6)",
            rule="AUTH-6",
            field="ground",
        )
    if ground not in allowed:
        raise DomainError(
            f"in state {auth.state.value} an agreement is terminated for: "
            + ", ".join(sorted(allowed)),
            rule="AUTH-6",
            field="ground",
        )
    if ground in CORRECTION_OVERDUE_GROUNDS and auth.state is State.SUSPENDED:
        due_on = _suspension_of(auth).correction_due
        if facts.today <= due_on:
            raise DomainError(f"the correction deadline {due_on} has not passed", rule="AUTH-6")
    why = _text(reason, "reason", "AUTH-6")
    return AgreementTerminated(ground=ground, reason=why, at=facts.now)


def _refuse_transfer(cmd: TransferOperationRight) -> list[DomainEvent]:
    """AUTH-8: the operation right is never transferred or subcontracted; only the
    operator's subsidiaries or managed bodies may build and run, under its own agreement."""
    verb = "subcontracted" if cmd.kind == "subcontract" else "transferred"
    raise DomainError(
        f"the operation right cannot be {verb} to {cmd.to_org_id}: the operator may not "
        "transfer or subcontract it (AUTH-8); only its subsidiaries or managed bodies may "
        "build and run under its own agreement",
        rule="AUTH-8",
    )


# -- the sweep -------------------------------------------------------------------------


def due(auth: Authorization, now: datetime) -> ClosePublicity | Expire | None:
    """What the clock alone causes now: the end of a publicity period with no objection
    pending, or the expiry of an agreement past its last day. ``None`` when nothing is due,
    so running the sweep twice changes nothing the second time."""
    if (
        auth.state is State.PUBLICIZED
        and auth.publicity_ends_at is not None
        and now >= auth.publicity_ends_at
        and not auth.pending_objections
    ):
        return ClosePublicity()
    if (
        auth.agreement is not None
        and AgreementExpired.kind in TRANSITIONS[auth.state]
        and local_date(now) > auth.agreement.ends_on
    ):
        return Expire()
    return None


# -- contract events -------------------------------------------------------------------


def published(after: Authorization, event: DomainEvent) -> contract.Event | None:
    """The contract event other services see for a domain event, if any (AUTH-7: they act
    on suspension, termination and expiry; AUTH-6: on reinstatement they restore what the
    suspension closed)."""
    match event:
        case TenderPublished():
            return contract.TenderPublished(
                authorization_id=after.authorization_id,
                title=after.title,
                selection_mode=after.selection_mode.value,
                mode=after.scope.mode.value,
                domain=after.scope.domain,
                invited_org_ids=list(after.invited_org_ids),
                region=after.region,
            )
        case ResultPublicized(publicity_ends_at=ends):
            return contract.SelectionPublicized(
                authorization_id=after.authorization_id,
                operator_org_id=after.operator_org_id,
                publicity_ends_at=ends,
            )
        case ObjectionUpheld(reason=reason, annulled_org_id=annulled):
            return contract.SelectionAnnulled(
                authorization_id=after.authorization_id, operator_org_id=annulled, reason=reason
            )
        case AgreementSigned():
            agreement = _agreement_of(after)
            return contract.AgreementSigned(
                agreement_id=agreement.agreement_id,
                operator_org_id=agreement.operator_org_id,
                mode=after.scope.mode.value,
                starts_on=agreement.starts_on,
                ends_on=agreement.ends_on,
                resource_scope=list(after.scope.resources),
                domain=after.scope.domain,
                industry_authority_org_id=after.scope.industry_authority_org_id,
                authorization_id=after.authorization_id,
            )
        case RenewalApproved(ends_on=ends_on):
            agreement = _agreement_of(after)
            return contract.AgreementRenewed(
                agreement_id=agreement.agreement_id,
                operator_org_id=agreement.operator_org_id,
                ends_on=ends_on,
            )
        case AgreementSuspended(suspension=suspension):
            agreement = _agreement_of(after)
            return contract.AgreementSuspended(
                agreement_id=agreement.agreement_id,
                operator_org_id=agreement.operator_org_id,
                reason=suspension.reason,
                correction_due=suspension.correction_due,
                suspended_at=suspension.suspended_at,
            )
        case AgreementReinstated(suspended_at=suspended_at, suspension_reason=why):
            agreement = _agreement_of(after)
            return contract.AgreementReinstated(
                agreement_id=agreement.agreement_id,
                operator_org_id=agreement.operator_org_id,
                suspended_at=suspended_at,
                suspension_reason=why,
                ends_on=agreement.ends_on,
            )
        case AgreementTerminated(ground=ground, reason=reason):
            agreement = _agreement_of(after)
            return contract.AgreementTerminated(
                agreement_id=agreement.agreement_id,
                operator_org_id=agreement.operator_org_id,
                reason=f"{ground}: {reason}",
                ground=ground,
            )
        case AgreementExpired():
            agreement = _agreement_of(after)
            return contract.AgreementExpired(
                agreement_id=agreement.agreement_id, operator_org_id=agreement.operator_org_id
            )
    return None
