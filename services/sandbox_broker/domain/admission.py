"""Sandbox admission (准入): may this caller run a job, import its own data, or export an
output here, now?

One decision for the three purposes, so the same refusal carries the same rule and the
same kind of error (and so the same HTTP status) on every path:

- a person (signed in with a password) without a current confidentiality agreement
  (保密协议) is refused as ``forbidden`` (SEC-4), before anything about the sandbox: the
  caller's claim is an input (``contracts.confidentiality``), as request-review's
  reviewer admission takes it; machine clients and the system (the export staged on
  product-release's event, whose decision checked its reviewer) are not people;
- another organization's sandbox is refused as ``forbidden`` (SBX-2): each developer works
  only in the sandboxes of its own grants;
- an export reads only the production sandbox (SBX-1): the development sandbox holds
  synthetic data for writing jobs;
- a closed or deleted sandbox (SBX-7), a suspended one (暂时关闭, AUTH-6), a grant not yet
  valid (REQ-5) or already expired (SBX-7 — the sandbox is refused even before the expiry
  sweep closes it), and a sandbox not ready (SBX-1) are refused as ``conflict``: the
  request is well formed, the sandbox's state forbids it now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.confidentiality import RULE as SEC_4
from contracts.confidentiality import Confidentiality, require_current
from contracts.errors import Conflict, DomainError, Forbidden
from services.sandbox_broker.domain.plan import Environment
from services.sandbox_broker.domain.sandbox import Sandbox, SandboxState


class Purpose(StrEnum):
    """What the caller wants to do in the sandbox."""

    JOB = "job"  # 作业
    IMPORT = "import"  # 导入自有数据 (SBX-4)
    EXPORT = "export"  # 出域 (EXP-2)


class RefusalKind(StrEnum):
    """The typed error a refusal becomes; it decides the HTTP status (403 or 409)."""

    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str
    rule: str
    kind: RefusalKind = RefusalKind.CONFLICT

    def error(self) -> DomainError:
        """The typed error this refusal is answered with, on every path alike."""
        if self.kind is RefusalKind.FORBIDDEN:
            return Forbidden(self.reason, rule=self.rule)
        return Conflict(self.reason, rule=self.rule)


DOING = {
    Purpose.JOB: "run jobs in a sandbox",
    Purpose.IMPORT: "import data into a sandbox",
    Purpose.EXPORT: "export from a sandbox",
}


def admit(
    sandbox: Sandbox,
    caller_org_id: str,
    now: datetime,
    purpose: Purpose,
    *,
    confidentiality: Confidentiality,
) -> Refusal | None:
    """Why ``caller_org_id`` may not do ``purpose`` in ``sandbox`` at ``now``, or ``None``
    when it may (SEC-4, SBX-1, SBX-2, SBX-7, AUTH-6, REQ-5). ``confidentiality`` is the
    caller's confidentiality agreement as its token says (SEC-4)."""
    try:
        require_current(confidentiality, now.date(), doing=DOING[purpose])
    except Forbidden as refused:
        return Refusal(refused.detail, SEC_4, RefusalKind.FORBIDDEN)
    sandbox_id = sandbox.sandbox_id
    if caller_org_id != sandbox.developer_org_id:
        return Refusal(
            f"sandbox {sandbox_id} belongs to another organization; each developer "
            "works only in the sandboxes of its own grants",
            "SBX-2",
            RefusalKind.FORBIDDEN,
        )
    if purpose is Purpose.EXPORT and sandbox.environment is not Environment.PRODUCTION:
        return Refusal(
            "only outputs of the production sandbox are exported; the development "
            "sandbox holds synthetic data for writing jobs",
            "SBX-1",
        )
    if sandbox.state in (SandboxState.CLOSED, SandboxState.DELETED):
        why = f" ({sandbox.closed_reason})" if sandbox.closed_reason else ""
        return Refusal(f"sandbox {sandbox_id} is {sandbox.state.value}{why}", "SBX-7")
    if sandbox.state is SandboxState.SUSPENDED:
        why = f" ({sandbox.suspended_reason})" if sandbox.suspended_reason else ""
        return Refusal(
            f"sandbox {sandbox_id} is suspended until the operator's agreement is "
            f"reinstated (暂时关闭){why}",
            "AUTH-6",
        )
    if now < sandbox.valid_from:
        return Refusal(
            f"the grant of sandbox {sandbox_id} is valid only from "
            f"{sandbox.valid_from.isoformat()}",
            "REQ-5",
        )
    if now >= sandbox.valid_until:
        return Refusal(
            f"the grant of sandbox {sandbox_id} expired at {sandbox.valid_until.isoformat()}",
            "SBX-7",
        )
    if sandbox.state is not SandboxState.READY:
        return Refusal(f"sandbox {sandbox_id} is {sandbox.state.value}, not ready", "SBX-1")
    return None
