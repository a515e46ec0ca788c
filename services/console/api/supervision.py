"""Supervision (监督管理) by the bureau: rectification orders (整改, EVA-3) ordered, accepted
or returned; security incidents (安全事件, SEC-2) as reported; security inspections
(安全检查, SEC-6) recorded and their findings tracked to closure."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.console.refusals import Refusal, refusal
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page

ORDERS = "/evaluation/rectifications/"
INCIDENTS = "/evaluation/incidents/"
INSPECTIONS = "/evaluation/inspections/"
HERE = f"{BASE}/supervision"


async def _supervision_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    refused: Refusal | None = None,
    refused_at: str = "",
) -> Template:
    (orders, o_refused), (incidents, i_refused), (inspections, s_refused) = await asyncio.gather(
        platform.items(ORDERS), platform.items(INCIDENTS), platform.items(INSPECTIONS)
    )
    return page(
        "supervision/page.html",
        who,
        status=status,
        orders=orders,
        incidents=incidents,
        inspections=inspections,
        listing_refused=o_refused or i_refused or s_refused,
        form=form or {},
        refused=refused,
        refused_at=refused_at,
    )


async def _after(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    answer: Any,
    data: dict[str, str],
    where: str,
) -> Response[Any] | Template:
    if answer.ok:
        return Redirect(HERE, status_code=303)
    return await _supervision_page(
        who,
        platform,
        status=answer.status,
        form=data,
        refused=refusal(answer.status, answer.body),
        refused_at=where,
    )


@get("/supervision")
async def supervision(
    who: NamedDependency[Session], platform: NamedDependency[Platform]
) -> Template:
    return await _supervision_page(who, platform)


@post("/supervision/rectifications", status_code=303)
async def order_rectification(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Response[Any] | Template:
    """EVA-3: a rectification with its deadline (限期整改)."""
    body = {
        "operator_org_id": data.get("operator_org_id", "").strip(),
        "finding": data.get("finding", ""),
        "due_on": data.get("due_on", ""),
    }
    return await _after(who, platform, await platform.post(ORDERS, body), data, "order")


@post("/supervision/rectifications/{order_id:str}/decision", status_code=303)
async def decide_rectification(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    order_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """Accept the reported rectification, or return it with the reason (the deadline stands)."""
    path = f"{ORDERS}{quote(order_id)}"
    if data.get("decision") == "accept":
        answer = await platform.post(path + "/acceptance")
    else:
        answer = await platform.post(path + "/return", {"reason": data.get("reason", "")})
    return await _after(who, platform, answer, data, f"order-{order_id}")


@post("/supervision/inspections", status_code=303)
async def record_inspection(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Response[Any] | Template:
    """SEC-6: an inspection and its findings, one per line."""
    findings = [line.strip() for line in data.get("findings", "").splitlines() if line.strip()]
    body = {
        "subject_org_id": data.get("subject_org_id", "").strip(),
        "inspected_on": data.get("inspected_on", ""),
        "findings": findings,
    }
    return await _after(who, platform, await platform.post(INSPECTIONS, body), data, "inspection")


@post("/supervision/inspections/{inspection_id:str}/findings/{index:int}/closure", status_code=303)
async def close_finding(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    inspection_id: FromPath[str],
    index: FromPath[int],
    data: Form,
) -> Response[Any] | Template:
    """SEC-6: a finding closed once rectified, with the note saying how."""
    path = f"{INSPECTIONS}{quote(inspection_id)}/findings/{index}/closure"
    answer = await platform.post(path, {"note": data.get("note", "")})
    return await _after(who, platform, answer, data, f"finding-{inspection_id}-{index}")


ROUTES = [supervision, order_rectification, decide_rectification, record_inspection, close_finding]
