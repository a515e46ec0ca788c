"""Product versions: only approved exports (EXP-1), the circulation certificate before
filing (EXP-3), filing with the bureau before release (EXP-1), and no re-development of
delivered products by the operator or its affiliates (EXP-4)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from contracts.errors import Conflict, DomainError, Forbidden, IllegalTransition
from contracts.events import (
    ProductDrafted,
    ProductFiled,
    ProductReleased,
    ProductWithdrawn,
    VerificationSpec,
)
from services.product_release.domain.certificate import Interaction, certificate_hash
from services.product_release.domain.export_request import ExportRequest, ExportState
from services.product_release.domain.product import (
    EVENT_TYPES,
    TERMINAL,
    TRANSITIONS,
    AttachCertificate,
    Command,
    DraftProduct,
    FileProduct,
    OperatorGroup,
    ProductState,
    ProductVersion,
    ReleaseProduct,
    ReturnFiling,
    WithdrawProduct,
    advance,
    decide,
    evolve,
)
from services.product_release.domain.product import draft as draft_version
from tests.unit.services.product_release.export_factories import (
    DEVELOPER,
    OPERATOR,
    approved_export,
    certificate_factory,
    requested_export,
)

GROUP = OperatorGroup(OPERATOR, frozenset({"org-370300-operator-sub"}))
CODE = "370300P00000000123"


def draft(**overrides: Any) -> DraftProduct:
    base = DraftProduct(
        product_id="prod-1",
        version=1,
        export=approved_export(),
        name="区县行业企业纳税汇总",
        kind="dataset",
        operator=GROUP,
    )
    return replace(base, **overrides)


def apply(state: ProductVersion | None, command: Command) -> ProductVersion:
    for event in decide(state, command):
        state = evolve(state, event)
    assert state is not None
    return state


def drafted() -> ProductVersion:
    return apply(None, draft())


def certified() -> ProductVersion:
    return apply(drafted(), AttachCertificate(certificate_factory()))


def filed() -> ProductVersion:
    return apply(certified(), FileProduct("user-bureau-2", "bureau", "备案-2025-0042"))


def test_EXP_1_an_approved_export_becomes_a_product_version_through_filing_to_release() -> None:
    released = apply(filed(), ReleaseProduct(CODE))
    assert released.state is ProductState.RELEASED
    assert released.filing_number == "备案-2025-0042"
    events = decide(filed(), ReleaseProduct(CODE))
    assert events == [
        ProductReleased(
            product_id="prod-1",
            version=1,
            name="区县行业企业纳税汇总",
            kind="dataset",
            developer_org_id=DEVELOPER,
            registration_code=CODE,
            certificate_id="cert-1",
        )
    ]


@pytest.mark.parametrize(
    "state",
    [
        ExportState.REQUESTED,
        ExportState.CHECKS_PASSED,
        ExportState.CHECKS_FAILED,
        ExportState.REJECTED,
    ],
)
def test_EXP_1_only_an_approved_export_becomes_a_product(state: ExportState) -> None:
    with pytest.raises(Conflict) as caught:
        decide(None, draft(export=requested_export(state=state)))
    assert caught.value.rule == "EXP-1"


@pytest.mark.parametrize("not_yet", ["drafted", "certified"])
def test_EXP_1_a_product_is_filed_with_the_bureau_before_release(not_yet: str) -> None:
    state = drafted() if not_yet == "drafted" else certified()
    with pytest.raises(IllegalTransition) as caught:
        decide(state, ReleaseProduct(CODE))
    assert caught.value.rule == "EXP-1"


def test_EXP_1_only_a_named_user_of_the_bureau_files() -> None:
    for user, role in (("user-op-7", "operator"), ("", "bureau"), ("user-dev-1", "developer")):
        with pytest.raises(Forbidden) as caught:
            decide(certified(), FileProduct(user, role, "备案-1"))
        assert caught.value.rule == "EXP-1"


def test_EXP_3_filing_needs_the_circulation_certificate_first() -> None:
    with pytest.raises(IllegalTransition) as caught:
        decide(drafted(), FileProduct("user-bureau-2", "bureau", "备案-1"))
    assert caught.value.rule == "EXP-3"


def test_EXP_3_the_filing_names_the_certificate_hash() -> None:
    [event] = decide(certified(), FileProduct("user-bureau-2", "bureau", "备案-1"))
    assert isinstance(event, ProductFiled)
    assert event.certificate_hash == certificate_hash(certificate_factory())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"data_sources": ()}, "data_sources"),
        ({"attributes": ()}, "attributes"),
        ({"attributes": (("format", " "),)}, "attributes"),
        ({"business_logic": ""}, "business_logic"),
        ({"governance_rules": "  "}, "governance_rules"),
        ({"cryptographic_agreement": ""}, "cryptographic_agreement"),
        ({"interaction_flow": ()}, "interaction_flow"),
        ({"certificate_id": ""}, "certificate_id"),
    ],
)
def test_EXP_3_an_incomplete_certificate_is_refused_naming_the_part(
    overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        decide(drafted(), AttachCertificate(certificate_factory(**overrides)))
    assert caught.value.rule == "EXP-3" and caught.value.field == field


def test_EXP_3_a_data_source_names_its_provider_and_registration_code() -> None:
    cert = certificate_factory()
    incomplete = replace(cert, data_sources=(replace(cert.data_sources[0], registration_code=""),))
    with pytest.raises(DomainError) as caught:
        decide(drafted(), AttachCertificate(incomplete))
    assert caught.value.field == "data_sources[0].registration_code"


def test_EXP_3_the_interaction_flow_involves_every_rights_holder() -> None:
    cert = certificate_factory()
    without_hrss = tuple(i for i in cert.interaction_flow if "hrss" not in i.from_org_id)
    with pytest.raises(DomainError, match="org-370300-hrss"):
        decide(drafted(), AttachCertificate(replace(cert, interaction_flow=without_hrss)))
    without_developer = (
        Interaction("org-370300-tax", OPERATOR, "supplies"),
        Interaction("org-370300-hrss", OPERATOR, "supplies"),
    )
    with pytest.raises(DomainError, match=DEVELOPER):
        decide(drafted(), AttachCertificate(replace(cert, interaction_flow=without_developer)))


def test_EXP_3_a_certificate_of_another_product_is_refused() -> None:
    with pytest.raises(DomainError):
        decide(drafted(), AttachCertificate(certificate_factory(product_id="prod-2")))


def test_EXP_3_a_returned_filing_needs_the_certificate_again() -> None:
    returned = apply(certified(), ReturnFiling("user-bureau-2", "bureau", "交互流程不完整"))
    assert returned.state is ProductState.DRAFTED and returned.certificate_hash == ""
    with pytest.raises(IllegalTransition):
        decide(returned, FileProduct("user-bureau-2", "bureau", "备案-1"))


def test_EXP_4_the_operator_may_not_redevelop_a_delivered_product() -> None:
    with pytest.raises(Forbidden) as caught:
        decide(None, draft(export=approved_export(OPERATOR), derived_from=("prod-0",)))
    assert caught.value.rule == "EXP-4"


def test_EXP_4_an_operator_affiliate_may_not_redevelop_a_delivered_product() -> None:
    affiliate = approved_export("org-370300-operator-sub")
    with pytest.raises(Forbidden) as caught:
        decide(None, draft(export=affiliate, derived_from=("prod-0",)))
    assert caught.value.rule == "EXP-4"


def test_EXP_4_an_independent_developer_may_build_on_a_delivered_product() -> None:
    [event] = decide(None, draft(derived_from=("prod-0",)))
    assert isinstance(event, ProductDrafted)
    assert event.derived_from == ["prod-0"]


def test_EXP_4_the_operator_may_deliver_first_level_products_of_its_own() -> None:
    state = apply(None, draft(export=approved_export(OPERATOR)))
    assert state.developer_org_id == OPERATOR


def verification_export() -> ExportRequest:
    return replace(
        approved_export(), kind="verification", key_column="credit_code", answer_column="status"
    )


def test_EXP_1_a_verification_answers_from_a_closed_set_of_categories() -> None:
    export = verification_export()
    with pytest.raises(DomainError):
        decide(None, draft(kind="verification", export=export))
    with pytest.raises(DomainError):
        decide(
            None,
            draft(kind="verification", export=export, verification_answers=("一致", "一致")),
        )
    api = apply(
        None, draft(kind="verification", export=export, verification_answers=("一致", "不一致"))
    )
    assert api.kind == "verification"
    with pytest.raises(DomainError):
        decide(None, draft(kind="raw_table"))


def test_EXP_1_a_product_kind_matches_the_kind_of_its_export() -> None:
    with pytest.raises(DomainError) as caught:
        decide(None, draft(kind="verification", verification_answers=("一致", "不一致")))
    assert caught.value.field == "kind"
    with pytest.raises(DomainError):
        decide(None, draft(kind="dataset", export=verification_export()))


def test_EXP_1_a_released_verification_product_carries_where_its_answers_come_from() -> None:
    version, _ = draft_version(
        draft(
            kind="verification",
            export=verification_export(),
            verification_answers=("一致", "不一致"),
        )
    )
    version = apply(version, AttachCertificate(certificate_factory()))
    version = apply(version, FileProduct("user-bureau-2", "bureau", "备案-1"))
    [released] = decide(version, ReleaseProduct(CODE, scenario_id="scn-1"))
    assert isinstance(released, ProductReleased)
    assert released.verification == VerificationSpec(
        sandbox_id="sbx-1",
        output_name="firms_by_district_industry",
        key_column="credit_code",
        answer_column="status",
        answers=["一致", "不一致"],
    )
    assert (released.scenario_id, released.grant_id) == ("scn-1", "grant-1")


def test_EXP_3_a_returned_filing_gives_its_reason() -> None:
    with pytest.raises(DomainError) as caught:
        decide(certified(), ReturnFiling("user-bureau-2", "bureau", " "))
    assert caught.value.field == "reason"


def test_EXP_1_withdrawal_ends_a_released_product() -> None:
    released = apply(filed(), ReleaseProduct(CODE))
    assert decide(released, WithdrawProduct("数据源撤回")) == [
        ProductWithdrawn(product_id="prod-1", reason="数据源撤回")
    ]
    assert apply(released, WithdrawProduct("x")).state in TERMINAL


ALL_PAIRS = [(state, event) for state in ProductState for event in EVENT_TYPES]


@pytest.mark.parametrize(
    ("state", "event"), [p for p in ALL_PAIRS if p[1] not in TRANSITIONS.get(p[0], {})]
)
def test_EXP_1_every_illegal_product_state_and_event_pair_raises(
    state: ProductState, event: str
) -> None:
    with pytest.raises(IllegalTransition):
        advance(state, event)


def test_EXP_1_terminal_product_states_have_no_way_out() -> None:
    for state in ProductState:
        assert (state in TERMINAL) == (not TRANSITIONS.get(state))


def test_EXP_1_a_version_is_drafted_once() -> None:
    with pytest.raises(Conflict):
        decide(drafted(), draft())
