"""A person's home page (待办): what waits for their role, one public API read per queue."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from services.console.queues import QUEUES
from services.console.session import Session
from services.console.web import Platform, page, refused_by


@get("/")
async def home(who: NamedDependency[Session], platform: NamedDependency[Platform]) -> Template:
    queues = QUEUES.get(who.role, ())
    answers = await asyncio.gather(
        *(platform.get(q.path.format(org_id=who.org_id)) for q in queues)
    )
    boxes = []
    for queue, answer in zip(queues, answers, strict=True):
        items: list[dict[str, Any]] = []
        if answer.ok:
            body = answer.body
            items = body["items"] if isinstance(body, dict) else list(body or [])
        boxes.append({"queue": queue, "rows": items[:20], "refused": refused_by(answer)})
    return page("home.html", who, boxes=boxes)


@get("/resources")
async def resources(
    who: NamedDependency[Session], platform: NamedDependency[Platform], q: FromQuery[str] = ""
) -> Template:
    path = "/catalog/resources/?limit=50" + (f"&q={quote(q)}" if q else "")
    items, refused = await platform.items(path)
    return page("resources.html", who, items=items, q=q, refused=refused)


ROUTES = [home, resources]
