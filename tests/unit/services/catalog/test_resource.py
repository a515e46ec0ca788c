"""Catalog domain: declaring a resource (CAT-1) and its registration acts — first, change
and cancellation (CAT-4). Pure, no I/O."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.canonical import sha256_hex
from contracts.errors import DomainError, Forbidden, IllegalTransition
from contracts.events import ResourceChanged, ResourceWithdrawn
from services.catalog.domain.lifecycle import State
from services.catalog.domain.registration import (
    ALPHABET,
    CANCELLATION,
    CHANGE,
    FIRST,
    RegistrationAct,
    check_character,
    is_valid_code,
    registration_code,
)
from services.catalog.domain.resource import (
    ItemDeclaration,
    RegisterResource,
    Resource,
    cancel,
    cancellation_metadata,
    change,
    register,
    registered_metadata,
)


def declaration(**overrides: object) -> RegisterResource:
    base = RegisterResource(
        provider_org_id="org-370300-tax",
        name="企业纳税信息",
        description="月度纳税汇总",
        category="tax",
        update_frequency="monthly",
        source_system="金税三期",
        items=(
            ItemDeclaration("credit_code", "string", 2),
            ItemDeclaration("tax_paid", "integer", 3),
        ),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_CAT_1_a_complete_declaration_registers_with_its_items_and_grades() -> None:
    resource, event = register(declaration(), resource_id="r-1", region="370300", sequence=7)
    assert resource.items == declaration().items
    assert [(i.name, i.grade) for i in event.items] == [("credit_code", 2), ("tax_paid", 3)]
    assert event.provider_org_id == "org-370300-tax"
    assert resource.status == "registered"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "  "}, "name"),
        ({"category": "astrology"}, "category"),
        ({"update_frequency": "sometimes"}, "update_frequency"),
        ({"source_system": ""}, "source_system"),
        ({"items": ()}, "items"),
        ({"items": (ItemDeclaration("a", "string", 5),)}, "items[0].grade"),
        ({"items": (ItemDeclaration("a", "string", 0),)}, "items[0].grade"),
    ],
)
def test_CAT_1_an_incomplete_declaration_is_refused_naming_the_field(
    overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(DomainError) as caught:
        register(declaration(**overrides), resource_id="r-1", region="370300", sequence=1)
    assert caught.value.rule == "CAT-1"
    assert caught.value.field == field


def test_CAT_1_each_data_item_has_one_authoritative_definition() -> None:
    twice = (
        ItemDeclaration("credit_code", "string", 2),
        ItemDeclaration("credit_code", "string", 1),
    )
    with pytest.raises(DomainError, match="declared twice") as caught:
        register(declaration(items=twice), resource_id="r-1", region="370300", sequence=1)
    assert caught.value.field == "items[1].name"


def test_CAT_4_registration_yields_a_code_with_region_type_sequence_and_check_character() -> None:
    resource, event = register(declaration(), resource_id="r-1", region="370300", sequence=42)
    assert resource.registration_code.startswith("370300R0000000042")
    assert len(resource.registration_code) == 18
    assert is_valid_code(resource.registration_code)
    assert event.registration_code == resource.registration_code


def test_CAT_4_the_evidence_hash_covers_the_canonical_metadata() -> None:
    resource, event = register(declaration(), resource_id="r-1", region="370300", sequence=1)
    expected = sha256_hex(registered_metadata("r-1", "370300", declaration()))
    assert resource.evidence_hash == event.evidence_hash == expected
    changed, _ = register(
        declaration(description="改动"), resource_id="r-1", region="370300", sequence=1
    )
    assert changed.evidence_hash != resource.evidence_hash


@given(
    st.integers(min_value=1, max_value=10**10 - 1), st.integers(0, 16), st.sampled_from(ALPHABET)
)
def test_CAT_4_any_single_character_typo_in_a_code_is_caught(
    sequence: int, position: int, replacement: str
) -> None:
    code = registration_code("370300", "resource", sequence)
    assert is_valid_code(code)
    if code[position] == replacement:
        return
    typo = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_code(typo)


def test_CAT_4_exactly_one_check_character_validates_a_code_body() -> None:
    body = "370300P0000000001"
    valid = [c for c in ALPHABET if is_valid_code(body + c)]
    assert valid == [check_character(body)]
    assert registration_code("370300", "product", 1) == body + valid[0]


def test_CAT_4_sequence_must_fit_ten_digits() -> None:
    with pytest.raises(ValueError):
        registration_code("370300", "resource", 0)
    with pytest.raises(ValueError):
        registration_code("370300", "resource", 10**10)


def test_CAT_1_a_resource_grade_is_the_highest_of_its_items() -> None:
    resource, _ = register(declaration(), resource_id="r-1", region="370300", sequence=1)
    assert resource.grade == 3


def test_CAT_1_a_data_item_needs_a_name_and_a_type() -> None:
    for item, field in (
        (ItemDeclaration(" ", "string", 1), "items[0].name"),
        (ItemDeclaration("a", "", 1), "items[0].type"),
    ):
        with pytest.raises(DomainError) as caught:
            register(declaration(items=(item,)), resource_id="r", region="370300", sequence=1)
        assert (caught.value.rule, caught.value.field) == ("CAT-1", field)


def _registered() -> Resource:
    resource, _ = register(
        declaration(), resource_id="r-1", region="370300", sequence=1, at="2026-03-01"
    )
    return resource


def test_CAT_4_first_registration_opens_the_registration_history() -> None:
    resource = _registered()
    assert resource.registrations == (
        RegistrationAct(FIRST, resource.registration_code, resource.evidence_hash, "2026-03-01"),
    )


def test_CAT_4_change_registration_yields_a_new_code_and_hash_and_emits_changed() -> None:
    before = _registered()
    after, events = change(
        before,
        declaration(description="按月更新的企业纳税汇总"),
        actor_org_id="org-370300-tax",
        sequence=2,
        at="2026-03-05",
    )
    (event,) = events
    assert isinstance(event, ResourceChanged)
    assert after.registration_code == registration_code("370300", "resource", 2)
    assert after.registration_code != before.registration_code
    assert after.evidence_hash == sha256_hex(
        registered_metadata("r-1", "370300", declaration(description="按月更新的企业纳税汇总"))
    )
    assert (event.registration_code, event.evidence_hash) == (
        after.registration_code,
        after.evidence_hash,
    )
    assert [a.kind for a in after.registrations] == [FIRST, CHANGE]
    assert after.first_registration_code == before.registration_code


def test_CAT_4_declaring_what_is_registered_changes_nothing() -> None:
    before = _registered()
    after, events = change(
        before, declaration(), actor_org_id="org-370300-tax", sequence=2, at="2026-03-05"
    )
    assert (after, events) == (before, [])


def test_CAT_4_change_registration_validates_the_new_declaration() -> None:
    with pytest.raises(DomainError) as caught:
        change(
            _registered(),
            declaration(category="astrology"),
            actor_org_id="org-370300-tax",
            sequence=2,
            at="",
        )
    assert (caught.value.rule, caught.value.field) == ("CAT-1", "category")


def test_CAT_4_only_the_provider_changes_or_cancels_its_registration() -> None:
    with pytest.raises(Forbidden) as caught:
        change(_registered(), declaration(name="x"), actor_org_id="org-x", sequence=2, at="")
    assert caught.value.rule == "CAT-4"
    with pytest.raises(Forbidden):
        cancel(_registered(), actor_org_id="org-x", reason="停止采集", sequence=2, at="")


def test_CAT_4_cancellation_yields_its_own_code_and_hash_and_ends_the_entry() -> None:
    before = _registered()
    after, events = cancel(
        before, actor_org_id="org-370300-tax", reason="系统下线", sequence=3, at="2026-04-01"
    )
    (event,) = events
    assert isinstance(event, ResourceWithdrawn)
    assert event.cause == "cancellation" and event.reason == "系统下线"
    assert after.status == State.CANCELLED
    assert (
        event.registration_code
        == after.registration_code
        == registration_code("370300", "resource", 3)
    )
    assert after.evidence_hash == sha256_hex(cancellation_metadata(before, "系统下线"))
    assert after.evidence_hash != before.evidence_hash
    assert [a.kind for a in after.registrations] == [FIRST, CANCELLATION]
    with pytest.raises(IllegalTransition) as caught:
        change(after, declaration(name="x"), actor_org_id="org-370300-tax", sequence=4, at="")
    assert caught.value.rule == "CAT-4"
    with pytest.raises(IllegalTransition):
        cancel(after, actor_org_id="org-370300-tax", reason="again", sequence=5, at="")


def test_CAT_4_a_cancellation_states_its_reason() -> None:
    with pytest.raises(DomainError) as caught:
        cancel(_registered(), actor_org_id="org-370300-tax", reason="", sequence=2, at="")
    assert (caught.value.rule, caught.value.field) == ("CAT-4", "reason")
