"""Who decides an export (EXP-1, 谁授权、谁审核): the grant's operator, and the body that
authorized it — the bureau, or under domain authorization the industry authority in the
bureau's place; nobody when the grant's operator is unknown."""

from __future__ import annotations

import pytest

from contracts.errors import Conflict, Forbidden
from services.product_release.domain.export_request import ExportAuthority, reviewer_party

OPERATOR = "org-370300-operator"
HEALTH = "org-370300-health"
WHOLE = ExportAuthority(operator_org_id=OPERATOR, mode="whole")
DOMAIN = ExportAuthority(operator_org_id=OPERATOR, mode="domain", industry_authority_org_id=HEALTH)


def test_EXP_1_under_domain_authorization_the_industry_authority_reviews_in_the_bureaus_place() -> (
    None
):
    """004 (四): "规定数据产品和服务按照'谁授权、谁审核'的原则进行'出域'的安全性审核";
    004 (一): "行业主管部门结合实际需要,会同数据主管部门开展分领域授权"。 Under domain
    authorization the authority that authorized reviews, not the bureau."""
    assert reviewer_party("e1", role="provider", org_id=HEALTH, authority=DOMAIN) == (
        "industry_authority"
    )
    with pytest.raises(Forbidden) as bureau:
        reviewer_party("e1", role="bureau", org_id="org-370300-bureau", authority=DOMAIN)
    assert bureau.value.rule == "EXP-1" and HEALTH in bureau.value.detail
    with pytest.raises(Forbidden) as other_provider:
        reviewer_party("e1", role="provider", org_id="org-370300-tax", authority=DOMAIN)
    assert other_provider.value.rule == "EXP-1"
    # under whole authorization the bureau is the authorizing body; a provider is not
    assert reviewer_party("e1", role="bureau", org_id="org-b", authority=WHOLE) == "bureau"
    with pytest.raises(Forbidden):
        reviewer_party("e1", role="provider", org_id=HEALTH, authority=WHOLE)


def test_EXP_1_only_the_grants_operator_decides_and_an_unknown_operator_is_a_refusal() -> None:
    """002 §5: "公共數據產品和服務在發布前,須經運營機構出域合規審核並報市政數局備案" — the
    operator whose grant the export comes from; another operator never decides it, and an
    operator the service does not know for the grant is a refusal, not a pass."""
    assert reviewer_party("e1", role="operator", org_id=OPERATOR, authority=DOMAIN) == "operator"
    with pytest.raises(Forbidden) as other:
        reviewer_party("e1", role="operator", org_id="org-370300-operator-2", authority=WHOLE)
    assert other.value.rule == "EXP-1" and OPERATOR in other.value.detail
    for unknown in (None, ExportAuthority(operator_org_id="")):
        with pytest.raises(Conflict) as refused:
            reviewer_party("e1", role="operator", org_id=OPERATOR, authority=unknown)
        assert refused.value.rule == "EXP-1" and "not known" in refused.value.detail
