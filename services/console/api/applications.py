"""An application for data use (数据使用申请) and its review by the bureau and providers:
approve, approve with conditions — fewer items (核减数据项), a row filter (行过滤条件) and
masking (脱敏方式) per resource (REQ-2: a review only narrows) — or reject with reasons."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.console.refusals import refusal
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page, refused_by

API = "/request_review/applications"
MASKING_METHODS = ("as_is", "coarsen", "mask", "tokenize", "suppress")
"""The sandbox broker's masking methods (SBX-3), weakest first; empty: the grade's default."""


def conditions(data: Form, scope: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The review's conditions per resource of the application's current scope (REQ-2):
    the items still ticked (``keep:<i>:<j>``), the row filter (``row_filter:<i>``) and a
    masking method per kept item (``mask:<i>:<j>``); a resource left as it is is omitted."""
    chosen: list[dict[str, Any]] = []
    for i, resource in enumerate(scope):
        items = [str(name) for name in resource.get("items") or []]
        kept = [name for j, name in enumerate(items) if data.get(f"keep:{i}:{j}")]
        row_filter = data.get(f"row_filter:{i}", "").strip()
        masking = {
            name: data[f"mask:{i}:{j}"]
            for j, name in enumerate(items)
            if data.get(f"mask:{i}:{j}") and name in kept
        }
        condition: dict[str, Any] = {"resource_id": resource["resource_id"]}
        if len(kept) != len(items):
            condition["items"] = kept
        if row_filter:
            condition["row_filter"] = row_filter
        if masking:
            condition["masking"] = masking
        if len(condition) > 1:
            chosen.append(condition)
    return chosen


def _view(
    who: NamedDependency[Session], application_id: str, current: Any, **context: Any
) -> Template:
    return page(
        "application.html",
        who,
        application=current.body if current.ok else None,
        application_id=application_id,
        methods=MASKING_METHODS,
        **context,
    )


@get("/applications/{application_id:str}")
async def application(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    application_id: FromPath[str],
) -> Template:
    answer = await platform.get(f"{API}/{quote(application_id)}")
    return _view(who, application_id, answer, refused=refused_by(answer), form={})


@post("/applications/{application_id:str}/reviews", status_code=303)
async def review(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    application_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    path = f"{API}/{quote(application_id)}"
    decision = data.get("decision", "")
    body: dict[str, Any] = {"decision": decision, "opinion": data.get("opinion", "")}
    if decision == "approve" and any(k.startswith(("keep:", "row_filter:")) for k in data):
        before = await platform.get(path)
        scope = list(before.body.get("scope") or []) if before.ok else []
        body["resources"] = conditions(data, scope)
    answer = await platform.post(path + "/reviews", body)
    if answer.ok:
        return Redirect(f"{BASE}/applications/{quote(application_id)}", status_code=303)
    current = await platform.get(path)
    return _view(
        who,
        application_id,
        current,
        status=answer.status,
        form=data,
        refused=refusal(answer.status, answer.body),
    )


ROUTES = [application, review]
