"""What a product touches and the permissions on file (TRD-3), in its circulation
certificate's governance section (EXP-3): validated, raised to the floor the grant shows,
kept through filing and carried on ``product.released``; the public list's release date
(EXP-5); and ``export.rejected`` only after passing checks (EXP-2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from contracts.errors import DomainError
from contracts.events import ExportRejected, ProductReleased, StagedItem
from services.product_release.domain.certificate import (
    PERSONAL_PRIVACY,
    TOUCHES,
    certificate_hash,
    touches_floor,
    validate,
    with_floor,
)
from services.product_release.domain.export_request import (
    REJECTED,
    TRANSITIONS,
    ExportState,
    RejectExport,
)
from services.product_release.domain.export_request import decide as decide_export
from services.product_release.domain.outputs import GrantItem
from services.product_release.domain.product import (
    AttachCertificate,
    DraftProduct,
    FileProduct,
    OperatorGroup,
    ProductState,
    ProductVersion,
    ReleaseProduct,
    ReturnFiling,
    certify,
    decide,
    draft,
    evolve,
)
from services.product_release.domain.product_list import product_list, project, release_date
from services.product_release.repository import (
    grant_items_from_doc,
    grant_items_to_doc,
    product_from_doc,
    product_to_doc,
)
from tests.unit.services.product_release.export_factories import (
    DEVELOPER,
    OPERATOR,
    REVIEWER,
    SIGNED,
    approved_export,
    certificate_factory,
    requested_export,
)

CODE = "370300P00000000123"
PUBLIC_ITEMS = (GrantItem("district", 1, "res-1"), GrantItem("industry", 2, "res-1"))
PERSONAL_ITEMS = (*PUBLIC_ITEMS, GrantItem("resident_id", 4, "res-2"))


def drafted(grant_items: tuple[GrantItem, ...] = PUBLIC_ITEMS, **overrides: Any) -> ProductVersion:
    command = DraftProduct(
        product_id="prod-1",
        version=1,
        export=approved_export(),
        name="区县行业企业纳税汇总",
        kind="dataset",
        operator=OperatorGroup(OPERATOR),
        grant_items=grant_items,
    )
    version, _ = draft(replace(command, **overrides))
    return version


def verification(key_column: str) -> ProductVersion:
    export = replace(
        approved_export(), kind="verification", key_column=key_column, answer_column="status"
    )
    return drafted(kind="verification", export=export, verification_answers=("一致", "不一致"))


def released(version: ProductVersion) -> ProductReleased:
    filed = version
    for event in decide(filed, FileProduct("user-bureau-2", "bureau", "备案-1")):
        filed = evolve(filed, event)
    [event] = decide(filed, ReleaseProduct(CODE))
    assert isinstance(event, ProductReleased)
    return event


# -- the certificate's governance section (EXP-3) ------------------------------------------


def test_EXP_3_touches_and_permissions_are_part_of_the_certificate_hash() -> None:
    plain = certificate_factory()
    declared = certificate_factory(
        touches=("third_party_rights",), permissions=("third_party_rights",)
    )
    record = declared.as_record()
    assert (record["touches"], record["permissions"]) == (
        ["third_party_rights"],
        ["third_party_rights"],
    )
    assert certificate_hash(plain) != certificate_hash(declared)
    validate(declared, developer_org_id=DEVELOPER)


@pytest.mark.parametrize("field", ["touches", "permissions"])
def test_EXP_3_touches_and_permissions_take_only_the_four_values(field: str) -> None:
    values = {"touches": ("trade_secret",), "permissions": ()}
    if field == "permissions":
        values = {"touches": TOUCHES, "permissions": ("everything",)}
    with pytest.raises(DomainError) as caught:
        validate(certificate_factory(**values), developer_org_id=DEVELOPER)
    assert (caught.value.rule, caught.value.field) == ("EXP-3", field)


@pytest.mark.parametrize("field", ["touches", "permissions"])
def test_EXP_3_touches_and_permissions_name_each_value_once(field: str) -> None:
    twice = ("personal_privacy", "personal_privacy")
    values = {"touches": twice, "permissions": ()}
    if field == "permissions":
        values = {"touches": ("personal_privacy",), "permissions": twice}
    with pytest.raises(DomainError) as caught:
        validate(certificate_factory(**values), developer_org_id=DEVELOPER)
    assert (caught.value.rule, caught.value.field) == ("EXP-3", field)


def test_TRD_3_no_permission_is_on_file_for_personal_privacy_or_state_secrets() -> None:
    """000 §5.2: "涉及国家秘密、国家安全和个人隐私信息等受法律保护的数据和涉及他人知识产权、
    商业秘密等权利的数据(取得权利人明确许可授权的除外)禁止进行数据交易。" The permission
    exception covers others' IP and trade secrets only."""
    for touch in ("personal_privacy", "state_secret", "national_security"):
        certificate = certificate_factory(touches=(touch,), permissions=(touch,))
        with pytest.raises(DomainError) as caught:
            decide(drafted(), AttachCertificate(certificate))
        assert (caught.value.rule, caught.value.field) == ("TRD-3", "permissions")
    allowed = certificate_factory(
        touches=("third_party_rights",), permissions=("third_party_rights",)
    )
    decide(drafted(), AttachCertificate(allowed))


