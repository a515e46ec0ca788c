"""Grants of data use (数据使用授权, REQ-5): what an approved application allows, for how
long, and only inside a sandbox (授权运营空间).

Theory of operation: the last approval of an application issues one grant with the
scope the reviewers left (never more than requested, REQ-2). It is valid from the
decision until the wished day's end or, without a wish, the jurisdiction's default
number of days — and never past the end of the operator's agreement (capped). A grant is
revoked by the bureau with a reason, or at once when the agreement is terminated or
expires, or the developer is removed (AUTH-7, DEV-2); revoked is terminal. A suspended
agreement closes the grant's permission only for now (暂时关闭, AUTH-6): the grant is
``suspended`` and the agreement's reinstatement restores it as it was. A later negative
listing or withdrawal from the operation catalog narrows the grant to what remains, or
revokes it when nothing does (CAT-2). Allowed steps are the rows of ``TRANSITIONS``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from contracts.errors import Conflict, DomainError
from contracts.events import (
    GrantedResource,
    GrantIssued,
    GrantNarrowed,
    GrantReinstated,
    GrantRevoked,
    GrantSuspended,
)
from contracts.machine import transition
from services.request_review.domain.application import Application, ResourceScope
from services.request_review.domain.calendar import end_of_day

MACHINE = "grant"
USABLE_ONLY_IN = "sandbox"
"""REQ-5, SBX-1: a grant is usable only inside a sandbox of the sandbox broker."""
_GRANT_NAMESPACE = uuid.UUID("6f1c1a52-3c0e-4a8e-9a59-7b0f3c1d2e11")


class State(StrEnum):
    ACTIVE = "active"  # 有效
    SUSPENDED = "suspended"  # 暂时关闭 (AUTH-6)
    REVOKED = "revoked"  # 已撤销


class Action(StrEnum):
    REVOKE = "revoke"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    NARROW = "narrow"


TRANSITIONS: dict[State, dict[Action, State]] = {
    State.ACTIVE: {
        Action.REVOKE: State.REVOKED,
        Action.SUSPEND: State.SUSPENDED,
        Action.NARROW: State.ACTIVE,
    },
    State.SUSPENDED: {
        Action.REVOKE: State.REVOKED,
        Action.REINSTATE: State.ACTIVE,
        Action.NARROW: State.SUSPENDED,
    },
    State.REVOKED: {},
}

TERMINAL: frozenset[State] = frozenset({State.REVOKED})


def advance(state: str, action: Action) -> State:
    """The state after ``action``; ``IllegalTransition`` (REQ-5) if there is none."""
    return transition(MACHINE, TRANSITIONS, state, action, rule="REQ-5")


@dataclass(frozen=True, slots=True)
class Grant:
    grant_id: str
    application_id: str
    scenario_id: str
    scenario_class: str
    operator_org_id: str
    agreement_id: str
    developer_org_id: str
    purpose: str
    resources: tuple[ResourceScope, ...]
    valid_from: datetime
    valid_until: datetime
    status: str = State.ACTIVE.value
    revoked_at: datetime | None = None
    revocation_reason: str = ""
    suspended_at: datetime | None = None
    suspension_reason: str = ""
    narrowings: tuple[str, ...] = ()
    """Why the scope shrank after issue, one line per narrowing (CAT-2)."""

    def in_force(self, now: datetime) -> bool:
        return self.status == State.ACTIVE.value and self.valid_from <= now < self.valid_until


def grant_id_for(application_id: str) -> str:
    """One grant per application, with an id derived from it so issuing twice (after a
    crash) finds the same grant."""
    return str(uuid.uuid5(_GRANT_NAMESPACE, application_id))


def validity(
    *,
    now: datetime,
    wished_until: date | None,
    agreement_ends_on: date,
    default_days: int,
) -> tuple[datetime, datetime]:
    """REQ-5: from now until the wished day's end (or ``default_days`` on), capped at
    the end of the agreement's last day."""
    wanted = end_of_day(wished_until) if wished_until else now + timedelta(days=default_days)
    cap = end_of_day(agreement_ends_on)
    until = min(wanted, cap)
    if until <= now:
        raise DomainError(
            "the grant would end before it starts", rule="REQ-5", field="wished_valid_until"
        )
    return now, until


