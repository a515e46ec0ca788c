"""The implementation plan (实施方案, AUTH-12) of a jurisdiction's authorization: approved by
the government's collective decision, filed with the provincial data department within
20 working days, and approved again when the authorization mode, the resource scope or
the revenue sharing changes.

Source: 001 art.11 — 实施方案经本级人民政府按照“三重一大”决策机制审议通过后，原则上不得
随意变更，对于授权运营模式调整、授权运营的数据资源范围变更、收益分配机制调整等情形，应按
原流程重新报请审议同意。经本级人民政府审议通过后，在20个工作日内报省级数据管理部门备案。

Theory of operation: the bureau drafts a version (mode, resource scope, revenue sharing);
the government's decision approves it (the bureau records the meeting and the date); the
bureau records the provincial filing. A later version that changes none of the three
material points needs no approval of its own; one that changes any of them is in force
only once approved, and until then authorizations are held to the last approved version
(``check_authorization``). A filing after the deadline, or none when it has passed, is
flagged (``filing_overdue``), not hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from contracts.errors import Conflict, DomainError, Forbidden
from services.identity.domain.agreement import Scope
from services.identity.domain.dates import add_working_days

MODES: frozenset[str] = frozenset({"whole", "domain", "individual"})


@dataclass(frozen=True, slots=True)
class PlanVersion:
    """One version of the plan. ``resources`` empty: the whole operation catalog."""

    version: int
    modes: tuple[str, ...]
    """The authorization modes the plan adopts (整体授权, and where it says so 分领域授权 or
    个别授权 beside it — 002 §1 adopts whole authorization with individual ones)."""
    resources: tuple[str, ...]
    revenue_sharing: str
    summary: str
    drafted_at: datetime
    needs_approval: bool = True
    approved_on: date | None = None
    approval_meeting: str = ""
    filed_on: date | None = None
    filing_reference: str = ""

    @property
    def in_force(self) -> bool:
        return self.approved_on is not None

    def material(self) -> tuple[frozenset[str], frozenset[str], str]:
        """The three points whose change needs approval again (001 art.11)."""
        return (frozenset(self.modes), frozenset(self.resources), self.revenue_sharing.strip())


@dataclass(frozen=True, slots=True)
class ImplementationPlan:
    region: str
    versions: tuple[PlanVersion, ...]

    @property
    def latest(self) -> PlanVersion:
        return self.versions[-1]

    @property
    def approved(self) -> PlanVersion | None:
        """The version that governs authorizations now: the last one in force."""
        return next((v for v in reversed(self.versions) if v.in_force), None)


def _bureau_of(region: str, actor_role: str, actor_region: str) -> None:
    if actor_role != "bureau" or actor_region != region:
        raise Forbidden(
            f"only the bureau of region {region} records its implementation plan", rule="AUTH-12"
        )


def draft(
    plan: ImplementationPlan | None,
    *,
    region: str,
    modes: tuple[str, ...],
    resources: tuple[str, ...],
    revenue_sharing: str,
    summary: str,
    actor_role: str,
    actor_region: str,
    now: datetime,
) -> ImplementationPlan:
    """A new version. It needs the government's approval when it is the first, or when it
    changes the mode, the resource scope or the revenue sharing of the version in force;
    otherwise (wording only) it is in force with the approval it keeps."""
    _bureau_of(region, actor_role, actor_region)
    chosen = tuple(dict.fromkeys(modes))
    if not chosen or any(m not in MODES for m in chosen):
        raise DomainError(
            f"modes are among {', '.join(sorted(MODES))}", rule="AUTH-12", field="modes"
        )
    if not revenue_sharing.strip() or not summary.strip():
        raise DomainError(
            "the plan states its revenue sharing and a summary",
            rule="AUTH-12",
            field="revenue_sharing" if not revenue_sharing.strip() else "summary",
        )
    number = plan.latest.version + 1 if plan else 1
    version = PlanVersion(
        version=number,
        modes=chosen,
        resources=tuple(dict.fromkeys(r.strip() for r in resources if r.strip())),
        revenue_sharing=revenue_sharing.strip(),
        summary=summary.strip(),
        drafted_at=now,
    )
    current = plan.approved if plan else None
    if current is not None and current.material() == version.material():
        version = replace(
            version,
            needs_approval=False,
            approved_on=current.approved_on,
            approval_meeting=current.approval_meeting,
            filed_on=current.filed_on,
            filing_reference=current.filing_reference,
        )
    if plan is None:
        return ImplementationPlan(region=region, versions=(version,))
    return replace(plan, versions=(*plan.versions, version))


def _with_latest(plan: ImplementationPlan, version: PlanVersion) -> ImplementationPlan:
    return replace(plan, versions=(*plan.versions[:-1], version))


def approve(
    plan: ImplementationPlan,
    *,
    meeting: str,
    decided_on: date,
    today: date,
    actor_role: str,
    actor_region: str,
) -> ImplementationPlan:
    """Record the government's collective decision (本级人民政府“三重一大”决策) approving the
    latest version."""
    _bureau_of(plan.region, actor_role, actor_region)
    latest = plan.latest
    if latest.in_force:
        raise Conflict(f"version {latest.version} is approved already", rule="AUTH-12")
    if not meeting.strip():
        raise DomainError("name the meeting that decided", rule="AUTH-12", field="meeting")
    if decided_on > today:
        raise DomainError("record a decision once taken", rule="AUTH-12", field="decided_on")
    return _with_latest(plan, replace(latest, approved_on=decided_on, approval_meeting=meeting))


def filing_due_on(version: PlanVersion, holidays: tuple[date, ...], working_days: int) -> date:
    """AUTH-12: the last day to file with the province — 20 working days after approval."""
    if version.approved_on is None:
        raise DomainError("a plan is filed after it is approved", rule="AUTH-12")
    return add_working_days(version.approved_on, working_days, holidays)


def record_filing(
    plan: ImplementationPlan,
    *,
    filed_on: date,
    reference: str,
    today: date,
    actor_role: str,
    actor_region: str,
) -> ImplementationPlan:
    """The bureau records the filing (备案) of the approved latest version with the province."""
    _bureau_of(plan.region, actor_role, actor_region)
    latest = plan.latest
    if not latest.in_force:
        raise DomainError(
            f"version {latest.version} is not approved yet; it is filed after approval",
            rule="AUTH-12",
        )
    if latest.filed_on is not None and latest.needs_approval:
        raise Conflict(f"version {latest.version} was filed on {latest.filed_on}", rule="AUTH-12")
    if latest.approved_on is not None and filed_on < latest.approved_on:
        raise DomainError("a filing follows the approval", rule="AUTH-12", field="filed_on")
    if filed_on > today:
        raise DomainError("record a filing once made", rule="AUTH-12", field="filed_on")
    if not reference.strip():
        raise DomainError("give the filing's reference", rule="AUTH-12", field="reference")
    return _with_latest(plan, replace(latest, filed_on=filed_on, filing_reference=reference))


def filing_overdue(
    version: PlanVersion, today: date, holidays: tuple[date, ...], working_days: int
) -> bool:
    """AUTH-12: flagged when the version in force was not filed within the working days."""
    if version.approved_on is None:
        return False
    due = filing_due_on(version, holidays, working_days)
    if version.filed_on is None:
        return today > due
    return version.filed_on > due


def check_authorization(plan: ImplementationPlan | None, scope: Scope) -> None:
    """AUTH-12: an authorization follows the approved plan: its mode, and its resources
    within the plan's scope. A changed plan not yet approved again does not count."""
    approved = plan.approved if plan else None
    if approved is None:
        raise DomainError(
            "no implementation plan (实施方案) approved by the government's collective "
            "decision is on record for this region; record and approve it first (AUTH-12)",
            rule="AUTH-12",
        )
    if scope.mode.value not in approved.modes:
        raise DomainError(
            f"the approved implementation plan (version {approved.version}) authorizes in "
            f"{', '.join(approved.modes)} mode, this authorization is {scope.mode.value}; a "
            "change of mode needs the plan approved again (AUTH-12)",
            rule="AUTH-12",
            field="mode",
        )
    outside = [r for r in scope.resources if approved.resources and r not in approved.resources]
    if outside:
        raise DomainError(
            f"resources outside the approved implementation plan (version "
            f"{approved.version}): {', '.join(outside)}; a change of scope needs the plan "
            "approved again (AUTH-12)",
            rule="AUTH-12",
            field="resources",
        )