def test_EXP_3_a_permission_is_on_file_only_for_what_the_product_touches() -> None:
    beyond = certificate_factory(
        touches=("personal_privacy",), permissions=("personal_privacy", "third_party_rights")
    )
    with pytest.raises(DomainError, match="third_party_rights") as caught:
        decide(drafted(), AttachCertificate(beyond))
    assert (caught.value.rule, caught.value.field) == ("EXP-3", "permissions")


# -- the floor the grant shows (TRD-3) -----------------------------------------------------


def test_TRD_3_a_grade_4_granted_item_means_the_product_touches_personal_privacy() -> None:
    assert touches_floor(PUBLIC_ITEMS) == ()
    assert touches_floor(PERSONAL_ITEMS) == (PERSONAL_PRIVACY,)
    assert drafted(PERSONAL_ITEMS).touches_floor == (PERSONAL_PRIVACY,)
    assert drafted().touches_floor == ()


@pytest.mark.parametrize(
    ("key_column", "floor"),
    [
        ("resident_id", (PERSONAL_PRIVACY,)),
        ("person_id", (PERSONAL_PRIVACY,)),
        ("mobile_phone", (PERSONAL_PRIVACY,)),
        ("身份证号", (PERSONAL_PRIVACY,)),
        ("credit_code", ()),
    ],
)
def test_TRD_3_a_verification_keyed_by_a_personal_identifier_touches_personal_privacy(
    key_column: str, floor: tuple[str, ...]
) -> None:
    assert verification(key_column).touches_floor == floor


def test_TRD_3_a_dataset_is_not_judged_by_the_key_column_of_its_export() -> None:
    export = replace(approved_export(), key_column="resident_id")
    assert drafted(export=export).touches_floor == ()


def test_TRD_3_personal_privacy_is_in_touches_whether_declared_or_not() -> None:
    version, event, filed = certify(drafted(PERSONAL_ITEMS), certificate_factory())
    assert filed.touches == (PERSONAL_PRIVACY,) and filed.permissions == ()
    assert version.touches == (PERSONAL_PRIVACY,) and version.state is ProductState.CERTIFIED
    assert event.certificate_hash == certificate_hash(filed)
    assert event.certificate_hash != certificate_hash(certificate_factory())


def test_TRD_3_declared_touches_are_kept_and_the_floor_added_once() -> None:
    declared = certificate_factory(
        touches=("third_party_rights",), permissions=("third_party_rights",)
    )
    _, _, filed = certify(drafted(PERSONAL_ITEMS), declared)
    assert filed.touches == ("third_party_rights", PERSONAL_PRIVACY)
    assert filed.permissions == ("third_party_rights",)
    already = certificate_factory(touches=(PERSONAL_PRIVACY,), permissions=(PERSONAL_PRIVACY,))
    assert with_floor(already, (PERSONAL_PRIVACY,)) == already


