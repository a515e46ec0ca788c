"""SEC-4: one person's data operations (人员操作记录) across the nine services' audit chains."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from contracts.topics import SERVICES
from services.console.refusals import Refusal, refusal
from services.console.session import Session
from services.console.web import Platform, page


@get("/operations")
async def operations(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    user_id: FromQuery[str] = "",
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
) -> Template:
    rows: list[dict[str, Any]] = []
    refused: Refusal | None = None
    if user_id:
        query = "?" + urlencode(
            {k: v for k, v in (("user_id", user_id), ("since", since), ("until", until)) if v}
        )
        answers = await asyncio.gather(
            *(platform.get(f"/{name}/audit/operations{query}") for name in SERVICES)
        )
        for answer in answers:
            if answer.ok:
                rows.extend(answer.body)
            elif refused is None:
                refused = refusal(answer.status, answer.body)
        rows.sort(key=lambda r: (r["at"], r["service"], r["seq"]))
    form = {"user_id": user_id, "since": since, "until": until}
    return page("operations.html", who, rows=rows, form=form, refused=refused)


ROUTES = [operations]
