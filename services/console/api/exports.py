"""The developer's export requests (出域申请): request an export of an output kept in its
production sandbox, then follow its review — the automated disclosure checks (EXP-2),
the human decision by someone other than the requester (EXP-1, EXP-6) — and, once
approved, draft the data product (数据产品) made of it. While the checks run the state
updates in place (htmx polling)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from services.console.refusals import Refusal, refusal
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page

API = "/product_release/exports"
SANDBOXES = "/sandbox_broker/sandboxes"
IN_CHECKS = frozenset({"requested", "appealed", "re_review"})
"""States the export leaves by itself (checks, an appeal's review): polled in place."""


def columns_of(text: str) -> list[dict[str, str]]:
    """Export columns (出域字段), one a line: ``name role [source] [of]``, e.g.
    ``firms count`` or ``top1 top1 - tax_total`` (``-`` for an empty source)."""
    columns = []
    for line in text.splitlines():
        words = line.split()
        if not words:
            continue
        column = {"name": words[0], "role": words[1] if len(words) > 1 else ""}
        if len(words) > 2 and words[2] != "-":
            column["source"] = words[2]
        if len(words) > 3:
            column["of"] = words[3]
        columns.append(column)
    return columns


@get("/developer/exports")
async def exports(who: NamedDependency[Session], platform: NamedDependency[Platform]) -> Template:
    items, refused = await platform.items(API + "/")
    return page("exports/list.html", who, items=items, refused=refused)


async def _form_context(platform: NamedDependency[Platform], sandbox_id: str) -> dict[str, Any]:
    sandboxes, refused = await platform.items(SANDBOXES)
    production = [s for s in sandboxes if s.get("environment") == "production"]
    outputs: list[dict[str, Any]] = []
    if sandbox_id:
        outputs, _ = await platform.items(f"{SANDBOXES}/{quote(sandbox_id)}/outputs")
    return {"sandboxes": production, "outputs": outputs, "listing_refused": refused}


@get("/developer/exports/new")
async def export_form(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    sandbox_id: FromQuery[str] = "",
) -> Template:
    context = await _form_context(platform, sandbox_id)
    form = {"sandbox_id": sandbox_id, "kind": "table"}
    return page("exports/new.html", who, form=form, refused=None, **context)


@post("/developer/exports", status_code=303)
async def request_export(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Response[Any] | Template:
    body: dict[str, Any] = {
        "sandbox_id": data.get("sandbox_id", ""),
        "output_name": data.get("output_name", ""),
        "kind": data.get("kind", "table"),
        "columns": columns_of(data.get("columns", "")),
        "universe": data.get("universe", "").strip(),
    }
    for optional in ("key_column", "answer_column"):
        if data.get(optional, "").strip():
            body[optional] = data[optional].strip()
    answer = await platform.post(API + "/", body)
    if answer.ok:
        export_id = quote(str(answer.body["export_id"]))
        return Redirect(f"{BASE}/developer/exports/{export_id}", status_code=303)
    told: Refusal = refusal(answer.status, answer.body)
    context = await _form_context(platform, body["sandbox_id"])
    return page("exports/new.html", who, status=answer.status, form=data, refused=told, **context)


async def _export(platform: NamedDependency[Platform], export_id: str) -> dict[str, Any]:
    path = f"{API}/{quote(export_id)}"
    found, report = await asyncio.gather(platform.get(path), platform.get(path + "/report"))
    export = found.body if found.ok else None
    return {
        "export": export,
        "export_id": export_id,
        "report": report.body if report.ok and isinstance(report.body, dict) else None,
        "checking": export is not None and export.get("state") in IN_CHECKS,
        "listing_refused": None if found.ok else refusal(found.status, found.body),
    }


@get("/developer/exports/{export_id:str}")
async def export_detail(
    who: NamedDependency[Session], platform: NamedDependency[Platform], export_id: FromPath[str]
) -> Template:
    context = await _export(platform, export_id)
    return page("exports/detail.html", who, form={}, refused=None, **context)


@get("/developer/exports/{export_id:str}/live")
async def export_live(
    who: NamedDependency[Session], platform: NamedDependency[Platform], export_id: FromPath[str]
) -> Template:
    """The export's state alone, polled by htmx while its checks run."""
    context = await _export(platform, export_id)
    return page("exports/live.html", who, **context)


@post("/developer/exports/{export_id:str}/product", status_code=303)
async def draft_product(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    export_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    body = {
        "export_id": export_id,
        "name": data.get("name", "").strip(),
        "kind": data.get("kind", "dataset"),
        "description": data.get("description", "").strip(),
    }
    answer = await platform.post("/product_release/products/", body)
    if answer.ok:
        product_id = quote(str(answer.body["product_id"]))
        return Redirect(f"{BASE}/developer/products/{product_id}", status_code=303)
    context = await _export(platform, export_id)
    told = refusal(answer.status, answer.body)
    return page(
        "exports/detail.html", who, status=answer.status, form=data, refused=told, **context
    )


ROUTES = [exports, export_form, request_export, export_detail, export_live, draft_product]
