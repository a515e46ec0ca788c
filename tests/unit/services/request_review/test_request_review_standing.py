"""The read models of upstream facts converge whatever the order of delivery, and decide
the preconditions (REQ-4, AUTH-10, CAT-2)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from contracts.events import (
    AgreementReinstated,
    AgreementRenewed,
    AgreementSigned,
    AgreementSuspended,
    AgreementTerminated,
    DeveloperAdmitted,
    DeveloperRemoved,
    ResourceChanged,
    ResourceNegativeListed,
    ResourcePublished,
    ResourceWithdrawn,
)
from services.request_review.domain.standing import (
    AgreementRecord,
    DeveloperRecord,
    ResourceRecord,
    apply_agreement,
    apply_developer,
    apply_resource,
    governing_agreement,
    grant_of_sandbox,
)
from tests.unit.services.request_review.factories import TODAY, agreement_factory

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(n: int) -> datetime:
    return T0 + timedelta(hours=n)


SIGNED = AgreementSigned(
    agreement_id="agr",
    operator_org_id="op",
    mode="whole",
    starts_on=date(2026, 1, 1),
    ends_on=date(2028, 12, 31),
)
AGREEMENT_HISTORY = [
    (SIGNED, at(0)),
    (
        AgreementSuspended(
            agreement_id="agr", operator_org_id="op", reason="r", correction_due=date(2026, 6, 1)
        ),
        at(1),
    ),
    (AgreementReinstated(agreement_id="agr", operator_org_id="op"), at(2)),
    (AgreementRenewed(agreement_id="agr", operator_org_id="op", ends_on=date(2031, 12, 31)), at(3)),
]


def fold_agreement(events: Sequence[tuple[object, datetime]]) -> AgreementRecord | None:
    record: AgreementRecord | None = None
    for event, when in events:
        record = apply_agreement(record, event, when)  # type: ignore[arg-type]
    return record


@given(st.permutations(AGREEMENT_HISTORY))
def test_REQ_4_an_agreement_converges_in_any_order(order: list[tuple[object, datetime]]) -> None:
    record = fold_agreement(order)
    assert record == fold_agreement(AGREEMENT_HISTORY)
    assert record is not None and record.is_active(TODAY) and record.ends_on == date(2031, 12, 31)


@given(
    st.permutations(
        [
            *AGREEMENT_HISTORY,
            (AgreementTerminated(agreement_id="agr", operator_org_id="op", reason="x"), at(4)),
        ]
    )
)
def test_REQ_4_a_terminated_agreement_stays_ended(order: list[tuple[object, datetime]]) -> None:
    record = fold_agreement(order)
    assert record is not None and record.ended == "terminated" and not record.is_active(TODAY)


def test_REQ_4_suspension_after_reinstatement_suspends_again() -> None:
    record = fold_agreement([*AGREEMENT_HISTORY, (AGREEMENT_HISTORY[1][0], at(5))])
    assert record is not None and record.standing(TODAY) == "suspended"


def test_REQ_4_an_agreement_is_active_only_within_its_term() -> None:
    record = agreement_factory(starts_on=date(2026, 6, 1), ends_on=date(2026, 12, 31))
    assert record.standing(TODAY) == "not_started" and not record.is_active(TODAY)
    assert record.standing(date(2027, 1, 1)) == "expired"
    assert record.is_active(date(2026, 12, 31))
    assert AgreementRecord(agreement_id="x").standing(TODAY) == "unsigned"


@given(st.permutations([("admit", at(0)), ("remove", at(1)), ("admit", at(2))]))
def test_REQ_4_the_later_of_admission_and_removal_decides(
    order: list[tuple[str, datetime]],
) -> None:
    record: DeveloperRecord | None = None
    for kind, when in order:
        event = (
            DeveloperAdmitted(
                developer_org_id="d", operator_org_id="op", development_agreement_id="x"
            )
            if kind == "admit"
            else DeveloperRemoved(developer_org_id="d", operator_org_id="op", reason="r")
        )
        record = apply_developer(record, event, when)
    assert record is not None and record.in_good_standing


def test_REQ_4_a_removed_developer_is_not_in_good_standing() -> None:
    admitted = apply_developer(
        None,
        DeveloperAdmitted(developer_org_id="d", operator_org_id="op", development_agreement_id="x"),
        at(0),
    )
    removed = apply_developer(
        admitted, DeveloperRemoved(developer_org_id="d", operator_org_id="op", reason="r"), at(1)
    )
    assert admitted.in_good_standing and not removed.in_good_standing


def _changed(withheld: list[str]) -> ResourceChanged:
    return ResourceChanged(
        resource_id="r",
        provider_org_id="p",
        name="n",
        description="",
        category="c",
        update_frequency="m",
        source_system="s",
        items=[],
        registration_code="R",
        evidence_hash="h",
        withheld_items=withheld,
    )


RESOURCE_HISTORY = [
    (
        ResourcePublished(
            resource_id="r",
            provider_org_id="p",
            registration_code="R",
            evidence_hash="h",
            items=["a", "b", "c"],
        ),
        at(0),
    ),
    (_changed(["b"]), at(1)),
    (
        ResourceNegativeListed(resource_id="r", provider_org_id="p", reason="x", item_name="c"),
        at(2),
    ),
]


@given(st.permutations(RESOURCE_HISTORY))
def test_CAT_2_withheld_items_stay_withheld_in_any_order(
    order: list[tuple[object, datetime]],
) -> None:
    record: ResourceRecord | None = None
    for event, when in order:
        record = apply_resource(record, event, when)  # type: ignore[arg-type]
    assert record is not None and record.in_operation_catalog
    assert [i for i in ("a", "b", "c") if record.grantable(i)] == ["a"]


def test_CAT_2_withdrawal_and_negative_listing_take_a_resource_out_for_good() -> None:
    published = apply_resource(None, RESOURCE_HISTORY[0][0], at(0))  # type: ignore[arg-type]
    gone = apply_resource(
        published,
        ResourceWithdrawn(resource_id="r", provider_org_id="p", registration_code="X", reason="x"),
        at(1),
    )
    listed = apply_resource(
        published, ResourceNegativeListed(resource_id="r", provider_org_id="p", reason="x"), at(1)
    )
    assert published.in_operation_catalog
    assert not gone.in_operation_catalog and not listed.in_operation_catalog
    again = apply_resource(gone, RESOURCE_HISTORY[0][0], at(3))  # type: ignore[arg-type]
    assert not again.in_operation_catalog


def test_REQ_3_a_domain_authorization_governs_its_domain() -> None:
    whole = agreement_factory(agreement_id="w")
    health = agreement_factory(
        agreement_id="h", mode="domain", domain="医疗", industry_authority_org_id="org-h"
    )
    found = governing_agreement(
        [whole, health], operator_org_id="org-op", domain="医疗", today=TODAY
    )
    assert found is not None and found.agreement_id == "h"
    other = governing_agreement(
        [whole, health], operator_org_id="org-op", domain="金融", today=TODAY
    )
    assert other is not None and other.agreement_id == "w"
    assert governing_agreement([whole], operator_org_id="org-x", domain="金融", today=TODAY) is None
    ended = agreement_factory(agreement_id="old", ended="expired", signed_at=T0 + timedelta(days=1))
    found = governing_agreement(
        [ended, whole], operator_org_id="org-op", domain="金融", today=TODAY
    )
    assert found is not None and found.agreement_id == "w"


def test_REQ_6_a_sandbox_id_names_its_grant() -> None:
    assert grant_of_sandbox("sbx-pro-1234-abcd") == "1234-abcd"
    assert grant_of_sandbox("sbx-dev-g1") == "g1"
    assert grant_of_sandbox("other-pro-g1") == "" and grant_of_sandbox("sbx-pro") == ""


def test_FED_2_a_resource_keeps_the_region_of_origin_its_first_event_names() -> None:
    """回流: the province's resource is recorded with the province's region, and a later
    event (of any region) does not rewrite it; a grant's scope takes it from here."""
    first = apply_resource(None, RESOURCE_HISTORY[0][0], at(0), "370000")  # type: ignore[arg-type]
    assert first.origin_region == "370000"
    later = apply_resource(first, RESOURCE_HISTORY[1][0], at(1), "370300")  # type: ignore[arg-type]
    assert later.origin_region == "370000"
    assert apply_resource(None, RESOURCE_HISTORY[0][0], at(0)).origin_region == ""  # type: ignore[arg-type]
