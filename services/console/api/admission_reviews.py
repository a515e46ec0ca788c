"""Developers' admissions (入驻) as the operator decides them, and as the bureau reads them.

The operator reviews each application for admission (入驻审核, DEV-1: data-management
and security capability, good standing, no incident in three years), signs the
development agreement (开发利用协议) that admits the developer — the precondition of its
sandboxes and exports (EXP-6 reviews only an admitted developer's requests) — and files
the cooperation agreement with the bureau (合作协议备案, DEV-3). The bureau reads the
admissions granted or ended in a period (入驻报备, DEV-1) and the filings (DEV-3).
identity enforces every rule; a refusal is shown next to the form, with the rule.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from contracts.calendar import local_date
from services.console.refusals import Refusal
from services.console.session import Session
from services.console.web import Form, Platform, decide_on_page, page, refused_by

API = "/identity/admissions"


async def _reviews_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    refused: Refusal | None = None,
    refused_at: str = "",
) -> Template:
    admissions, listed = await platform.items(API)
    return page(
        "admission_reviews/operator.html",
        who,
        status=status,
        admissions=admissions,
        form=form or {},
        refused=refused or listed,
        refused_at=refused_at,
    )


@get("/operator/admissions")
async def admission_reviews(
    who: NamedDependency[Session], platform: NamedDependency[Platform]
) -> Template:
    return await _reviews_page(who, platform)


async def _step(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    admission_id: str,
    route: str,
    body: dict[str, Any],
    data: dict[str, str],
) -> Response[Any] | Template:
    """One of the operator's steps on an admission; refused, next to that step's form."""
    return await decide_on_page(
        platform,
        "POST",
        f"{API}/{quote(admission_id)}/{route}",
        body,
        done="/operator/admissions",
        rerender=partial(_reviews_page, who, platform),
        form=data,
        refused_at=f"{route}-{admission_id}",
    )


@post("/operator/admissions/{admission_id:str}/review", status_code=303)
async def review_admission(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    admission_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """DEV-1: approve or reject an application for admission, with the reason."""
    body = {"approve": data.get("decision") == "approve", "reason": data.get("reason", "")}
    return await _step(who, platform, admission_id, "review", body, data)


@post("/operator/admissions/{admission_id:str}/agreement", status_code=303)
async def sign_development_agreement(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    admission_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """DEV-1: the development agreement (开发利用协议) signed; the developer is admitted."""
    body = {"terms": data.get("terms", "")}
    return await _step(who, platform, admission_id, "agreement", body, data)


@post("/operator/admissions/{admission_id:str}/filing", status_code=303)
async def file_cooperation(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    admission_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """DEV-3: the signed cooperation agreement filed with the bureau (合作协议备案)."""
    body = {"reference": data.get("reference", ""), "summary": data.get("summary", "")}
    return await _step(who, platform, admission_id, "filing", body, data)


@get("/admission-reports")
async def admission_report(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    first: FromQuery[str] = "",
    last: FromQuery[str] = "",
) -> Template:
    """DEV-1, DEV-3: the operator's admissions reported to the bureau (入驻报备) for a
    period — the last twelve months unless chosen — and the cooperation filings."""
    # The city's day, as identity counts the period (the server's clock may be UTC).
    today = local_date(datetime.now(UTC))
    first = first or (today - timedelta(days=365)).isoformat()
    last = last or today.isoformat()
    query = urlencode({"first": first, "last": last})
    report, (filings, _) = await asyncio.gather(
        platform.get(f"{API}/report?{query}"), platform.items(f"{API}/filings")
    )
    body = report.body if report.ok and isinstance(report.body, dict) else {}
    return page(
        "admission_reviews/bureau.html",
        who,
        first=first,
        last=last,
        admitted=body.get("admitted", []),
        ended=body.get("ended", []),
        filings=filings,
        refused=refused_by(report),
    )


ROUTES = [
    admission_reviews,
    review_admission,
    sign_development_agreement,
    file_cooperation,
    admission_report,
]
