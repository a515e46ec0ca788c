"""Apply for a scenario (数据使用申请), item by item with justifications (逐项申请并说明
理由): the developer picks one filed scenario (REQ-1: one application per scenario) and the
resources it needs, then ticks each data item it asks for and says why it needs that item
(REQ-2: minimum necessary, every item justified). The console only assembles the form:
request_review decides and its refusal is shown next to the field it names."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from services.console.refusals import Refusal, refusal
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page

ITEM = "item::"
WHY = "why::"
"""Form fields per data item: ``item::<resource_id>::<item>`` ticked, ``why::…`` its reason."""


async def _context(platform: NamedDependency[Platform], chosen: list[str]) -> dict[str, Any]:
    (scenarios, refused), (catalog, _), *picked = await asyncio.gather(
        platform.items("/request_review/scenarios"),
        platform.items("/catalog/resources/?limit=200"),
        *(platform.get(f"/catalog/resources/{quote(r)}") for r in chosen),
    )
    resources = [a.body for a in picked if a.ok]
    return {
        "scenarios": [s for s in scenarios if s.get("status", "filed") != "retired"],
        "catalog": [r for r in catalog if r.get("status") == "published"],
        "resources": resources,
        "chosen": chosen,
        "listing_refused": refused,
    }


@get("/developer/apply")
async def application_form(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    scenario_id: FromQuery[str] = "",
    resource_id: FromQuery[list[str] | None] = None,
) -> Template:
    chosen = list(dict.fromkeys(resource_id or []))
    context = await _context(platform, chosen)
    form = {"scenario_id": scenario_id}
    return page(
        "scenario_application/form.html", who, form=form, refused=None, ticked=set(), **context
    )


def _requested(data: dict[str, str]) -> list[dict[str, Any]]:
    """The ticked items, grouped by resource in the order the form listed them."""
    by_resource: dict[str, list[dict[str, str]]] = {}
    for key, value in data.items():
        if key.startswith(ITEM) and value:
            resource_id, name = key.removeprefix(ITEM).split("::", 1)
            why = data.get(f"{WHY}{resource_id}::{name}", "").strip()
            by_resource.setdefault(resource_id, []).append({"name": name, "justification": why})
    return [{"resource_id": r, "items": items} for r, items in by_resource.items()]


@post("/developer/apply", status_code=303)
async def apply(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Response[Any] | Template:
    body: dict[str, Any] = {
        "scenario_id": data.get("scenario_id", ""),
        "purpose": data.get("purpose", "").strip(),
        "resources": _requested(data),
    }
    answer = await platform.post("/request_review/applications", body)
    if answer.ok:
        application_id = str(answer.body["application_id"])
        return Redirect(f"{BASE}/applications/{quote(application_id)}", status_code=303)
    told: Refusal = refusal(answer.status, answer.body)
    chosen = [r for r in data.get("chosen", "").split(",") if r]
    context = await _context(platform, chosen)
    ticked = {k.removeprefix(ITEM) for k, v in data.items() if k.startswith(ITEM) and v}
    return page(
        "scenario_application/form.html",
        who,
        status=answer.status,
        form=data,
        refused=told,
        ticked=ticked,
        **context,
    )


ROUTES = [application_form, apply]
