"""The implementation plan (实施方案, AUTH-12): approval by the government's collective
decision, filing with the province within 20 working days, and approval again when the
mode, the resource scope or the revenue sharing changes. Pure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from contracts.errors import DomainError, Forbidden
from services.identity.domain import implementation_plan as plans
from services.identity.domain.agreement import AuthorizationMode, Scope
from services.identity.domain.dates import add_working_days
from services.identity.domain.jurisdiction import change, defaults_for

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
BUREAU = {"actor_role": "bureau", "actor_region": "370700"}


def drafted(
    plan: plans.ImplementationPlan | None = None, **overrides: object
) -> plans.ImplementationPlan:
    fields: dict[str, object] = {
        "modes": ("whole",),
        "resources": (),
        "revenue_sharing": "政府、运营单位、应用单位动态调整分配",
        "summary": "整体授权，公开招标",
    }
    fields.update(overrides)
    return plans.draft(plan, region="370700", now=NOW, **fields, **BUREAU)  # type: ignore[arg-type]


def approved(
    plan: plans.ImplementationPlan, on: date = date(2026, 2, 2)
) -> plans.ImplementationPlan:
    return plans.approve(plan, meeting="市政府常务会议", decided_on=on, today=TODAY, **BUREAU)


def test_AUTH_12_working_days_skip_weekends_and_listed_holidays() -> None:
    """001 art.11: “在20个工作日内报省级数据管理部门备案” — working days, not calendar days."""
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday → Monday
    assert add_working_days(date(2026, 2, 2), 20) == date(2026, 3, 2)
    spring_festival = tuple(date(2026, 2, d) for d in range(16, 21))
    assert add_working_days(date(2026, 2, 2), 20, spring_festival) == date(2026, 3, 9)
    assert defaults_for("370700").plan_filing_working_days == 20


def test_AUTH_12_an_unapproved_plan_governs_nothing_and_only_the_bureau_records_it() -> None:
    """001 art.11: “实施方案经本级人民政府按照‘三重一大’决策机制审议通过” — before the
    decision, no authorization follows it."""
    plan = drafted()
    with pytest.raises(DomainError) as refused:
        plans.check_authorization(plan, Scope())
    assert refused.value.rule == "AUTH-12"
    plans.check_authorization(approved(plan), Scope())
    with pytest.raises(Forbidden):
        plans.draft(
            None,
            region="370700",
            modes=("whole",),
            resources=(),
            revenue_sharing="x",
            summary="y",
            actor_role="operator",
            actor_region="370700",
            now=NOW,
        )


def test_AUTH_12_a_change_of_mode_scope_or_sharing_needs_approval_again() -> None:
    """001 art.11: “对于授权运营模式调整、授权运营的数据资源范围变更、收益分配机制调整等情形，
    应按原流程重新报请审议同意”."""
    first = approved(drafted())
    for changed_points in (
        {"modes": ("whole", "domain")},
        {"resources": ("公积金缴存",)},
        {"revenue_sharing": "收益全部上缴"},
    ):
        changed = drafted(first, **changed_points)
        assert changed.latest.needs_approval and not changed.latest.in_force, changed_points
        assert changed.approved is not None and changed.approved.version == 1
    reworded = drafted(first, summary="整体授权，公开招标；措辞修订")
    assert reworded.latest.in_force and not reworded.latest.needs_approval
    # Until the domain change is approved, a domain authorization is refused.
    to_domain = drafted(first, modes=("whole", "domain"))
    domain = Scope(mode=AuthorizationMode.DOMAIN, domain="health", industry_authority_org_id="h")
    with pytest.raises(DomainError) as refused:
        plans.check_authorization(to_domain, domain)
    assert refused.value.rule == "AUTH-12" and refused.value.field == "mode"
    plans.check_authorization(approved(to_domain, date(2026, 2, 20)), domain)


def test_AUTH_12_filing_within_twenty_working_days_and_overdue_flagged() -> None:
    """001 art.11: “经本级人民政府审议通过后，在20个工作日内报省级数据管理部门备案”."""
    plan = approved(drafted(), date(2026, 2, 2))
    version = plan.latest
    due = plans.filing_due_on(version, (), 20)
    assert due == date(2026, 3, 2)
    assert not plans.filing_overdue(version, date(2026, 3, 2), (), 20)
    assert plans.filing_overdue(version, date(2026, 3, 3), (), 20)
    late = plans.record_filing(
        plan,
        filed_on=date(2026, 3, 3),
        reference="鲁数备〔2026〕7号",
        today=date(2026, 3, 3),
        **BUREAU,
    )
    assert plans.filing_overdue(late.latest, date(2026, 3, 3), (), 20)
    on_time = plans.record_filing(
        plan, filed_on=date(2026, 2, 27), reference="鲁数备〔2026〕6号", today=TODAY, **BUREAU
    )
    assert not plans.filing_overdue(on_time.latest, date(2026, 6, 1), (), 20)
    with pytest.raises(DomainError) as early:
        plans.record_filing(drafted(), filed_on=TODAY, reference="x", today=TODAY, **BUREAU)
    assert early.value.rule == "AUTH-12"


def test_AUTH_12_the_bureau_lists_its_holidays_for_the_working_day_count() -> None:
    """001 art.11: “在20个工作日内” — holidays are a setting of the jurisdiction."""
    spring = [date(2026, 2, 17), date(2026, 2, 16)]
    changed = change(
        defaults_for("370700"), {"holidays": spring}, actor_role="bureau", actor_region="370700"
    )
    assert changed.holidays == (date(2026, 2, 16), date(2026, 2, 17))
    plan = approved(drafted(), date(2026, 2, 2))
    assert plans.filing_due_on(plan.latest, changed.holidays, 20) == date(2026, 3, 4)
