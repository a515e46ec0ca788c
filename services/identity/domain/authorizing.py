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
    CorrectionReported,
    DomainEvent,
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
    transition,
)
from services.identity.domain.dates import local_date
from services.identity.domain.jurisdiction import JurisdictionSettings

INVITATION_MODES = frozenset({SelectionMode.INVITED_TENDER, SelectionMode.COMPETITIVE_NEGOTIATION})

TERMINATION_GROUNDS: dict[State, frozenset[str]] = {
    State.ACTIVE: frozenset({"operator_request", "targets_missed", "penalty"}),
    State.RENEWAL_PENDING: frozenset({"operator_request", "targets_missed", "penalty"}),
    State.SUSPENDED: frozenset({"not_corrected", "penalty"}),
    State.CORRECTION_REPORTED: frozenset({"correction_rejected", "penalty"}),
}
"""AUTH-6 exits other than expiry: early termination at the operator's request (with
liability), business targets missed and not rectified, an administrative or criminal
penalty restricting data business, and a violation not corrected (after the deadline) or
whose correction the bureau rejects."""


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
    other agreements in force in the region)."""

    now: datetime
    actor: Actor
    settings: JurisdictionSettings
    applicant_credit_code: str = ""
    applicant_role: str = ""
    other_active: tuple[ActiveAgreement, ...] = ()

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
    transition(auth.state, kind)


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
            assert auth.publicity_ends_at is not None
            if now >= auth.publicity_ends_at:
                raise DomainError(
                    f"the publicity period ended at {auth.publicity_ends_at.isoformat()}",
                    rule="AUTH-2",
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
            assert auth.publicity_ends_at is not None
            if now < auth.publicity_ends_at:
                raise DomainError("the publicity period has not ended", rule="AUTH-2")
            if auth.pending_objections:
                raise DomainError("objections are still pending", rule="AUTH-2")
            return [PublicityClosed(at=now)]
        case DraftAgreement():
            return [_draft(auth, cmd, facts)]
        case SignAgreement():
            return [_sign(auth, facts)]
        case ApplyForRenewal(proposed_ends_on=proposed):
            _the_operator(auth, facts, "apply for renewal")
            _allowed(auth, RenewalApplied.kind)
            assert auth.agreement is not None
            check_renewal_window(facts.today, auth.agreement.ends_on, facts.settings)
            check_term(auth.agreement.ends_on, proposed, facts.settings)
            return [RenewalApplied(renewal=Renewal(applied_at=now, proposed_ends_on=proposed))]
        case DecideRenewal(approve=approve, reason=reason, ends_on=ends_on):
            _bureau(facts, "decide renewals")
            if not approve:
                _allowed(auth, RenewalRejected.kind)
                return [RenewalRejected(reason=_text(reason, "reason", "AUTH-5"))]
            _allowed(auth, RenewalApproved.kind)
            assert auth.agreement is not None
            new_end = ends_on or auth.renewals[-1].proposed_ends_on
            check_term(auth.agreement.ends_on, new_end, facts.settings)
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
            assert auth.suspension is not None
            if facts.today > auth.suspension.correction_due:
                raise DomainError(
                    f"the correction deadline {auth.suspension.correction_due} has passed",
                    rule="AUTH-6",
                )
            return [CorrectionReported(report=_text(report, "report", "AUTH-6"), at=now)]
        case Reinstate():
            _bureau(facts, "reinstate an agreement")
            _allowed(auth, AgreementReinstated.kind)
            return [AgreementReinstated(at=now)]
        case Terminate(ground=ground, reason=reason):
            return [_terminate(auth, ground, reason, facts)]
        case Expire():
            _system(facts, "expiry")
            _allowed(auth, AgreementExpired.kind)
            assert auth.agreement is not None
            if facts.today <= auth.agreement.ends_on:
                raise DomainError(f"the agreement runs until {auth.agreement.ends_on}")
            return [AgreementExpired(at=now)]
        case CancelTender(reason=reason):
            _bureau(facts, "cancel a tender")
            _allowed(auth, TenderCancelled.kind)
            return [TenderCancelled(reason=_text(reason, "reason", "AUTH-2"), at=now)]
    raise TypeError(f"unknown command {cmd!r}")


def _publish(auth: Authorization | None, cmd: PublishTender, facts: Facts) -> TenderPublished:
    _bureau(facts, "publish a tender for the operator")
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
        publicity_ends_at=facts.now + timedelta(days=facts.settings.publicity_days),
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


def _sign(auth: Authorization, facts: Facts) -> AgreementSigned:
    """AUTH-2 (only after publicity closed: the table), AUTH-4 (sections), AUTH-3 (term),
    AUTH-10 (exclusivity of whole and domain authorizations)."""
    _bureau(facts, "sign an authorization agreement")
    _allowed(auth, AgreementSigned.kind)
    assert auth.agreement is not None
    check_sections_complete(auth.agreement.sections)
    check_term(auth.agreement.starts_on, auth.agreement.ends_on, facts.settings)
    if auth.agreement.starts_on < facts.today:
        raise DomainError(
            f"the term starts on {auth.agreement.starts_on}, before today; redraft it",
            rule="AUTH-3",
            field="starts_on",
        )
    check_exclusive(
        auth.scope, (o for o in facts.other_active if o.authorization_id != auth.authorization_id)
    )
    return AgreementSigned(signed_at=facts.now, signed_by=facts.actor.user_id)


def _terminate(auth: Authorization, ground: str, reason: str, facts: Facts) -> AgreementTerminated:
    _bureau(facts, "terminate an agreement")
    _allowed(auth, AgreementTerminated.kind)
    allowed = TERMINATION_GROUNDS[auth.state]
    if ground not in allowed:
        raise DomainError(
            f"in state {auth.state.value} an agreement is terminated for: "
            + ", ".join(sorted(allowed)),
            rule="AUTH-6",
            field="ground",
        )
    if ground == "not_corrected":
        assert auth.suspension is not None
        if facts.today <= auth.suspension.correction_due:
            raise DomainError(
                f"the correction deadline {auth.suspension.correction_due} has not passed",
                rule="AUTH-6",
            )
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
    on suspension, termination and expiry)."""
    agreement = after.agreement
    match event:
        case TenderPublished():
            return contract.TenderPublished(
                authorization_id=after.authorization_id,
                title=after.title,
                selection_mode=after.selection_mode.value,
                mode=after.scope.mode.value,
                domain=after.scope.domain,
                invited_org_ids=list(after.invited_org_ids),
            )
        case ResultPublicized(publicity_ends_at=ends):
            winner = after.winner
            assert winner is not None
            return contract.SelectionPublicized(
                authorization_id=after.authorization_id,
                operator_org_id=winner.org_id,
                publicity_ends_at=ends,
            )
        case ObjectionUpheld(reason=reason, annulled_org_id=annulled):
            return contract.SelectionAnnulled(
                authorization_id=after.authorization_id, operator_org_id=annulled, reason=reason
            )
        case AgreementSigned():
            assert agreement is not None
            return contract.AgreementSigned(
                agreement_id=agreement.agreement_id,
                operator_org_id=agreement.operator_org_id,
                mode=after.scope.mode.value,
                starts_on=agreement.starts_on,
                ends_on=agreement.ends_on,
                resource_scope=list(after.scope.resources),
                domain=after.scope.domain,
                industry_authority_org_id=after.scope.industry_authority_org_id,
            )
        case RenewalApproved(ends_on=ends_on):
            assert agreement is not None
            return contract.AgreementRenewed(
                agreement_id=agreement.agreement_id,
                operator_org_id=agreement.operator_org_id,
                ends_on=ends_on,
            )
        case AgreementSuspended(suspension=suspension):
            assert agreement is not None
            return contract.AgreementSuspended(
                agreement_id=agreement.agreement_id,
                operator_org_id=agreement.operator_org_id,
                reason=suspension.reason,
                correction_due=suspension.correction_due,
            )
        case AgreementReinstated():
            assert agreement is not None
            return contract.AgreementReinstated(
                agreement_id=agreement.agreement_id, operator_org_id=agreement.operator_org_id
            )
        case AgreementTerminated(ground=ground, reason=reason):
            assert agreement is not None
            return contract.AgreementTerminated(
                agreement_id=agreement.agreement_id,
                operator_org_id=agreement.operator_org_id,
                reason=f"{ground}: {reason}",
            )
        case AgreementExpired():
            assert agreement is not None
            return contract.AgreementExpired(
                agreement_id=agreement.agreement_id, operator_org_id=agreement.operator_org_id
            )
    return None
