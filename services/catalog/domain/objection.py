"""Data-quality objections (数据异议) and their deadlines (CAT-5).

Theory of operation: anyone signed in with access to the catalog may object to a
resource (or one of its data items). The objection is assigned at once to the resource's
provider with a deadline: the raising day plus the jurisdiction's number of days
(``jurisdiction.CatalogSettings``), counted in China Standard Time. The provider does not
close it: it reports what it corrected, and the bureau verifies the correction (异议核实
处理…对公共数据资源进行校核确认, 001 art.8). Verified, the objection closes and the objector
is told (a notice on the objection and ``objection.resolved`` naming the objector);
found wanting, it goes back to the provider, whose deadline still runs. A periodic sweep
escalates every objection still waiting for the provider after its deadline day (to the
bureau); an escalated objection can still be corrected, late. The sweep decides from the
clock alone, so running it twice changes nothing the second time. Allowed steps are the
rows of ``TRANSITIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

from contracts.errors import DomainError, Forbidden
from contracts.events import (
    ObjectionCorrected,
    ObjectionEscalated,
    ObjectionRaised,
    ObjectionResolved,
    ObjectionReturned,
)
from contracts.machine import transition
from services.catalog.domain.jurisdiction import covers
from services.catalog.domain.lifecycle import State as ResourceState
from services.catalog.domain.resource import Resource

MACHINE = "objection"
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")
"""Deadlines are calendar days in China (UTC+8, no daylight saving)."""


class State(StrEnum):
    OPEN = "open"  # 待整改: assigned to the provider, deadline running
    ESCALATED = "escalated"  # 已督办: deadline passed, the bureau follows it up
    CORRECTED = "corrected"  # 待核实: the provider reported its correction
    RESOLVED = "resolved"  # 已办结: the bureau verified the correction; objector told


class Action(StrEnum):
    ESCALATE = "escalate"
    REPORT_CORRECTION = "report_correction"
    VERIFY = "verify"
    RETURN = "return"


TRANSITIONS: dict[State, dict[Action, State]] = {
    State.OPEN: {Action.ESCALATE: State.ESCALATED, Action.REPORT_CORRECTION: State.CORRECTED},
    State.ESCALATED: {Action.REPORT_CORRECTION: State.CORRECTED},
    State.CORRECTED: {Action.VERIFY: State.RESOLVED, Action.RETURN: State.OPEN},
    State.RESOLVED: {},
}
"""A returned correction reopens the objection: past its deadline, the next sweep
escalates it (again)."""
TERMINAL: frozenset[State] = frozenset({State.RESOLVED})
AWAITING_PROVIDER: frozenset[State] = frozenset({State.OPEN, State.ESCALATED})


def advance(state: str, action: str) -> State:
    """The state after ``action``; ``IllegalTransition`` (CAT-5) if there is none."""
    return transition(MACHINE, TRANSITIONS, state, action, rule="CAT-5")


@dataclass(frozen=True, slots=True)
class RaiseObjection:
    """Someone with access objects to a resource or one of its data items."""

    resource_id: str
    description: str
    raised_by_org_id: str
    raised_by_user_id: str
    raised_by_role: str
    item_name: str | None = None


@dataclass(frozen=True, slots=True)
class Objection:
    objection_id: str
    resource_id: str
    provider_org_id: str
    raised_by_org_id: str
    raised_by_user_id: str
    raised_by_role: str
    description: str
    raised_at: str
    due_on: date
    status: str = State.OPEN.value
    item_name: str | None = None
    resolution: str = ""
    """What the provider reports it corrected."""
    corrected_at: str = ""
    resolved_at: str = ""
    """When the bureau verified the correction and the objection closed."""
    escalated_at: str = ""
    home_region: str = ""
    """The resource's region: its bureau (or one above) verifies."""
    verified_by_org_id: str = ""
    verification: str = ""
    """The bureau's finding on the last correction (verified, or why it was returned)."""
    objector_notice: str = ""
    """What the objector is told when the objection closes (告知)."""


def local_day(at: datetime) -> date:
    """The calendar day in China at the instant ``at`` (timezone-aware)."""
    return at.astimezone(CHINA_STANDARD_TIME).date()


def due_on(raised_at: datetime, deadline_days: int) -> date:
    """The last day the provider has: the raising day plus ``deadline_days`` (CAT-5)."""
    return local_day(raised_at) + timedelta(days=deadline_days)


def is_overdue(objection: Objection, now: datetime) -> bool:
    """Open (waiting for the provider), and the whole deadline day has passed in China."""
    return objection.status == State.OPEN and local_day(now) > objection.due_on


