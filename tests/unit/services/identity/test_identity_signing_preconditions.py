"""What must be on record before an agreement is signed — the bureau's collective
decision and the finance department's opinion (AUTH-11), the approved implementation plan
(AUTH-12), the bureau's emergency plan (SEC-2) — and the exits of AUTH-6 as the texts
word them. Pure decide/evolve."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from contracts import events as contract
from contracts.errors import DomainError
from services.identity.domain import authorizing as cmd
from services.identity.domain.agreement import AuthorizationMode, Scope
from services.identity.domain.authorization import State
from services.identity.domain.dates import local_date
from tests.unit.services.identity.factories import (
    OPERATOR,
    apply,
    drive,
    facts_factory,
    plan_factory,
)


def test_AUTH_11_signing_without_the_collective_decision_is_refused() -> None:
    """000 §3.2: “协议内容应当充分征求各方意见，经市大数据局‘三重一大’决策机制审议通过”;
    001 art.12(四): “协议经实施单位‘三重一大’决策机制审议通过后签订”."""
    auth, now = drive("drafted")
    bare = replace(auth, collective_decision=None)
    with pytest.raises(DomainError) as refused:
        cmd.decide(bare, cmd.SignAgreement(), facts_factory(now=now))
    assert refused.value.rule == "AUTH-11" and refused.value.field == "collective_decision"
    rejected = apply(
        bare,
        cmd.RecordCollectiveDecision("局党组会议", local_date(now), approved=False),
        facts_factory(now=now),
    )
    with pytest.raises(DomainError, match="did not approve") as not_approved:
        cmd.decide(rejected, cmd.SignAgreement(), facts_factory(now=now))
    assert not_approved.value.rule == "AUTH-11"
    assert [e.kind for e in cmd.decide(auth, cmd.SignAgreement(), facts_factory(now=now))] == [
        "agreement_signed"
    ]


def test_AUTH_11_revenue_sharing_needs_the_finance_departments_opinion() -> None:
    """001 art.15: “协议内容应充分征求各方意见，涉及收益分配的内容，需征求同级财政部门的意见”."""
    auth, now = drive("drafted")
    with pytest.raises(DomainError) as refused:
        cmd.decide(replace(auth, finance_opinion=None), cmd.SignAgreement(), facts_factory(now=now))
    assert refused.value.rule == "AUTH-11" and refused.value.field == "finance_opinion"
    assert auth.finance_opinion is not None and auth.finance_opinion.department == "市财政局"


def test_AUTH_11_a_redraft_goes_back_to_the_decision_and_the_opinion() -> None:
    """000 §3.2: the agreement the decision approved is the one signed; a redraft clears
    both records, and signing is refused again until they are recorded anew."""
    auth, now = drive("drafted")
    assert auth.agreement is not None
    redrafted = apply(
        auth,
        cmd.DraftAgreement(
            "agr-1", auth.agreement.starts_on, auth.agreement.ends_on, dict(auth.agreement.sections)
        ),
        facts_factory(now=now),
    )
    assert redrafted.collective_decision is None and redrafted.finance_opinion is None
    with pytest.raises(DomainError) as refused:
        cmd.decide(redrafted, cmd.SignAgreement(), facts_factory(now=now))
    assert refused.value.rule == "AUTH-11"
    with pytest.raises(DomainError) as ahead:
        cmd.decide(
            redrafted,
            cmd.RecordCollectiveDecision("会议", local_date(now) + timedelta(days=1), True),
            facts_factory(now=now),
        )
    assert ahead.value.field == "decided_on"


def test_SEC_2_no_agreement_becomes_active_without_its_emergency_plan() -> None:
    """001 art.32: “实施单位应会同有关部门制定安全事件应急预案”; 003 §4(三): “按照‘一授权一
    预案’要求 … 制定应急预案”. Identity signs only once evaluation announced the plan."""
    auth, now = drive("drafted")
    with pytest.raises(DomainError) as refused:
        cmd.decide(auth, cmd.SignAgreement(), facts_factory(now=now, emergency_plan_version=0))
    assert refused.value.rule == "SEC-2" and refused.value.field == "emergency_plan"
    signed = apply(auth, cmd.SignAgreement(), facts_factory(now=now, emergency_plan_version=2))
    assert signed.state is State.ACTIVE


def test_AUTH_12_no_signature_without_an_approved_implementation_plan_of_that_mode() -> None:
    """001 art.11: “实施方案经本级人民政府按照‘三重一大’决策机制审议通过后，原则上不得随意
    变更，对于授权运营模式调整、授权运营的数据资源范围变更、收益分配机制调整等情形，应按原
    流程重新报请审议同意”."""
    auth, now = drive("drafted")
    with pytest.raises(DomainError) as none:
        cmd.decide(auth, cmd.SignAgreement(), facts_factory(now=now, implementation_plan=None))
    assert none.value.rule == "AUTH-12"
    with pytest.raises(DomainError) as other_mode:
        cmd.decide(
            auth,
            cmd.SignAgreement(),
            facts_factory(now=now, implementation_plan=plan_factory("domain")),
        )
    assert other_mode.value.rule == "AUTH-12" and other_mode.value.field == "mode"
    narrow = replace(auth, scope=Scope(mode=AuthorizationMode.WHOLE, resources=("企业纳税信息",)))
    with pytest.raises(DomainError) as outside:
        cmd.decide(
            narrow,
            cmd.SignAgreement(),
            facts_factory(now=now, implementation_plan=plan_factory("whole", ("公积金缴存",))),
        )
    assert outside.value.field == "resources" and "企业纳税信息" in outside.value.detail


def test_AUTH_6_a_missed_target_is_a_rectification_order_not_a_termination() -> None:
    """002 §4(五): “運營機構違反授權運營協議、未達到協議約定的經營目標且未按照要求整改 …
    市政數局可以終止授權運營” — missed and not rectified, not missed alone."""
    auth, now = drive("active")
    with pytest.raises(DomainError) as refused:
        cmd.decide(auth, cmd.Terminate("targets_missed", "场景数未达标"), facts_factory(now=now))
    assert refused.value.rule == "AUTH-6" and "rectification order" in refused.value.detail
    suspended = apply(auth, cmd.Suspend("经营目标未达成，限期整改"), facts_factory(now=now))
    with pytest.raises(DomainError, match="has not passed"):
        cmd.decide(suspended, cmd.Terminate("targets_missed", "未整改"), facts_factory(now=now))
    assert suspended.suspension is not None
    after = now + timedelta(days=31)
    assert local_date(after) > suspended.suspension.correction_due
    ended = apply(
        suspended, cmd.Terminate("targets_missed", "逾期未整改"), facts_factory(now=after)
    )
    assert ended.state is State.TERMINATED and ended.end_reason.startswith("targets_missed")


def test_AUTH_6_other_violations_of_laws_and_regulations_end_the_agreement() -> None:
    """000 §3.4(4): “其他违反法律法规的情形”; 002 §4(五): “存在違反法律法規或者政策規定的
    其他情形，市政數局可以終止授權運營”."""
    for state in ("active", "suspended", "correction_reported"):
        auth, now = drive(state)
        events = cmd.decide(
            auth, cmd.Terminate("other_violation", "违反数据安全法"), facts_factory(now=now)
        )
        ended = apply(
            auth, cmd.Terminate("other_violation", "违反数据安全法"), facts_factory(now=now)
        )
        assert ended.state is State.TERMINATED, state
        published = cmd.published(ended, events[0])
        assert isinstance(published, contract.AgreementTerminated)
        assert published.ground == "other_violation"


def test_AUTH_6_reinstatement_names_the_suspension_so_permissions_return_as_they_were() -> None:
    """000 §3.4(3): “要求其改正，并暂时关闭其数据使用权限；运营机构应当在约定期限内改正” —
    closed temporarily: ``agreement.reinstated`` names the suspension it ends (the instant of
    ``agreement.suspended``) and the agreement's last day, for the grants and sandboxes
    closed by it to reopen."""
    auth, now = drive("active")
    suspended_events = cmd.decide(auth, cmd.Suspend("违规"), facts_factory(now=now))
    suspended = apply(auth, cmd.Suspend("违规"), facts_factory(now=now))
    suspension_event = cmd.published(suspended, suspended_events[0])
    assert isinstance(suspension_event, contract.AgreementSuspended)
    assert suspension_event.suspended_at == now
    reported = apply(suspended, cmd.ReportCorrection("已整改"), facts_factory(OPERATOR, now))
    events = cmd.decide(reported, cmd.Reinstate(), facts_factory(now=now))
    back = apply(reported, cmd.Reinstate(), facts_factory(now=now))
    reinstated = cmd.published(back, events[0])
    assert isinstance(reinstated, contract.AgreementReinstated)
    assert reinstated.suspended_at == suspension_event.suspended_at
    assert reinstated.suspension_reason == "违规"
    assert back.agreement is not None and reinstated.ends_on == back.agreement.ends_on
