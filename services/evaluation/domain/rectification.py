"""Rectification orders (整改通知, EVA-3): a finding of the evaluation with a deadline.

Theory of operation: the bureau orders; the operator reports its rectification by the
deadline; the bureau accepts it (completed) or returns it (ordered again, same
deadline). An order still not reported when its deadline has passed becomes overdue,
once, by the sweep; identity then terminates the operation qualification (AUTH-6) — no
suspension, no second deadline (001 art.24: 若整改不到位，终止…运营资格).
``TRANSITIONS[state][event] -> state`` is the whole machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from contracts.errors import DomainError, Forbidden
from contracts.machine import transition
from services.evaluation.domain.calendar import local_date

MACHINE = "rectification order"


class State(StrEnum):
    ORDERED = "ordered"  # 限期整改
    REPORTED = "reported"  # 整改情况已报告
    COMPLETED = "completed"  # 整改验收通过
    OVERDUE = "overdue"  # 逾期未整改


class Kind(StrEnum):
    """What happens to an order: the one name of each event kind, the key of
    ``TRANSITIONS``."""

    REPORTED = "reported"  # 报告整改情况
    ACCEPTED = "accepted"  # 验收通过
    RETURNED = "returned"  # 退回重新整改
    OVERDUE = "overdue"  # 逾期


TRANSITIONS: Mapping[State, Mapping[Kind, State]] = {
    State.ORDERED: {Kind.REPORTED: State.REPORTED, Kind.OVERDUE: State.OVERDUE},
    State.REPORTED: {Kind.ACCEPTED: State.COMPLETED, Kind.RETURNED: State.ORDERED},
    State.COMPLETED: {},
    State.OVERDUE: {},
}
TERMINAL: frozenset[State] = frozenset({State.COMPLETED, State.OVERDUE})


def advance(state: str, event: Kind) -> State:
    """The state after ``event``; ``IllegalTransition`` if there is none."""
    return transition(MACHINE, TRANSITIONS, state, event, rule="EVA-3")


@dataclass(frozen=True, slots=True)
class RectificationOrder:
    order_id: str
    region: str
    operator_org_id: str
    finding: str
    due_on: date
    ordered_at: datetime
    ordered_by_org_id: str
    evaluation_id: str = ""
    state: State = State.ORDERED
    report: str = ""
    reported_at: datetime | None = None
    decided_at: datetime | None = None
    return_reason: str = ""
    overdue_at: datetime | None = None


def order(
    *,
    order_id: str,
    region: str,
    operator_org_id: str,
    finding: str,
    due_on: date,
    now: datetime,
    ordered_by_org_id: str,
    evaluation_id: str = "",
) -> RectificationOrder:
    """EVA-3: a finding with a deadline that lies ahead."""
    if not finding.strip():
        raise DomainError("a rectification order states its finding", rule="EVA-3", field="finding")
    if due_on <= local_date(now):
        raise DomainError(
            f"the deadline {due_on} must lie after today", rule="EVA-3", field="due_on"
        )
    return RectificationOrder(
        order_id=order_id,
        region=region,
        operator_org_id=operator_org_id,
        finding=finding.strip(),
        due_on=due_on,
        ordered_at=now,
        ordered_by_org_id=ordered_by_org_id,
        evaluation_id=evaluation_id,
    )


def report(
    o: RectificationOrder, *, by_org_id: str, text: str, now: datetime
) -> RectificationOrder:
    """The operator reports its rectification, by the deadline (EVA-3, AUTH-6)."""
    if by_org_id != o.operator_org_id:
        raise Forbidden(f"order {o.order_id} is not addressed to you", rule="EVA-3")
    new_state = advance(o.state, Kind.REPORTED)
    if local_date(now) > o.due_on:
        raise DomainError(f"the deadline {o.due_on} has passed", rule="EVA-3")
    if not text.strip():
        raise DomainError("the report says what was rectified", rule="EVA-3", field="report")
    return replace(o, state=new_state, report=text.strip(), reported_at=now)


def accept(o: RectificationOrder, *, now: datetime) -> RectificationOrder:
    return replace(o, state=advance(o.state, Kind.ACCEPTED), decided_at=now)


def return_(o: RectificationOrder, *, reason: str, now: datetime) -> RectificationOrder:
    """The bureau is not satisfied: the order stands, with its original deadline."""
    if not reason.strip():
        raise DomainError("say why the rectification is returned", rule="EVA-3", field="reason")
    return replace(
        o, state=advance(o.state, Kind.RETURNED), return_reason=reason.strip(), decided_at=now
    )


def overdue_if_due(o: RectificationOrder, *, now: datetime) -> RectificationOrder | None:
    """The sweep's decision: an order not reported by its deadline becomes overdue,
    exactly once (an overdue order has no further move). ``None``: nothing to do."""
    if o.state is not State.ORDERED or local_date(now) <= o.due_on:
        return None
    return replace(o, state=advance(o.state, Kind.OVERDUE), overdue_at=now)
