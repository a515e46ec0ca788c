"""Export requests (出域申请) for the bureau: the automated disclosure check report
(自动检查报告, EXP-2) shown cell by cell with the rules each failure names, and the human
decision (出域审核, EXP-1), always by a second person (EXP-6: whoever requested an export
never approves it — product_release refuses it, and the page shows the rule)."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from services.console.refusals import Refusal
from services.console.session import Session
from services.console.web import Form, Platform, decide_on_page, page, refused_by

API = "/product_release/exports"


@get("/export-reviews")
async def exports(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    in_state: Annotated[str, QueryParameter(name="state")] = "",
) -> Template:
    query = "?" + urlencode({"state": in_state, "limit": 100} if in_state else {"limit": 100})
    items, refused = await platform.items(f"{API}/{query}")
    return page("export_reviews/list.html", who, items=items, state=in_state, refused=refused)


async def _export_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    export_id: str,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    refused: Refusal | None = None,
) -> Template:
    path = f"{API}/{quote(export_id)}"
    answer, report = await asyncio.gather(platform.get(path), platform.get(path + "/report"))
    return page(
        "export_reviews/detail.html",
        who,
        status=status,
        export_id=export_id,
        export=answer.body if answer.ok else None,
        report=report.body if report.ok else None,
        form=form or {},
        refused=refused or refused_by(answer),
    )


@get("/export-reviews/{export_id:str}")
async def export(
    who: NamedDependency[Session], platform: NamedDependency[Platform], export_id: FromPath[str]
) -> Template:
    return await _export_page(who, platform, export_id)


@post("/export-reviews/{export_id:str}/decision", status_code=303)
async def decide(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    export_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """Approve or reject with the reason; the API decides who may (EXP-1, EXP-6)."""
    body = {"approve": data.get("decision") == "approve", "reason": data.get("reason", "")}
    return await decide_on_page(
        platform,
        "POST",
        f"{API}/{quote(export_id)}/decision",
        body,
        done=f"/export-reviews/{quote(export_id)}",
        rerender=partial(_export_page, who, platform, export_id),
        form=data,
    )


ROUTES = [exports, export, decide]
