"""Application scenarios (应用场景), filed by the operator with the bureau (备案) and
managed dynamically (动态管理): changed, and re-evaluated periodically (REQ-1, REQ-8).

Theory of operation: the operator files a scenario (domain, purpose, expected value, and
its class: public-interest 公益 or commercial 经营性). Each scenario carries the day of
its next re-evaluation, the filing day plus the jurisdiction's interval. The operator
files changes (变更备案); the bureau re-evaluates, continuing the scenario (the next review
moves one interval on) or retiring it. A retired scenario accepts no new application.
Allowed steps are the rows of ``TRANSITIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from contracts.errors import DomainError, Forbidden
from contracts.events import ScenarioChanged, ScenarioFiled, ScenarioReevaluated
from contracts.machine import transition
from services.request_review.domain.calendar import local_day

MACHINE = "scenario"
CLASSES = frozenset({"public_interest", "commercial"})


class State(StrEnum):
    ACTIVE = "active"  # 有效: accepts applications
    RETIRED = "retired"  # 已退出: re-evaluated and retired, accepts none


class Action(StrEnum):
    CHANGE = "change"
    CONTINUE = "continue"
    RETIRE = "retire"


TRANSITIONS: dict[State, dict[Action, State]] = {
    State.ACTIVE: {
        Action.CHANGE: State.ACTIVE,
        Action.CONTINUE: State.ACTIVE,
        Action.RETIRE: State.RETIRED,
    },
    State.RETIRED: {},
}
TERMINAL: frozenset[State] = frozenset({State.RETIRED})


def advance(state: str, action: Action) -> State:
    """The state after ``action``; ``IllegalTransition`` (REQ-8) if there is none."""
    return transition(MACHINE, TRANSITIONS, state, action, rule="REQ-8")


@dataclass(frozen=True, slots=True)
class ScenarioTerms:
    """What a scenario declares (REQ-1)."""

    name: str
    domain: str
    purpose: str
    expected_value: str
    scenario_class: str


@dataclass(frozen=True, slots=True)
class Reevaluation:
    outcome: str
    note: str
    on: date
    by_org_id: str


@dataclass(frozen=True, slots=True)
class Scenario:
    scenario_id: str
    operator_org_id: str
    terms: ScenarioTerms
    next_review_on: date | None
    filed_at: datetime
    status: str = State.ACTIVE.value
    changes: int = 0
    reevaluations: tuple[Reevaluation, ...] = ()

    @property
    def accepts_applications(self) -> bool:
        return self.status == State.ACTIVE.value


def check_terms(terms: ScenarioTerms) -> ScenarioTerms:
    """REQ-1: every part of a scenario is stated; the class is one of the two."""
    for name in ("name", "domain", "purpose", "expected_value"):
        if not str(getattr(terms, name)).strip():
            raise DomainError(f"the scenario's {name} must be stated", rule="REQ-1", field=name)
    if terms.scenario_class not in CLASSES:
        raise DomainError(
            "scenario_class is public_interest (公益) or commercial (经营性)",
            rule="REQ-1",
            field="scenario_class",
        )
    return terms


def file_scenario(
    terms: ScenarioTerms,
    *,
    scenario_id: str,
    operator_org_id: str,
    operator_has_active_agreement: bool,
    now: datetime,
    interval_days: int,
) -> tuple[Scenario, ScenarioFiled]:
    """REQ-1, REQ-8: an operator with an active agreement files a scenario; its first
    re-evaluation falls one interval after the filing day."""
    check_terms(terms)
    if not operator_has_active_agreement:
        raise DomainError(
            f"operator {operator_org_id} has no active authorization agreement",
            rule="REQ-1",
            field="operator_org_id",
        )
    scenario = Scenario(
        scenario_id=scenario_id,
        operator_org_id=operator_org_id,
        terms=terms,
        next_review_on=local_day(now) + timedelta(days=interval_days),
        filed_at=now,
    )
    return scenario, ScenarioFiled(
        scenario_id=scenario_id,
        operator_org_id=operator_org_id,
        name=terms.name,
        domain=terms.domain,
        purpose=terms.purpose,
        expected_value=terms.expected_value,
        scenario_class=terms.scenario_class,
        next_review_on=scenario.next_review_on or local_day(now),
    )


def change_scenario(
    scenario: Scenario, terms: ScenarioTerms, *, actor_org_id: str
) -> tuple[Scenario, ScenarioChanged]:
    """REQ-8: the operator that filed the scenario files a change with the bureau."""
    if actor_org_id != scenario.operator_org_id:
        raise Forbidden(
            f"scenario {scenario.scenario_id} was filed by {scenario.operator_org_id}",
            rule="REQ-8",
        )
    check_terms(terms)
    if terms == scenario.terms:
        raise DomainError("the change changes nothing", rule="REQ-8", field="(body)")
    state = advance(scenario.status, Action.CHANGE)
    changed = replace(scenario, terms=terms, status=state.value, changes=scenario.changes + 1)
    if changed.next_review_on is None:  # an active scenario has a next review
        raise DomainError("an active scenario has no next review date", rule="REQ-8")
    return changed, ScenarioChanged(
        scenario_id=scenario.scenario_id,
        operator_org_id=scenario.operator_org_id,
        name=terms.name,
        domain=terms.domain,
        purpose=terms.purpose,
        expected_value=terms.expected_value,
        scenario_class=terms.scenario_class,
        next_review_on=changed.next_review_on,
    )


OUTCOMES: dict[str, Action] = {"continued": Action.CONTINUE, "retired": Action.RETIRE}


def reevaluate(
    scenario: Scenario,
    *,
    outcome: str,
    note: str,
    by_org_id: str,
    now: datetime,
    interval_days: int,
) -> tuple[Scenario, ScenarioReevaluated]:
    """REQ-8: the bureau continues the scenario (next review one interval from today) or
    retires it (no next review)."""
    if outcome not in OUTCOMES:
        raise DomainError("outcome is continued or retired", rule="REQ-8", field="outcome")
    state = advance(scenario.status, OUTCOMES[outcome])
    today = local_day(now)
    next_on = today + timedelta(days=interval_days) if state is State.ACTIVE else None
    after = replace(
        scenario,
        status=state.value,
        next_review_on=next_on,
        reevaluations=(
            *scenario.reevaluations,
            Reevaluation(outcome=outcome, note=note, on=today, by_org_id=by_org_id),
        ),
    )
    return after, ScenarioReevaluated(
        scenario_id=scenario.scenario_id, outcome=outcome, note=note, next_review_on=next_on
    )


def is_due(scenario: Scenario, today: date) -> bool:
    """REQ-8: an active scenario whose re-evaluation day has come."""
    return (
        scenario.status == State.ACTIVE.value
        and scenario.next_review_on is not None
        and scenario.next_review_on <= today
    )
