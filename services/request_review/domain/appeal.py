"""Appeals (申诉) to the bureau against a rejected admission, application or export
review (REQ-6).

Theory of operation: one appeal per subject. An application appeal comes only from the
applicant and only against a rejected application; an export appeal only from the
developer whose export was rejected; an admission appeal from a developer is recorded
(identity owns admissions and acts on the decision). The bureau upholds or dismisses it
with its reasoning; an upheld application appeal sends the application back to review.
Allowed steps are the rows of ``TRANSITIONS``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from contracts.errors import DomainError, Forbidden
from contracts.events import AppealDecided, AppealFiled
from contracts.machine import transition
from services.request_review.domain.application import Application
from services.request_review.domain.application import State as ApplicationState

MACHINE = "appeal"
KINDS = frozenset({"admission", "application", "export"})
_APPEAL_NAMESPACE = uuid.UUID("0b7d4e1e-64a4-4b0f-8d2c-5e4f1a9b3c77")


class State(StrEnum):
    FILED = "filed"  # 已受理
    UPHELD = "upheld"  # 申诉成立
    DISMISSED = "dismissed"  # 驳回申诉


class Action(StrEnum):
    UPHOLD = "uphold"
    DISMISS = "dismiss"


TRANSITIONS: dict[State, dict[Action, State]] = {
    State.FILED: {Action.UPHOLD: State.UPHELD, Action.DISMISS: State.DISMISSED},
    State.UPHELD: {},
    State.DISMISSED: {},
}
TERMINAL: frozenset[State] = frozenset({State.UPHELD, State.DISMISSED})
DECISIONS: dict[str, Action] = {"upheld": Action.UPHOLD, "dismissed": Action.DISMISS}


def advance(state: str, action: Action) -> State:
    """The state after ``action``; ``IllegalTransition`` (REQ-6) if there is none."""
    return transition(MACHINE, TRANSITIONS, state, action, rule="REQ-6")


@dataclass(frozen=True, slots=True)
class Appeal:
    appeal_id: str
    subject_kind: str
    subject_id: str
    appellant_org_id: str
    appellant_user_id: str
    grounds: str
    filed_at: datetime
    status: str = State.FILED.value
    decided_at: datetime | None = None
    reasoning: str = ""
    decided_by_org_id: str = ""


def appeal_id_for(subject_kind: str, subject_id: str) -> str:
    """One appeal per subject: the id is derived from it, so a second filing collides."""
    return str(uuid.uuid5(_APPEAL_NAMESPACE, f"{subject_kind}:{subject_id}"))


def check_application_appeal(application: Application, *, appellant_org_id: str) -> None:
    """REQ-6: only the applicant appeals, and only a rejected application."""
    if application.developer_org_id != appellant_org_id:
        raise Forbidden(
            f"only the applicant may appeal application {application.application_id}",
            rule="REQ-6",
        )
    if application.status != ApplicationState.REJECTED.value:
        raise DomainError(
            f"application {application.application_id} is {application.status}; only a "
            "rejected application can be appealed",
            rule="REQ-6",
            field="subject_id",
        )


def check_own_appeal(subject_kind: str, owner_org_id: str, *, appellant_org_id: str) -> None:
    """REQ-6: only the developer whose admission or export was rejected appeals it."""
    if owner_org_id != appellant_org_id:
        raise Forbidden(
            f"only the developer whose {subject_kind} was rejected may appeal", rule="REQ-6"
        )


def file_appeal(
    *,
    subject_kind: str,
    subject_id: str,
    appellant_org_id: str,
    appellant_user_id: str,
    grounds: str,
    now: datetime,
) -> tuple[Appeal, AppealFiled]:
    """REQ-6: the appeal as filed (subject checks are the caller's, above)."""
    if subject_kind not in KINDS:
        raise DomainError(
            "subject_kind is admission, application or export", rule="REQ-6", field="subject_kind"
        )
    if not grounds.strip():
        raise DomainError("state the grounds of the appeal", rule="REQ-6", field="grounds")
    appeal = Appeal(
        appeal_id=appeal_id_for(subject_kind, subject_id),
        subject_kind=subject_kind,
        subject_id=subject_id,
        appellant_org_id=appellant_org_id,
        appellant_user_id=appellant_user_id,
        grounds=grounds,
        filed_at=now,
    )
    return appeal, AppealFiled(
        appeal_id=appeal.appeal_id,
        subject_kind=subject_kind,
        subject_id=subject_id,
        appellant_org_id=appellant_org_id,
        grounds=grounds,
    )


def decide(
    appeal: Appeal, *, decision: str, reasoning: str, by_org_id: str, now: datetime
) -> tuple[Appeal, AppealDecided]:
    """REQ-6: the bureau's decision, with its reasoning, recorded."""
    if decision not in DECISIONS:
        raise DomainError("decision is upheld or dismissed", rule="REQ-6", field="decision")
    if not reasoning.strip():
        raise DomainError("state the reasoning", rule="REQ-6", field="reasoning")
    state = advance(appeal.status, DECISIONS[decision])
    after = replace(
        appeal, status=state.value, decided_at=now, reasoning=reasoning, decided_by_org_id=by_org_id
    )
    return after, AppealDecided(
        appeal_id=appeal.appeal_id,
        decision=decision,
        reasoning=reasoning,
        subject_kind=appeal.subject_kind,
        subject_id=appeal.subject_id,
    )


def visible_to(appeal: Appeal, *, role: str, org_id: str) -> bool:
    """The bureau and supervisors see all; everyone else only their own."""
    return role in {"bureau", "supervisor"} or appeal.appellant_org_id == org_id