def issue(
    application: Application,
    *,
    now: datetime,
    agreement_ends_on: date,
    default_days: int,
) -> tuple[Grant, GrantIssued]:
    """REQ-5: the grant of an approved application; validity never past the agreement."""
    valid_from, valid_until = validity(
        now=now,
        wished_until=application.wished_valid_until,
        agreement_ends_on=agreement_ends_on,
        default_days=default_days,
    )
    grant = Grant(
        grant_id=grant_id_for(application.application_id),
        application_id=application.application_id,
        scenario_id=application.scenario_id,
        scenario_class=application.scenario_class,
        operator_org_id=application.operator_org_id,
        agreement_id=application.agreement_id,
        developer_org_id=application.developer_org_id,
        purpose=application.purpose,
        resources=application.scope,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return grant, issued_event(grant)


def issued_event(grant: Grant) -> GrantIssued:
    return GrantIssued(
        grant_id=grant.grant_id,
        application_id=grant.application_id,
        scenario_id=grant.scenario_id,
        developer_org_id=grant.developer_org_id,
        purpose=grant.purpose,
        resources=[
            GrantedResource(
                resource_id=s.resource_id,
                items=list(s.items),
                row_filter=s.row_filter,
                masking=dict(s.masking),
                origin_region=s.origin_region,
            )
            for s in grant.resources
        ],
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        scenario_class=grant.scenario_class,
        operator_org_id=grant.operator_org_id,
        agreement_id=grant.agreement_id,
    )


def revoke(grant: Grant, *, reason: str, now: datetime) -> tuple[Grant, GrantRevoked]:
    """REQ-5: the grant ends for good, with the reason."""
    if not reason.strip():
        raise DomainError("say why the grant is revoked", rule="REQ-5", field="reason")
    state = advance(grant.status, Action.REVOKE)
    after = replace(grant, status=state.value, revoked_at=now, revocation_reason=reason)
    return after, GrantRevoked(
        grant_id=grant.grant_id, developer_org_id=grant.developer_org_id, reason=reason
    )


def suspend(grant: Grant, *, reason: str, now: datetime) -> tuple[Grant, GrantSuspended]:
    """AUTH-6: the permission is closed for now (暂时关闭), scope and validity kept."""
    state = advance(grant.status, Action.SUSPEND)
    after = replace(grant, status=state.value, suspended_at=now, suspension_reason=reason)
    return after, GrantSuspended(
        grant_id=grant.grant_id, developer_org_id=grant.developer_org_id, reason=reason
    )


def reinstate(grant: Grant, *, reason: str) -> tuple[Grant, GrantReinstated]:
    """AUTH-6: the correction was accepted; the grant is as it was before suspension (its
    validity was never extended: a grant that ran out meanwhile is not in force)."""
    state = advance(grant.status, Action.REINSTATE)
    after = replace(grant, status=state.value, suspended_at=None, suspension_reason="")
    return after, GrantReinstated(
        grant_id=grant.grant_id, developer_org_id=grant.developer_org_id, reason=reason
    )


def narrow(
    grant: Grant, *, resource_id: str, items: frozenset[str] | None, reason: str, now: datetime
) -> tuple[Grant, GrantNarrowed | GrantRevoked] | None:
    """CAT-2: a later negative listing (负面清单) or withdrawal from the operation catalog
    reaches the issued grant: ``items`` of ``resource_id`` (``None``: the whole resource)
    leave its scope. When nothing of the grant remains it is revoked with the reason;
    ``None`` when the grant never held them (nothing to change)."""
    removed: list[str] = []
    kept: list[ResourceScope] = []
    for scope in grant.resources:
        if scope.resource_id != resource_id:
            kept.append(scope)
            continue
        gone = [i for i in scope.items if items is None or i in items]
        removed.extend(gone)
        left = tuple(i for i in scope.items if i not in gone)
        if left:
            masking = {k: v for k, v in scope.masking.items() if k in left}
            kept.append(replace(scope, items=left, masking=masking))
    if not removed:
        return None
    if not kept:
        return revoke(grant, reason=reason, now=now)
    state = advance(grant.status, Action.NARROW)
    line = f"{now.isoformat()} {resource_id}: {', '.join(removed)} — {reason}"
    after = replace(
        grant, status=state.value, resources=tuple(kept), narrowings=(*grant.narrowings, line)
    )
    issued = issued_event(after)
    return after, GrantNarrowed(
        grant_id=grant.grant_id,
        developer_org_id=grant.developer_org_id,
        resource_id=resource_id,
        removed_items=removed,
        resources=issued.resources,
        reason=reason,
    )


def visible_to(grant: Grant, *, role: str, org_id: str) -> bool:
    """The bureau and supervisors see all; the developer its own; the operator those
    under its agreements; a provider those that include its resources."""
    if role in {"bureau", "supervisor"}:
        return True
    if role == "developer":
        return grant.developer_org_id == org_id
    if role == "operator":
        return grant.operator_org_id == org_id
    if role == "provider":
        return any(s.provider_org_id == org_id for s in grant.resources)
    return False


def check_still_grantable(
    *,
    agreement_active: bool,
    agreement_standing: str,
    developer_in_good_standing: bool,
    developer_org_id: str,
) -> None:
    """REQ-4 at the moment of issue: the last approval issues no grant if, since
    submission, the agreement stopped being active or the developer was removed."""
    if not agreement_active:
        raise Conflict(
            f"the operator's agreement is {agreement_standing}; no grant can be issued",
            rule="REQ-4",
        )
    if not developer_in_good_standing:
        raise Conflict(
            f"developer {developer_org_id} is no longer admitted; no grant can be issued",
            rule="REQ-4",
        )