def raise_objection(
    cmd: RaiseObjection,
    resource: Resource,
    *,
    objection_id: str,
    now: datetime,
    deadline_days: int,
) -> tuple[Objection, ObjectionRaised]:
    """CAT-5: the objection is assigned to the resource's provider, due in the
    jurisdiction's number of days."""
    if not cmd.description.strip():
        raise DomainError("say what is wrong with the data", rule="CAT-5", field="description")
    if resource.status == ResourceState.CANCELLED:
        raise DomainError(
            f"resource {resource.resource_id} was cancelled; there is no data to correct",
            rule="CAT-5",
            field="resource_id",
        )
    if cmd.item_name is not None and cmd.item_name not in {i.name for i in resource.items}:
        raise DomainError(
            f"resource {resource.resource_id} has no data item {cmd.item_name!r}",
            rule="CAT-5",
            field="item_name",
        )
    objection = Objection(
        objection_id=objection_id,
        resource_id=resource.resource_id,
        provider_org_id=resource.provider_org_id,
        raised_by_org_id=cmd.raised_by_org_id,
        raised_by_user_id=cmd.raised_by_user_id,
        raised_by_role=cmd.raised_by_role,
        description=cmd.description,
        raised_at=now.isoformat(),
        due_on=due_on(now, deadline_days),
        item_name=cmd.item_name,
        home_region=resource.home_region,
    )
    event = ObjectionRaised(
        objection_id=objection_id,
        resource_id=resource.resource_id,
        raised_by_org_id=cmd.raised_by_org_id,
        description=cmd.description,
        due_on=objection.due_on,
        provider_org_id=resource.provider_org_id,
        item_name=cmd.item_name,
    )
    return objection, event


def report_correction(
    objection: Objection, *, actor_org_id: str, correction: str, now: datetime
) -> tuple[Objection, ObjectionCorrected]:
    """CAT-5: only the assigned provider reports, saying what it corrected; the objection
    stays open until the bureau verifies."""
    if objection.provider_org_id != actor_org_id:
        raise Forbidden(
            f"objection {objection.objection_id} is assigned to {objection.provider_org_id}",
            rule="CAT-5",
        )
    if not correction.strip():
        raise DomainError("say what was corrected", rule="CAT-5", field="resolution")
    state = advance(objection.status, Action.REPORT_CORRECTION)
    corrected = replace(
        objection, status=state.value, resolution=correction, corrected_at=now.isoformat()
    )
    event = ObjectionCorrected(
        objection_id=objection.objection_id,
        resource_id=objection.resource_id,
        provider_org_id=objection.provider_org_id,
        correction=correction,
        due_on=objection.due_on,
    )
    return corrected, event


def notice_to_objector(objection: Objection, finding: str) -> str:
    """The notice the objector reads when the objection closes (告知, CAT-5)."""
    about = f"数据项“{objection.item_name}”" if objection.item_name else "该数据资源"
    return (
        f"您于{objection.raised_at[:10]}对资源 {objection.resource_id} {about}提出的异议"
        f"（{objection.description}）已办结：数据提供单位已更正（{objection.resolution}），"
        f"经实施机构核实确认（{finding}）。"
    )


def verify(
    objection: Objection,
    *,
    actor_org_id: str,
    actor_region: str,
    verified: bool,
    finding: str,
    now: datetime,
) -> tuple[Objection, ObjectionResolved | ObjectionReturned]:
    """CAT-5: the bureau of the resource's region (or one above) verifies the reported
    correction (核实, 校核确认). Verified: the objection closes and the objector is told.
    Not verified: it goes back to the provider with the bureau's reason."""
    if not covers(actor_region, objection.home_region or actor_region):
        raise Forbidden(
            f"the bureau of region {actor_region} does not verify corrections of region "
            f"{objection.home_region}",
            rule="CAT-5",
        )
    if not finding.strip():
        raise DomainError(
            "say what was checked (or what is still wrong)", rule="CAT-5", field="finding"
        )
    if not verified:
        state = advance(objection.status, Action.RETURN)
        returned = replace(
            objection,
            status=state.value,
            verified_by_org_id=actor_org_id,
            verification=finding,
        )
        return returned, ObjectionReturned(
            objection_id=objection.objection_id,
            resource_id=objection.resource_id,
            provider_org_id=objection.provider_org_id,
            reason=finding,
            verified_by_org_id=actor_org_id,
        )
    state = advance(objection.status, Action.VERIFY)
    notice = notice_to_objector(objection, finding)
    resolved = replace(
        objection,
        status=state.value,
        resolved_at=now.isoformat(),
        verified_by_org_id=actor_org_id,
        verification=finding,
        objector_notice=notice,
    )
    return resolved, ObjectionResolved(
        objection_id=objection.objection_id,
        resource_id=objection.resource_id,
        resolution=objection.resolution,
        verified_by_org_id=actor_org_id,
        verification=finding,
        raised_by_org_id=objection.raised_by_org_id,
        provider_org_id=objection.provider_org_id,
    )


def escalate_if_overdue(
    objection: Objection, *, now: datetime
) -> tuple[Objection, ObjectionEscalated] | None:
    """CAT-5: the sweep's decision for one objection; None when there is nothing to do,
    which makes a second sweep at the same time a no-op."""
    if not is_overdue(objection, now):
        return None
    state = advance(objection.status, Action.ESCALATE)
    escalated = replace(objection, status=state.value, escalated_at=now.isoformat())
    event = ObjectionEscalated(
        objection_id=objection.objection_id,
        resource_id=objection.resource_id,
        provider_org_id=objection.provider_org_id,
        due_on=objection.due_on,
    )
    return escalated, event


def visible_to(objection: Objection, *, role: str, org_id: str, user_id: str) -> bool:
    """Who may read an objection: the bureau and supervisors, the assigned provider, and
    whoever raised it (its organization; for the public, the person)."""
    if role in {"bureau", "supervisor"}:
        return True
    if role == "provider" and objection.provider_org_id == org_id:
        return True
    if role == "public":
        return objection.raised_by_user_id == user_id
    return objection.raised_by_org_id == org_id
