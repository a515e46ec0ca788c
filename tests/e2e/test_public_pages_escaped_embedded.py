"""Every public HTML page escapes by default (DIS-1, DIS-2): a resource, organization,
scenario and product whose names carry markup show as text on every page route the
disclosure service, the rule pages and the front door serve — walked from the routes
themselves, so a page added later is walked too."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from contracts.events import OrgRegistered, ResourceRegistered, ScenarioFiled
from contracts.rules import catalogue
from libs.clock import FixedClock
from tests.support.disclosure_annual import (
    Happened,
    annual_gateway,
    annual_platform,
    city_year,
    publish,
)
from tests.support.platform import eventually

HOSTILE = "<script>alert(1)</script>\"'><img src=x onerror=1>"
AS_TEXT = "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&gt;&lt;img src=x onerror=1&gt;"


def hostile_year() -> list[Happened]:
    """The city's year with markup in the product's, a resource's, an organization's and
    the scenario's name."""
    named = (OrgRegistered, ResourceRegistered, ScenarioFiled)
    return [
        dataclasses.replace(
            e, payload=msgspec.structs.replace(e.payload, name=e.payload.name + HOSTILE)
        )
        if isinstance(e.payload, named)
        else e
        for e in city_year(product_name=HOSTILE)
    ]


def html_paths(app: Litestar) -> set[str]:
    """Every GET route of the disclosure app that answers HTML (the pages and the annual
    report, which answers HTML as ``<year>.html``), but the OpenAPI viewers (Swagger UI)."""
    found = set()
    for route in app.routes:
        if route.path.startswith("/schema"):
            continue
        for handler in getattr(route, "route_handlers", ()):
            if "GET" in (handler.http_methods or ()) and (
                handler.media_type == "text/html" or "annual-reports" in route.path
            ):
                found.add(route.path)
    return found


def concrete(path: str) -> str:
    rule_id = catalogue().rules[0].id
    return (
        path.replace("{year:int}", "2026")
        .replace("{year:str}", "2026.html")
        .replace("{rule_id:str}", rule_id)
    )


async def test_DIS_1_every_public_page_shows_markup_in_data_as_text(tmp_path: Path) -> None:
    p = annual_platform(tmp_path, FixedClock(datetime(2027, 2, 1, 2, tzinfo=UTC)))
    disclosure = p.apps()["disclosure"]
    pages = {"/disclosure" + concrete(path) for path in html_paths(disclosure)}
    assert {
        "/disclosure/pages",
        "/disclosure/pages/products",
        "/disclosure/pages/authorizations",
        "/disclosure/pages/annual-report/2026",
        "/disclosure/annual-reports/2026.html",
    } <= pages
    everything = sorted(pages | {"/", "/rules", concrete("/rules/{rule_id:str}")})
    async with AsyncTestClient(app=annual_gateway(p)) as client:
        for event in hostile_year():
            await publish(p, event)

        async def filled() -> dict[str, Any] | None:
            body: dict[str, Any] = (await client.get("/disclosure/annual-reports/2026")).json()
            return body if any(o["prices"] for o in body["operators"]) else None

        await eventually(filled)
        shown_as_text = set()
        for path in everything:
            response = await client.get(path)
            assert response.status_code == 200, (path, response.text)
            assert response.headers["content-type"].startswith("text/html"), path
            page = response.text.lower()
            assert "<script" not in page and "<img" not in page, path
            if AS_TEXT.lower() in page:
                shown_as_text.add(path)
    assert shown_as_text >= {
        "/disclosure/pages/products",
        "/disclosure/pages/authorizations",
        "/disclosure/pages/annual-report/2026",
        "/disclosure/annual-reports/2026.html",
    }
