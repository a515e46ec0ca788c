"""What a product touches and the permissions on file (TRD-3) through HTTP and events:
declared in the circulation certificate's governance section (EXP-3), raised to the
floor its grant shows, carried on ``product.released``; and the public product and
service list (EXP-5), paged within bounds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.events import ProductReleased
from libs.runtime import Platform
from tests.support.platform import platform, token
from tests.support.product_release import (
    BUREAU,
    DEVELOPER,
    OPERATOR,
    approved_export,
    certificate_body,
    published,
    released_product,
    service_client,
    stored,
)

Client = AsyncTestClient[Any]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = platform(tmp_path, services=("product_release",))
    async with service_client(p) as client:
        yield p, client


async def test_TRD_3_EXP_3_the_certificate_and_product_released_carry_touches_and_permissions(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev, op, bureau = [await token(p, w) for w in (DEVELOPER, OPERATOR, BUREAU)]
    export = await approved_export(p, client, "grant-touch")
    export_doc = await stored(p, "exports", export["export_id"])
    assert export_doc is not None
    assert {"name": "resident_id", "grade": 4, "resource_id": "res-2"} in export_doc["grant_items"]

    drafted = await client.post(
        "/products/",
        json={"export_id": export["export_id"], "name": "区县行业企业数", "kind": "dataset"},
        headers=dev,
    )
    assert drafted.status_code == 201, drafted.text
    product_id = drafted.json()["product_id"]

    beyond = certificate_body() | {"touches": [], "permissions": ["third_party_rights"]}
    refused = await client.post(f"/products/{product_id}/certificate", json=beyond, headers=dev)
    assert refused.status_code == 422, refused.text
    assert refused.json()["rule"] == "EXP-3"
    assert refused.json()["errors"][0]["field"] == "permissions"
    unknown = certificate_body() | {"touches": ["trade_secret"]}
    refused = await client.post(f"/products/{product_id}/certificate", json=unknown, headers=dev)
    assert refused.status_code == 422 and refused.json()["rule"] == "EXP-3"
    assert refused.json()["errors"][0]["field"] == "touches"

    declared = certificate_body() | {
        "touches": ["third_party_rights"],
        "permissions": ["third_party_rights"],
    }
    certified = await client.post(f"/products/{product_id}/certificate", json=declared, headers=dev)
    assert certified.status_code == 200, certified.text
    touches = ["third_party_rights", "personal_privacy"]  # the grant holds a grade-4 item
    assert certified.json()["touches"] == touches
    assert certified.json()["permissions"] == ["third_party_rights"]
    assert certified.json()["certificate"]["touches"] == touches

    filed = await client.post(
        f"/products/{product_id}/filing", json={"accept": True}, headers=bureau
    )
    assert filed.status_code == 200, filed.text
    released = await client.post(f"/products/{product_id}/release", headers=op)
    assert released.status_code == 200, released.text

    [envelope] = await published(p, "product.released")
    event = envelope.payload
    assert isinstance(event, ProductReleased) and event.product_id == product_id
    assert event.touches == touches
    assert event.permissions == ["third_party_rights"]


async def test_EXP_5_the_public_list_is_paged_within_bounds(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    first = await released_product(p, client, "grant-page-a")
    second = await released_product(p, client, "grant-page-b")
    codes = sorted([first["registration_code"], second["registration_code"]])

    page = await client.get("/products/list", params={"limit": 1})  # public: no token
    assert page.status_code == 200, page.text
    assert page.json()["total"] == 2 and page.json()["limit"] == 1
    [entry] = page.json()["items"]
    assert entry["registration_code"] == codes[0]
    assert set(entry) == {
        "product_id",
        "name",
        "kind",
        "developer_org_id",
        "version",
        "registration_code",
        "certificate_id",
        "released_on",
        "status",  # released, or authorization_ended (AUTH-7)
        "status_reason",
    }
    assert len(entry["released_on"]) == 10 and entry["released_on"][4] == "-"

    rest = await client.get("/products/list", params={"offset": 1, "limit": 1})
    assert [e["registration_code"] for e in rest.json()["items"]] == [codes[1]]
    assert (await client.get("/products/list", params={"offset": 2})).json()["items"] == []

    for params in ({"limit": 0}, {"limit": 201}, {"offset": -1}):
        bad = await client.get("/products/list", params=params)
        assert bad.status_code == 400, (params, bad.text)
        assert bad.json()["errors"][0]["field"] in params
