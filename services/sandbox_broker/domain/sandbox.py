"""A sandbox (授权运营空间 / 数据沙箱) and its life: provisioned, used, closed, deleted.

Theory of operation: the life is a transition table. A sandbox is ``provisioning`` until
its data is mounted (``ready``) or mounting failed; a revoked or expired grant closes it
at once (SBX-7, AUTH-7), from any live state; only a closed sandbox is deleted, and
deletion is final. A suspended agreement closes a ready sandbox only for now (暂时关闭,
AUTH-6): ``suspended`` keeps its data, admits nothing, and the agreement's reinstatement
makes it ``ready`` again as it was. Who may work in a sandbox, and when, is decided in
``domain.admission`` (SBX-2, SBX-7, REQ-5).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from contracts.machine import transition
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
        changed = replace(
            self, state=transition("sandbox", TRANSITIONS, self.state, event, rule="SBX-7")
        )
        if event is SandboxEvent.CLOSED:
            changed = replace(changed, closed_reason=reason)
        elif event is SandboxEvent.SUSPENDED:
            changed = replace(changed, suspended_reason=reason)
        elif event is SandboxEvent.REINSTATED:
            changed = replace(changed, suspended_reason="")
        return changed
