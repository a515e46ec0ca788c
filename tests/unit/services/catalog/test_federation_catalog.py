"""The federated catalog's domain (FED-1, FED-2): which regions may enter it, and how
another region's resource events fold into one entry, idempotently and traceably."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts.envelope import SYSTEM_ACTOR, Envelope, new_envelope
from contracts.errors import DomainError
from contracts.events import (
    DataItem,
    ResourceNegativeListed,
    ResourcePublished,
    ResourceRegistered,
    ResourceWithdrawn,
)
from services.catalog.domain.federation import FederatedResource, decide_relation, evolve

CITY, COUNTY, PROVINCE = "370300", "370303", "370000"
T0 = datetime(2026, 3, 1, 8, tzinfo=UTC)


def _registered(region: str = CITY, at: datetime = T0) -> Envelope:
    return new_envelope(
        ResourceRegistered(
            resource_id="r-1",
            provider_org_id=f"org-{region}-tax",
            name="企业纳税信息",
            description="全市企业月度纳税汇总",
            category="tax",
            update_frequency="monthly",
            source_system="金税三期",
            items=[DataItem(name="credit_code", type="string", grade=2)],
            registration_code=f"{region}R0001",
            evidence_hash="0" * 64,
        ),
        region=region,
        actor=SYSTEM_ACTOR,
        subject="r-1",
        occurred_at=at,
    )


def _published(at: datetime, items: list[str]) -> Envelope:
    return new_envelope(
        ResourcePublished(
            resource_id="r-1",
            provider_org_id="org-370300-tax",
            registration_code="370300R0001",
            evidence_hash="0" * 64,
            items=items,
        ),
        region=CITY,
        actor=SYSTEM_ACTOR,
        subject="r-1",
        occurred_at=at,
    )


def test_FED_1_a_county_takes_its_citys_resources_with_the_region_of_origin() -> None:
    assert decide_relation(COUNTY, CITY, (CITY, PROVINCE), ()) == "parent"
    registered = _registered()
    entry = evolve(None, registered, "parent")
    assert isinstance(entry, FederatedResource)
    assert entry.origin_region == CITY and entry.key == "370300:r-1"
    assert entry.source_event_id == str(registered.event_id)  # traceable to the city event
    assert entry.status == "registered" and entry.events_applied == 1
    published = evolve(entry, _published(T0 + timedelta(hours=1), ["credit_code"]), "parent")
    assert published is not None and published.status == "published"
    assert published.published_items == ("credit_code",)


def test_FED_1_a_redelivered_or_older_city_event_changes_nothing() -> None:
    registered = _registered()
    entry = evolve(None, registered, "parent")
    assert evolve(entry, registered, "parent") is entry  # same event id: idempotent
    later = evolve(entry, _published(T0 + timedelta(hours=2), ["credit_code"]), "parent")
    stale = _registered(at=T0 - timedelta(days=1))
    assert evolve(later, stale, "parent") is later  # older than the one applied last


def test_FED_1_an_event_about_an_unseen_resource_without_its_description_creates_nothing() -> None:
    assert evolve(None, _published(T0, ["credit_code"]), "parent") is None


def test_FED_1_withdrawal_and_the_negative_list_take_items_out() -> None:
    entry = evolve(None, _registered(), "parent")
    entry = evolve(entry, _published(T0 + timedelta(hours=1), ["credit_code", "tax"]), "parent")
    one_item = new_envelope(
        ResourceNegativeListed(
            resource_id="r-1", provider_org_id="org-370300-tax", reason="CAT-2", item_name="tax"
        ),
        region=CITY,
        actor=SYSTEM_ACTOR,
        subject="r-1",
        occurred_at=T0 + timedelta(hours=2),
    )
    entry = evolve(entry, one_item, "parent")
    assert entry is not None and entry.published_items == ("credit_code",)
    withdrawn = new_envelope(
        ResourceWithdrawn(
            resource_id="r-1",
            provider_org_id="org-370300-tax",
            registration_code="370300R0001",
            reason="cancelled",
        ),
        region=CITY,
        actor=SYSTEM_ACTOR,
        subject="r-1",
        occurred_at=T0 + timedelta(hours=3),
    )
    gone = evolve(entry, withdrawn, "parent")
    assert gone is not None and gone.status == "withdrawn" and gone.published_items == ()
    assert gone.events_applied == 4


def test_FED_2_upward_and_flow_back_record_where_the_resource_comes_from() -> None:
    # the province reads its city's upward stream …
    assert decide_relation(PROVINCE, CITY, (), (CITY,)) == "child"
    upward = evolve(None, _registered(CITY), "child")
    assert upward is not None and upward.relation == "child" and upward.origin_region == CITY
    # … and the city receives the province's resources flowing back (回流)
    assert decide_relation(CITY, PROVINCE, (PROVINCE,), ()) == "parent"
    back = evolve(None, _registered(PROVINCE), "parent")
    assert back is not None and back.origin_region == PROVINCE
    assert back.registration_code.startswith(PROVINCE)


def test_FED_2_a_region_off_the_chain_or_the_platforms_own_is_refused() -> None:
    with pytest.raises(DomainError) as foreign:
        decide_relation(CITY, "370100", (PROVINCE,), (COUNTY,))
    assert foreign.value.rule == "FED-2" and foreign.value.field == "region"
    with pytest.raises(DomainError) as own:
        decide_relation(CITY, CITY, (PROVINCE,), ())
    assert own.value.rule == "FED-1"