def test_TRD_3_the_developer_cannot_lower_the_floor() -> None:
    with pytest.raises(DomainError) as caught:
        decide(drafted(PERSONAL_ITEMS), AttachCertificate(certificate_factory()))
    assert (caught.value.rule, caught.value.field) == ("TRD-3", "touches")


def test_TRD_3_a_repeated_declaration_is_refused_even_when_the_floor_names_it() -> None:
    twice = certificate_factory(touches=(PERSONAL_PRIVACY, PERSONAL_PRIVACY))
    with pytest.raises(DomainError) as caught:
        certify(drafted(PERSONAL_ITEMS), twice)
    assert (caught.value.rule, caught.value.field) == ("EXP-3", "touches")


def test_TRD_3_product_released_carries_touches_and_permissions() -> None:
    declared = certificate_factory(
        touches=("third_party_rights",), permissions=("third_party_rights",)
    )
    version, _, _ = certify(drafted(PERSONAL_ITEMS), declared)
    event = released(version)
    assert event.touches == ["third_party_rights", PERSONAL_PRIVACY]
    assert event.permissions == ["third_party_rights"]
    plain, _, _ = certify(drafted(), certificate_factory())
    assert (released(plain).touches, released(plain).permissions) == ([], [])


def test_TRD_3_a_returned_filing_clears_touches_until_certified_again() -> None:
    version, _, _ = certify(drafted(PERSONAL_ITEMS), certificate_factory())
    [event] = decide(version, ReturnFiling("user-bureau-2", "bureau", "治理规则不完整"))
    returned = evolve(version, event)
    assert returned.touches == () and returned.touches_floor == (PERSONAL_PRIVACY,)
    again, _, _ = certify(returned, certificate_factory())
    assert again.touches == (PERSONAL_PRIVACY,)


def test_TRD_3_touches_and_grant_items_round_trip_through_their_documents() -> None:
    version, _, _ = certify(
        drafted(PERSONAL_ITEMS),
        certificate_factory(touches=("third_party_rights",), permissions=("third_party_rights",)),
    )
    assert product_from_doc(product_to_doc(version, region="370300")) == version
    staged = [
        StagedItem(name=i.name, grade=i.grade, resource_id=i.resource_id) for i in PERSONAL_ITEMS
    ]
    assert grant_items_from_doc({"grant_items": grant_items_to_doc(staged)}) == PERSONAL_ITEMS
    assert grant_items_from_doc({}) == ()


# -- the public list (EXP-5) ------------------------------------------------------------


def test_EXP_5_the_list_shows_the_release_day_in_china() -> None:
    event = ProductReleased(
        product_id="prod-1",
        version=1,
        name="产品",
        kind="dataset",
        developer_org_id="org-dev",
        registration_code=CODE,
        certificate_id="cert-1",
    )
    evening = datetime(2026, 11, 23, 17, 30, tzinfo=UTC)  # already 24 November in China
    [listed] = project({}, event, released_at=evening).values()
    assert listed.released_on == "2026-11-24"
    assert release_date(datetime(2026, 11, 23, 9, 0)) == "2026-11-23"  # naive: UTC
    assert product_list([event])[0].released_on == ""


# -- export.rejected (EXP-2) --------------------------------------------------------------


def test_EXP_2_export_rejected_follows_only_passing_checks_so_has_no_failed_checks() -> None:
    rejecting = [state for state, moves in TRANSITIONS.items() if REJECTED in moves]
    assert sorted(rejecting) == sorted([ExportState.CHECKS_PASSED, ExportState.RE_REVIEW])
    assert REJECTED not in TRANSITIONS.get(ExportState.CHECKS_FAILED, {})
    passed = requested_export(state=ExportState.CHECKS_PASSED, check_report_hash="ab" * 32)
    [event] = decide_export(passed, RejectExport(REVIEWER, "operator", "用途不符", **SIGNED))
    assert isinstance(event, ExportRejected) and event.failed_checks == []
