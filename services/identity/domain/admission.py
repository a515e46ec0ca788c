"""Developer admission (开发利用主体入驻, DEV-1) and exit or removal (DEV-2).

Theory of operation: a developer organization applies to the authorized operator with
its capability statements (data management, security) and its declarations (good
standing, no network or data security incident in 3 years). The operator approves or
rejects with a reason; an approved developer is admitted when the development agreement
(开发利用协议) is signed, which emits ``developer.admitted``. An admitted developer may exit,
or the operator may remove it; both emit ``developer.removed`` (sandboxes close on it).
The operator reports admissions to the bureau (a listing per period).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from contracts import events as contract
from contracts.envelope import Actor, Role
from contracts.errors import Conflict, DomainError, Forbidden
from contracts.machine import transition
from services.identity.domain.dates import local_date

MACHINE = "developer admission"
MIN_STATEMENT = 10
"""A capability statement says something: at least 10 characters (a sentence in Chinese)."""


class State(StrEnum):
    APPLIED = "applied"  # 已申请
    APPROVED = "approved"  # 审核通过，待签开发利用协议
    ADMITTED = "admitted"  # 已入驻
    REJECTED = "rejected"  # 未通过
    REMOVED = "removed"  # 被清退
    EXITED = "exited"  # 主动退出


class Kind(StrEnum):
    """What happens to an admission: the one name of each event kind, used as the key of
    ``TRANSITIONS`` and of ``RULE_OF_EVENT``."""

    APPROVED = "approved"  # 审核通过
    REJECTED = "rejected"  # 审核未通过
    AGREEMENT_SIGNED = "agreement_signed"  # 签订开发利用协议
    REMOVED = "removed"  # 清退
    EXITED = "exited"  # 主动退出


S = State
K = Kind
TRANSITIONS: Mapping[State, Mapping[Kind, State]] = {
    S.APPLIED: {K.APPROVED: S.APPROVED, K.REJECTED: S.REJECTED},
    S.APPROVED: {K.AGREEMENT_SIGNED: S.ADMITTED, K.REJECTED: S.REJECTED},
    S.ADMITTED: {K.REMOVED: S.REMOVED, K.EXITED: S.EXITED},
    S.REJECTED: {},
    S.REMOVED: {},
    S.EXITED: {},
}
TERMINAL: frozenset[State] = frozenset({S.REJECTED, S.REMOVED, S.EXITED})
OPEN: frozenset[State] = frozenset({S.APPLIED, S.APPROVED, S.ADMITTED})
RULE_OF_EVENT: Mapping[Kind, str] = {
    K.APPROVED: "DEV-1",
    K.REJECTED: "DEV-1",
    K.AGREEMENT_SIGNED: "DEV-1",
    K.REMOVED: "DEV-2",
    K.EXITED: "DEV-2",
}


def advance(state: str, event: Kind) -> State:
    """The state after ``event``; ``IllegalTransition`` if there is none."""
    return transition(MACHINE, TRANSITIONS, state, event, rule=RULE_OF_EVENT)


@dataclass(frozen=True, slots=True)
class AdmissionRequest:
    """What the developer declares (DEV-1)."""

    data_management_capability: str
    security_capability: str
    no_security_incident_3_years: bool
    good_standing: bool


@dataclass(frozen=True, slots=True)
class CooperationFiling:
    """DEV-3: the operator's filing (备案) of its cooperation agreement with a data merchant
    with the bureau — 000 §4.5: 签订合作协议，并将协议提交市大数据局备案."""

    reference: str
    summary: str
    filed_at: datetime
    filed_by: str


@dataclass(frozen=True, slots=True)
class Admission:
    admission_id: str
    region: str
    developer_org_id: str
    operator_org_id: str
    request: AdmissionRequest
    applied_at: datetime
    state: State = State.APPLIED
    reviewed_at: datetime | None = None
    review_reason: str = ""
    development_agreement_id: str = ""
    agreement_terms: str = ""
    admitted_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str = ""
    cooperation_filing: CooperationFiling | None = None

    @property
    def cooperation_complete(self) -> bool:
        """DEV-3: admitted with the development (cooperation) agreement signed *and* filed
        with the bureau; without the filing the cooperation is not complete."""
        return self.state is State.ADMITTED and self.cooperation_filing is not None


def _refuse(what: str, field: str) -> DomainError:
    return DomainError(what, rule="DEV-1", field=field)


def apply(
    admission_id: str,
    region: str,
    operator_org_id: str,
    request: AdmissionRequest,
    *,
    actor: Actor,
    developer_registered: bool,
    operator_authorized: bool,
    already_open: bool,
    now: datetime,
) -> Admission:
    """DEV-1: a registered developer applies to an operator that holds an agreement in
    force, with real capability statements and both declarations made."""
    if actor.role is not Role.DEVELOPER or not developer_registered:
        raise Forbidden("only an organization registered as a developer applies", rule="DEV-1")
    if not operator_authorized:
        raise _refuse(
            f"{operator_org_id} holds no authorization agreement in force; only the "
            "authorized operator admits developers",
            "operator_org_id",
        )
    for name, text in (
        ("data_management_capability", request.data_management_capability),
        ("security_capability", request.security_capability),
    ):
        if len(text.strip()) < MIN_STATEMENT:
            raise _refuse(
                f"the {name.replace('_', ' ')} statement needs at least {MIN_STATEMENT} "
                "characters describing it",
                name,
            )
    if not request.no_security_incident_3_years:
        raise _refuse(
            "a developer with a network or data security incident in the last 3 years is "
            "not admitted",
            "no_security_incident_3_years",
        )
    if not request.good_standing:
        raise _refuse("a developer not in good standing is not admitted", "good_standing")
    if already_open:
        raise Conflict(
            "this developer already has an open admission with this operator", rule="DEV-1"
        )
    return Admission(
        admission_id=admission_id,
        region=region,
        developer_org_id=actor.org_id,
        operator_org_id=operator_org_id,
        request=request,
        applied_at=now,
    )


def _the_operator(admission: Admission, actor: Actor, what: str) -> None:
    if actor.role is not Role.OPERATOR or actor.org_id != admission.operator_org_id:
        raise Forbidden(f"only the operator applied to may {what}", rule="DEV-1")


def review(
    admission: Admission, *, approve: bool, reason: str, actor: Actor, now: datetime
) -> tuple[Admission, list[contract.Event]]:
    """DEV-1: the operator approves or rejects; a rejection states its reason and is
    announced, so the developer can appeal it to the bureau (REQ-6)."""
    _the_operator(admission, actor, "review this application")
    state = advance(admission.state, Kind.APPROVED if approve else Kind.REJECTED)
    if not approve and not reason.strip():
        raise _refuse("a rejection states its reason", "reason")
    ended = now if state is State.REJECTED else None
    reviewed = replace(
        admission, state=state, reviewed_at=now, review_reason=reason.strip(), ended_at=ended
    )
    if state is not State.REJECTED:
        return reviewed, []
    rejected = contract.DeveloperAdmissionRejected(
        admission_id=admission.admission_id,
        developer_org_id=admission.developer_org_id,
        operator_org_id=admission.operator_org_id,
        reason=reviewed.review_reason,
    )
    return reviewed, [rejected]


def sign_agreement(
    admission: Admission,
    *,
    development_agreement_id: str,
    terms: str,
    actor: Actor,
    now: datetime,
) -> tuple[Admission, contract.DeveloperAdmitted]:
    """DEV-1: admission ends in a signed development agreement (开发利用协议)."""
    _the_operator(admission, actor, "sign the development agreement")
    state = advance(admission.state, Kind.AGREEMENT_SIGNED)
    if not terms.strip():
        raise _refuse("the development agreement states its terms", "terms")
    admitted = replace(
        admission,
        state=state,
        development_agreement_id=development_agreement_id,
        agreement_terms=terms.strip(),
        admitted_at=now,
    )
    event = contract.DeveloperAdmitted(
        developer_org_id=admission.developer_org_id,
        operator_org_id=admission.operator_org_id,
        development_agreement_id=development_agreement_id,
    )
    return admitted, event


def file_cooperation(
    admission: Admission, *, reference: str, summary: str, actor: Actor, now: datetime
) -> Admission:
    """DEV-3: the operator files the signed cooperation agreement with the bureau, once."""
    if actor.role is not Role.OPERATOR or actor.org_id != admission.operator_org_id:
        raise Forbidden(
            "only the operator that signed the cooperation agreement files it", rule="DEV-3"
        )
    if admission.state is not State.ADMITTED:
        raise DomainError(
            f"only a signed cooperation agreement is filed; the admission is "
            f"{admission.state.value}",
            rule="DEV-3",
        )
    if admission.cooperation_filing is not None:
        raise Conflict(
            f"filed already on {admission.cooperation_filing.filed_at.date()}", rule="DEV-3"
        )
    if not reference.strip() or not summary.strip():
        raise DomainError(
            "a filing gives the agreement's reference and a summary of its terms",
            rule="DEV-3",
            field="reference" if not reference.strip() else "summary",
        )
    filing = CooperationFiling(
        reference=reference.strip(), summary=summary.strip(), filed_at=now, filed_by=actor.org_id
    )
    return replace(admission, cooperation_filing=filing)


def end(
    admission: Admission, *, reason: str, actor: Actor, now: datetime
) -> tuple[Admission, contract.DeveloperRemoved]:
    """DEV-2: the developer exits, or the operator removes it with a reason."""
    if actor.role is Role.DEVELOPER and actor.org_id == admission.developer_org_id:
        event_kind, why = Kind.EXITED, reason.strip() or "exit at the developer's request"
    elif actor.role is Role.OPERATOR and actor.org_id == admission.operator_org_id:
        event_kind, why = Kind.REMOVED, reason.strip()
        if not why:
            raise DomainError("a removal states its reason", rule="DEV-2", field="reason")
    else:
        raise Forbidden("only the developer itself or its operator ends an admission", rule="DEV-2")
    state = advance(admission.state, event_kind)
    ended = replace(admission, state=state, ended_at=now, end_reason=why)
    return ended, contract.DeveloperRemoved(
        developer_org_id=admission.developer_org_id,
        operator_org_id=admission.operator_org_id,
        reason=f"{event_kind.value}: {why}",
    )


def in_period(admission: Admission, first: date, last: date) -> bool:
    """Whether the admission was granted or ended within ``[first, last]`` (local days):
    what the operator's report to the bureau lists for that period (DEV-1)."""
    days = [local_date(t) for t in (admission.admitted_at, admission.ended_at) if t]
    return any(first <= d <= last for d in days)
