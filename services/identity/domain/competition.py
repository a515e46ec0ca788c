"""Complaints of data merchants (数据商) that the operator abuses a dominant position
(DEV-3): 000 §4.5 — 运营机构不得滥用市场支配地位排除、限制数据商竞争，不得利用数据和算法、
技术、资本优势等从事垄断行为; 001 art.19 in the same words.

Kept simple and honest: the platform does not judge competition law. It records the
complaint, the operator's answer (its reasons for a refusal or a condition) and the
bureau's finding, so the bureau supervises with the record in hand and the complaint
cannot be lost. ``TRANSITIONS[state][event] -> state`` is the whole machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from contracts.envelope import Actor, Role
from contracts.errors import DomainError, Forbidden
from contracts.machine import transition

MACHINE = "competition complaint"
GROUNDS: dict[str, str] = {
    "refused_cooperation": "无正当理由拒绝合作 (refused to cooperate without good reason)",
    "discriminatory_terms": "差别待遇、附加不合理条件 (discriminatory or unreasonable terms)",
    "exclusive_dealing": "限定交易、排除其他数据商 (exclusive dealing, excluding others)",
    "unfair_price": "不公平高价或低价 (unfairly high or low prices)",
    "other": "其他滥用市场支配地位行为 (other abuse of a dominant position)",
}


class State(StrEnum):
    FILED = "filed"  # 已投诉
    ANSWERED = "answered"  # 运营机构已说明理由
    UPHELD = "upheld"  # 主管部门认定成立
    DISMISSED = "dismissed"  # 主管部门认定不成立


class Kind(StrEnum):
    """What happens to a complaint: the one name of each event kind, the key of
    ``TRANSITIONS``."""

    ANSWERED = "answered"  # 运营机构说明理由
    UPHELD = "upheld"  # 认定成立
    DISMISSED = "dismissed"  # 认定不成立


TRANSITIONS: Mapping[State, Mapping[Kind, State]] = {
    State.FILED: {
        Kind.ANSWERED: State.ANSWERED,
        Kind.UPHELD: State.UPHELD,
        Kind.DISMISSED: State.DISMISSED,
    },
    State.ANSWERED: {Kind.UPHELD: State.UPHELD, Kind.DISMISSED: State.DISMISSED},
    State.UPHELD: {},
    State.DISMISSED: {},
}


def advance(state: str, event: Kind) -> State:
    """The state after ``event``; ``IllegalTransition`` if there is none."""
    return transition(MACHINE, TRANSITIONS, state, event, rule="DEV-3")


@dataclass(frozen=True, slots=True)
class Complaint:
    complaint_id: str
    region: str
    complainant_org_id: str
    operator_org_id: str
    ground: str
    account: str
    filed_at: datetime
    state: State = State.FILED
    operator_answer: str = ""
    answered_at: datetime | None = None
    finding: str = ""
    decided_at: datetime | None = None
    decided_by: str = ""


def _text(value: str, name: str) -> str:
    if not value.strip():
        raise DomainError(f"{name} must not be empty", rule="DEV-3", field=name)
    return value.strip()


def file(
    *,
    complaint_id: str,
    region: str,
    operator_org_id: str,
    ground: str,
    account: str,
    actor: Actor,
    complainant_registered: bool,
    now: datetime,
) -> Complaint:
    """A data merchant (a registered developer) complains about an operator."""
    if actor.role is not Role.DEVELOPER or not complainant_registered:
        raise Forbidden("a data merchant (registered developer) files the complaint", rule="DEV-3")
    if ground not in GROUNDS:
        raise DomainError(f"ground is one of {', '.join(GROUNDS)}", rule="DEV-3", field="ground")
    return Complaint(
        complaint_id=complaint_id,
        region=region,
        complainant_org_id=actor.org_id,
        operator_org_id=operator_org_id,
        ground=ground,
        account=_text(account, "account"),
        filed_at=now,
    )


def answer(complaint: Complaint, *, text: str, actor: Actor, now: datetime) -> Complaint:
    """The operator complained about states its reasons (a refusal's reason, say)."""
    if actor.role is not Role.OPERATOR or actor.org_id != complaint.operator_org_id:
        raise Forbidden("only the operator complained about answers", rule="DEV-3")
    state = advance(complaint.state, Kind.ANSWERED)
    return replace(complaint, state=state, operator_answer=_text(text, "answer"), answered_at=now)


def decide(
    complaint: Complaint, *, uphold: bool, finding: str, actor: Actor, within: bool, now: datetime
) -> Complaint:
    """The bureau with jurisdiction records its finding."""
    if actor.role is not Role.BUREAU or not within:
        raise Forbidden("the bureau with jurisdiction decides the complaint", rule="DEV-3")
    state = advance(complaint.state, Kind.UPHELD if uphold else Kind.DISMISSED)
    return replace(
        complaint,
        state=state,
        finding=_text(finding, "finding"),
        decided_at=now,
        decided_by=actor.org_id,
    )
