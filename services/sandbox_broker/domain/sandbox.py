"""A sandbox (授权运营空间 / 数据沙箱) and its life: provisioned, used, closed, deleted.

Theory of operation: the life is a transition table. A sandbox is ``provisioning`` until
its data is mounted (``ready``) or mounting failed; a revoked or expired grant closes it
at once (SBX-7, AUTH-7), from any live state; only a closed sandbox is deleted, and
deletion is final. A suspended agreement closes a ready sandbox only for now (暂时关闭,
AUTH-6): ``suspended`` keeps its data, admits nothing, and the agreement's reinstatement
makes it ``ready`` again as it was. Jobs are admitted only into a ready sandbox of the
caller's own organization, within the grant's validity (SBX-2, SBX-7, REQ-5).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from contracts.errors import IllegalTransition
from services.sandbox_broker.domain.plan import Environment


class SandboxState(StrEnum):
    PROVISIONING = "provisioning"
    READY = "ready"
    FAILED = "failed"
    SUSPENDED = "suspended"  # 暂时关闭 (AUTH-6)
    CLOSED = "closed"
    DELETED = "deleted"


class SandboxEvent(StrEnum):
    PROVISIONED = "provisioned"
    PROVISIONING_FAILED = "provisioning_failed"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    CLOSED = "closed"
    DELETED = "deleted"


S, E = SandboxState, SandboxEvent
TRANSITIONS: dict[SandboxState, dict[SandboxEvent, SandboxState]] = {
    S.PROVISIONING: {E.PROVISIONED: S.READY, E.PROVISIONING_FAILED: S.FAILED, E.CLOSED: S.CLOSED},
    S.READY: {E.CLOSED: S.CLOSED, E.SUSPENDED: S.SUSPENDED},
    S.SUSPENDED: {E.REINSTATED: S.READY, E.CLOSED: S.CLOSED},
    S.FAILED: {E.CLOSED: S.CLOSED},
    S.CLOSED: {E.DELETED: S.DELETED},
}
TERMINAL: frozenset[SandboxState] = frozenset({S.DELETED})


def transition(state: SandboxState, event: SandboxEvent) -> SandboxState:
    try:
        return TRANSITIONS[state][event]
    except KeyError:
        raise IllegalTransition("sandbox", state.value, event.value, rule="SBX-7") from None


@dataclass(frozen=True, slots=True)
class Sandbox:
    sandbox_id: str
    grant_id: str
    developer_org_id: str
    environment: Environment
    valid_from: datetime
    valid_until: datetime
    state: SandboxState = SandboxState.PROVISIONING
    closed_reason: str = ""
    suspended_reason: str = ""

    def evolve(self, event: SandboxEvent, *, reason: str = "") -> Sandbox:
        changed = replace(self, state=transition(self.state, event))
        if event is SandboxEvent.CLOSED:
            changed = replace(changed, closed_reason=reason)
        elif event is SandboxEvent.SUSPENDED:
            changed = replace(changed, suspended_reason=reason)
        elif event is SandboxEvent.REINSTATED:
            changed = replace(changed, suspended_reason="")
        return changed


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    rule: str


def admit_job(sandbox: Sandbox, caller_org_id: str, now: datetime) -> Refusal | None:
    """Why a job may not enter this sandbox, or ``None`` when it may."""
    if caller_org_id != sandbox.developer_org_id:
        return Refusal(
            f"sandbox {sandbox.sandbox_id} belongs to another organization; each developer "
            "works only in the sandboxes of its own grants",
            "SBX-2",
        )
    if sandbox.state in (SandboxState.CLOSED, SandboxState.DELETED):
        why = f" ({sandbox.closed_reason})" if sandbox.closed_reason else ""
        return Refusal(f"sandbox {sandbox.sandbox_id} is {sandbox.state.value}{why}", "SBX-7")
    if sandbox.state is SandboxState.SUSPENDED:
        why = f" ({sandbox.suspended_reason})" if sandbox.suspended_reason else ""
        return Refusal(
            f"sandbox {sandbox.sandbox_id} is suspended until the operator's agreement is "
            f"reinstated (暂时关闭){why}",
            "AUTH-6",
        )
    if now < sandbox.valid_from:
        return Refusal(
            f"the grant of sandbox {sandbox.sandbox_id} is valid only from "
            f"{sandbox.valid_from.isoformat()}",
            "REQ-5",
        )
    if now >= sandbox.valid_until:
        return Refusal(
            f"the grant of sandbox {sandbox.sandbox_id} expired at "
            f"{sandbox.valid_until.isoformat()}",
            "SBX-7",
        )
    if sandbox.state is not SandboxState.READY:
        return Refusal(f"sandbox {sandbox.sandbox_id} is {sandbox.state.value}, not ready", "SBX-1")
    return None
