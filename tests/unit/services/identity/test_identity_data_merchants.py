"""Data merchants (数据商, DEV-3): the operator files each cooperation agreement with the
bureau, and complaints of abuse of a dominant position are recorded with the operator's
reasons and the bureau's finding. Pure."""

from __future__ import annotations

import pytest

from contracts.errors import Conflict, DomainError, Forbidden, IllegalTransition
from services.identity.domain import admission, competition
from services.identity.domain.competition import State
from tests.unit.services.identity.factories import BUREAU, DEVELOPER, NOW, OPERATOR, RIVAL
from tests.unit.services.identity.test_identity_admission import admitted, applied


def test_DEV_3_an_admission_is_not_complete_cooperation_until_its_agreement_is_filed() -> None:
    """000 §4.5: “运营机构依据市场化原则选定数据商，签订合作协议，并将协议提交市大数据局
    备案”."""
    signed = admitted()
    assert signed.state is admission.State.ADMITTED and not signed.cooperation_complete
    filed = admission.file_cooperation(
        signed,
        reference="合作协议〔2026〕3号",
        summary="场景、数据安全、收益分配",
        actor=OPERATOR,
        now=NOW,
    )
    assert filed.cooperation_complete and filed.cooperation_filing is not None
    assert filed.cooperation_filing.filed_by == OPERATOR.org_id
    with pytest.raises(Conflict) as twice:
        admission.file_cooperation(filed, reference="x", summary="y", actor=OPERATOR, now=NOW)
    assert twice.value.rule == "DEV-3"
    for actor in (RIVAL, DEVELOPER, BUREAU):
        with pytest.raises(Forbidden) as refused:
            admission.file_cooperation(signed, reference="x", summary="y", actor=actor, now=NOW)
        assert refused.value.rule == "DEV-3"
    with pytest.raises(DomainError) as unsigned:
        admission.file_cooperation(applied(), reference="x", summary="y", actor=OPERATOR, now=NOW)
    assert unsigned.value.rule == "DEV-3"


def test_DEV_3_a_complaint_of_abuse_of_dominance_is_answered_and_decided_on_record() -> None:
    """000 §4.5: “运营机构不得滥用市场支配地位排除、限制数据商竞争，不得利用数据和算法、技术、
    资本优势等从事垄断行为” — the complaint, the operator's reasons and the bureau's finding
    are each recorded; nothing is decided by the platform itself."""
    made = competition.file(
        complaint_id="cmp-1",
        region="370300",
        operator_org_id="org-op",
        ground="refused_cooperation",
        account="三次申请入驻均被拒绝且未说明理由",
        actor=DEVELOPER,
        complainant_registered=True,
        now=NOW,
    )
    assert made.state is State.FILED
    with pytest.raises(Forbidden):
        competition.answer(made, text="理由", actor=RIVAL, now=NOW)
    answered = competition.answer(
        made, text="安全能力材料不全，已书面告知", actor=OPERATOR, now=NOW
    )
    assert answered.state is State.ANSWERED and answered.operator_answer
    with pytest.raises(Forbidden):
        competition.decide(answered, uphold=False, finding="f", actor=BUREAU, within=False, now=NOW)
    decided = competition.decide(
        answered, uphold=False, finding="拒绝理由成立", actor=BUREAU, within=True, now=NOW
    )
    assert decided.state is State.DISMISSED and decided.decided_by == BUREAU.org_id
    with pytest.raises(IllegalTransition):
        competition.answer(decided, text="again", actor=OPERATOR, now=NOW)
    with pytest.raises(Forbidden):
        competition.file(
            complaint_id="cmp-2",
            region="370300",
            operator_org_id="org-op",
            ground="other",
            account="x",
            actor=OPERATOR,
            complainant_registered=True,
            now=NOW,
        )
    with pytest.raises(DomainError) as ground:
        competition.file(
            complaint_id="cmp-3",
            region="370300",
            operator_org_id="org-op",
            ground="rude",
            account="x",
            actor=DEVELOPER,
            complainant_registered=True,
            now=NOW,
        )
    assert ground.value.rule == "DEV-3"
