"""The negative list (CAT-2) and the federated listing (FED-1, FED-2) page in the store —
SQLite and MongoDB/FerretDB alike:
the window goes to the store's ``find`` as skip/limit and the total is its ``count``, never
a slice of every document read into memory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from libs.service import ServiceContext
from services.catalog.commands import federation
from services.catalog.commands.resources import keep_negative_list, negative_list_page
from services.catalog.domain import negative_list
from services.catalog.domain.federation import FederatedResource
from services.catalog.repository import NEGATIVE_LIST, RESOURCES, to_doc
from tests.support.stores import ADAPTERS, Windowed, windowed_store
from tests.unit.services.catalog.factories import resource_factory

BUREAU = "org-370300-bureau"


@pytest.fixture(params=ADAPTERS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Windowed]:
    async for each in windowed_store(request, tmp_path):
        yield each


def context(store: Windowed) -> ServiceContext:
    return cast(ServiceContext, SimpleNamespace(store=store))


async def five_entries(store: Windowed) -> None:
    """Three negative-listed resources (the second with two entries), one clean, stored as
    resources only: their entries reach the paged collection by ``keep_negative_list``."""
    for sequence in (3, 1, 2, 4):
        resource = resource_factory(sequence=sequence)
        if sequence != 4:
            resource, _ = negative_list.add(
                resource, reason=f"理由{sequence}", item_name="tax_paid", actor_org_id=BUREAU, at=""
            )
        if sequence == 2:
            resource, _ = negative_list.add(resource, reason="整体", actor_org_id=BUREAU, at="")
        if sequence == 3:
            resource, _ = negative_list.add(resource, reason="整体3", actor_org_id=BUREAU, at="")
        await store.insert(RESOURCES, to_doc(resource))


async def test_CAT_2_the_negative_list_pages_in_the_store_in_registration_order(
    store: Windowed,
) -> None:
    ctx = context(store)
    await five_entries(store)
    await keep_negative_list(ctx)
    await keep_negative_list(ctx)  # idempotent: present entries are skipped
    assert await store.count(NEGATIVE_LIST) == 5

    store.windows.clear()
    page, total = await negative_list_page(ctx, skip=1, limit=3)
    assert total == 5
    assert (NEGATIVE_LIST, 1, 3) in store.windows
    assert [(r.resource_id, e.reason) for r, e in page] == [
        ("r-2", "理由2"),
        ("r-2", "整体"),
        ("r-3", "理由3"),
    ]
    last, _ = await negative_list_page(ctx, skip=4, limit=3)
    assert [(r.resource_id, e.reason) for r, e in last] == [("r-3", "整体3")]


def federated(region: str, n: int) -> FederatedResource:
    return FederatedResource(
        origin_region=region,
        resource_id=f"r-{n}",
        relation="child",
        provider_org_id=f"org-{region}-tax",
        name=f"{region} 资源 {n}",
        description="",
        category="tax",
        registration_code=f"{region}R{n:010d}",
        status="published",
        published_items=("credit_code",),
        source_event_id=f"e-{region}-{n}",
        source_occurred_at=None,
        events_applied=1,
    )


async def test_FED_1_the_federated_listing_pages_in_the_store(store: Windowed) -> None:
    ctx = context(store)
    for region, count in (("370302", 3), ("370303", 2)):
        for n in range(count):
            await store.insert(
                federation.FEDERATED_RESOURCES, federation.to_doc(federated(region, n))
            )
    store.windows.clear()
    entries, total = await federation.listing(ctx, "370302", skip=1, limit=1)
    assert total == 3
    assert [e.resource_id for e in entries] == ["r-1"]
    assert (federation.FEDERATED_RESOURCES, 1, 1) in store.windows
    everything, total = await federation.listing(ctx, skip=0, limit=50)
    assert total == 5 and len(everything) == 5
