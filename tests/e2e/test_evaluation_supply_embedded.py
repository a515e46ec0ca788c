"""Provider supply evaluation (EVA-4) and contribution indicators per resource (EVA-6) in
embedded mode, from catalog, request-review, product and usage events on the bus; a
redelivered event changes no count."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support.evaluation import (
    BUREAU,
    DEVELOPER,
    MARKET,
    OPERATOR,
    SUPERVISOR,
    TAX,
    Desk,
    application,
    decided,
    desk,
    escalated,
    objection,
    product,
    published_resource,
    registered,
    resolved,
    usage,
)


@pytest.fixture
async def d(tmp_path: Path) -> AsyncIterator[Desk]:
    async with desk(tmp_path) as running:
        yield running


async def test_EVA_4_a_providers_supply_is_scored_from_catalog_quality_and_objections(
    d: Desk,
) -> None:
    await d.publish(registered("r-1"), subject="r-1")
    await d.publish(registered("r-2"), subject="r-2")
    await d.publish(registered("r-9", MARKET), subject="r-9")
    once = await d.publish(published_resource("r-1"), subject="r-1")
    for oid, rid in (("o-1", "r-1"), ("o-2", "r-1"), ("o-3", "r-2"), ("o-4", "r-2")):
        await d.publish(objection(oid, rid), subject=oid)
    await d.publish(resolved("o-1", "r-1"), subject="o-1")  # in time
    await d.publish(escalated("o-2", "r-1"), subject="o-2")  # never resolved
    await d.publish(escalated("o-3", "r-2"), subject="o-3")
    await d.publish(resolved("o-3", "r-2"), subject="o-3")  # resolved late
    await d.publish(published_resource("r-1"), subject="r-1", again=once)  # redelivery
    await d.settled()

    supply = await d.call("GET", f"/providers/{TAX.org_id}/supply", BUREAU)
    assert supply == {
        "provider_org_id": TAX.org_id,
        "year": None,
        "resources_registered": 2,
        "resources_published": 1,
        "objections_raised": 4,
        "objections_resolved_in_time": 1,
        "objections_resolved_late": 1,
        "objections_escalated": 2,
        "objections_open": 1,
        "publication_rate": "50.00",
        "objection_handling": "33.33",
        "score": "41.67",
    }
    assert (await d.call("GET", f"/providers/{TAX.org_id}/supply", TAX))["score"] == "41.67"
    this_year = await d.call("GET", f"/providers/{TAX.org_id}/supply?year=2026", SUPERVISOR)
    assert this_year["objections_raised"] == 4
    assert (await d.call("GET", f"/providers/{TAX.org_id}/supply?year=2025", BUREAU))[
        "objections_raised"
    ] == 0
    market = await d.call("GET", f"/providers/{MARKET.org_id}/supply", MARKET)
    assert market["resources_registered"] == 1 and market["objection_handling"] == "100.00"
    assert (await d.call("GET", f"/providers/{TAX.org_id}/supply", MARKET, expect=403))[
        "rule"
    ] == "EVA-4"
    await d.call("GET", f"/providers/{TAX.org_id}/supply", DEVELOPER, expect=403)


async def test_EVA_6_a_resource_contributes_through_grants_products_and_usage(d: Desk) -> None:
    await d.publish(registered("r-1"), subject="r-1")
    await d.publish(registered("r-2", MARKET), subject="r-2")
    await d.publish(application("a-1", "sc-1", "r-1", "r-2"), subject="a-1")
    await d.publish(decided("a-1", "sc-1"), subject="a-1")
    await d.publish(application("a-2", "sc-2", "r-1"), subject="a-2")
    await d.publish(decided("a-2", "sc-2", "rejected"), subject="a-2")
    await d.publish(product("p-1", "sc-1"), subject="p-1")
    await d.publish(product("p-2", "sc-2"), subject="p-2")
    metered = await d.publish(usage("u-1", 500, product_id="p-1"), subject="u-1")
    await d.publish(usage("u-2", 300, scenario_id="sc-1"), subject="u-2")
    await d.publish(usage("u-3", 900, product_id="p-2"), subject="u-3")
    await d.publish(usage("u-1", 500, product_id="p-1"), subject="u-1", again=metered)
    await d.settled()

    found = await d.call("GET", "/resources/r-1/contribution", BUREAU)
    assert found == {
        "resource_id": "r-1",
        "provider_org_id": TAX.org_id,
        "applications_approved": 1,
        "scenarios": 1,
        "products": 1,
        "usage_quantity": 800,
        "contribution_index": 10 + 20 + 8,
    }
    assert (await d.call("GET", "/resources/r-2/contribution", MARKET))["products"] == 1
    await d.call("GET", "/resources/r-1/contribution", MARKET, expect=403)
    await d.call("GET", "/resources/r-1/contribution", OPERATOR, expect=403)
    await d.call("GET", "/resources/r-404/contribution", BUREAU, expect=404)
