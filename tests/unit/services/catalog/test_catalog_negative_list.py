"""The negative list (负面清单, CAT-2): listing, immediate withdrawal from the operation
catalog, and ``grantable_items`` for request-review. Pure, no I/O."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import Conflict, DomainError, IllegalTransition
from contracts.events import (
    DataItem,
    ResourceChanged,
    ResourceNegativeListed,
    ResourceRegistered,
    ResourceWithdrawn,
)
from services.catalog.domain import negative_list, operation_catalog
from services.catalog.domain.lifecycle import State
from services.catalog.domain.listing import Listing, NegativeList, grantable_items
from services.catalog.domain.resource import Resource
from tests.unit.services.catalog.factories import PROVIDER, resource_factory

BUREAU = "org-370300-bureau"


def published() -> Resource:
    proposed, _ = operation_catalog.propose(resource_factory(), actor_org_id=PROVIDER)
    return operation_catalog.publish(proposed)[0]


def test_CAT_2_listing_a_published_resource_withdraws_it_at_once() -> None:
    listed, events = negative_list.add(
        published(), reason="涉及国家秘密", actor_org_id=BUREAU, at="2026-03-02"
    )
    assert listed.status == State.NEGATIVE_LISTED
    assert [type(e) for e in events] == [ResourceNegativeListed, ResourceWithdrawn]
    withdrawn = events[1]
    assert isinstance(withdrawn, ResourceWithdrawn)
    assert withdrawn.cause == "negative_list" and withdrawn.reason == "涉及国家秘密"
    assert listed.grantable_items == ()
    assert listed.negative_entries == (
        Listing(
            resource_id=listed.resource_id,
            reason="涉及国家秘密",
            listed_at="2026-03-02",
            listed_by_org_id=BUREAU,
        ),
    )


def test_CAT_2_listing_one_item_of_a_published_resource_changes_what_the_catalog_offers() -> None:
    before = published()
    listed, events = negative_list.add(
        before, reason="个人敏感信息", item_name="legal_rep_id", actor_org_id=BUREAU, at=""
    )
    assert listed.status == State.PUBLISHED
    negative, changed = events
    assert isinstance(negative, ResourceNegativeListed) and negative.item_name == "legal_rep_id"
    assert isinstance(changed, ResourceChanged)
    assert changed.withheld_items == ["legal_rep_id"]
    # Not a change registration: the registered metadata, code and hash stay.
    assert changed.registration_code == before.registration_code
    assert changed.evidence_hash == before.evidence_hash
    assert [i.name for i in changed.items] == ["credit_code", "tax_paid", "legal_rep_id"]
    assert listed.grantable_items == ("credit_code", "tax_paid")


def test_CAT_2_listing_a_resource_outside_the_operation_catalog_emits_only_the_listing() -> None:
    listed, events = negative_list.add(
        resource_factory(), reason="禁止开放", actor_org_id=BUREAU, at=""
    )
    assert [type(e) for e in events] == [ResourceNegativeListed]
    assert listed.status == State.NEGATIVE_LISTED


def test_CAT_2_a_listing_states_its_reason_and_names_an_existing_item() -> None:
    with pytest.raises(DomainError) as caught:
        negative_list.add(resource_factory(), reason=" ", actor_org_id=BUREAU, at="")
    assert (caught.value.rule, caught.value.field) == ("CAT-2", "reason")
    with pytest.raises(DomainError) as caught:
        negative_list.add(
            resource_factory(), reason="x", item_name="nope", actor_org_id=BUREAU, at=""
        )
    assert (caught.value.rule, caught.value.field) == ("CAT-2", "item_name")


def test_CAT_2_listing_twice_is_a_conflict() -> None:
    once, _ = negative_list.add(
        resource_factory(), reason="x", item_name="tax_paid", actor_org_id=BUREAU, at=""
    )
    with pytest.raises(Conflict):
        negative_list.add(once, reason="y", item_name="tax_paid", actor_org_id=BUREAU, at="")
    whole, _ = negative_list.add(once, reason="z", actor_org_id=BUREAU, at="")
    with pytest.raises(Conflict):
        negative_list.add(whole, reason="z", actor_org_id=BUREAU, at="")
    with pytest.raises(Conflict):
        negative_list.add(whole, reason="z", item_name="credit_code", actor_org_id=BUREAU, at="")


def test_CAT_2_a_cancelled_resource_cannot_be_listed() -> None:
    with pytest.raises(IllegalTransition) as caught:
        negative_list.add(
            resource_factory(status=State.CANCELLED.value), reason="x", actor_org_id=BUREAU, at=""
        )
    assert caught.value.rule == "CAT-2"


def registered_event(resource_id: str, names: list[str]) -> ResourceRegistered:
    return ResourceRegistered(
        resource_id=resource_id,
        provider_org_id=PROVIDER,
        name="n",
        description="",
        category="tax",
        update_frequency="daily",
        source_system="s",
        items=[DataItem(name=n, type="string", grade=1) for n in names],
        registration_code="c",
        evidence_hash="h",
    )


@given(
    names=st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=8, unique=True),
    data=st.data(),
)
def test_CAT_2_grantable_items_never_include_a_listed_item_or_a_listed_resource(
    names: list[str], data: st.DataObject
) -> None:
    """``grantable_items`` works on another service's copy (an event payload) too."""
    withheld = data.draw(st.sets(st.sampled_from(names)))
    whole = data.draw(st.booleans())
    entries = [Listing(resource_id="r-1", reason="x", item_name=n) for n in withheld]
    if whole:
        entries.append(Listing(resource_id="r-1", reason="x"))
    entries.append(Listing(resource_id="r-other", reason="x"))
    listed = NegativeList(entries)
    granted = grantable_items(registered_event("r-1", names), listed)
    if whole:
        assert granted == ()
    else:
        assert granted == tuple(n for n in names if n not in withheld)
    assert grantable_items(registered_event("r-2", names), listed) == tuple(names)


def test_CAT_2_the_list_only_grows() -> None:
    empty = NegativeList()
    one = empty.adding(Listing(resource_id="r-1", reason="x"))
    assert len(empty) == 0 and not empty.bars("r-1")
    assert len(one) == 1 and one.bars("r-1")
    assert list(one) == [Listing(resource_id="r-1", reason="x")]
