"""The negative list (负面清单, CAT-2): the resources and data items the bureau keeps out of
authorized operation, and the bureau's form to list one more with its reason."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from services.console.refusals import Refusal
from services.console.session import Session
from services.console.web import Form, Platform, decide_on_page, page

API = "/catalog/negative-list/"


async def _list_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    refused: Refusal | None = None,
) -> Template:
    items, listing_refused = await platform.items(API + "?limit=200")
    return page(
        "negative_list/list.html",
        who,
        status=status,
        items=items,
        form=form or {},
        refused=refused or listing_refused,
    )


@get("/negative-list")
async def negative_list(
    who: NamedDependency[Session], platform: NamedDependency[Platform]
) -> Template:
    return await _list_page(who, platform)


@post("/negative-list", status_code=303)
async def add_to_negative_list(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Response[Any] | Template:
    """CAT-2: a whole resource, or one of its data items when the item is named."""
    body: dict[str, Any] = {
        "resource_id": data.get("resource_id", "").strip(),
        "reason": data.get("reason", ""),
    }
    if data.get("item_name", "").strip():
        body["item_name"] = data["item_name"].strip()
    return await decide_on_page(
        platform,
        "POST",
        API,
        body,
        done="/negative-list",
        rerender=partial(_list_page, who, platform),
        form=data,
    )


ROUTES = [negative_list, add_to_negative_list]
