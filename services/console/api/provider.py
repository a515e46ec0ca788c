"""The data provider's journeys (数据提供单位): register and change its resources with their
data items and grades (资源登记、变更，数据项与分级, CAT-1, CAT-4); the applications asking
for its data (涉及本单位数据的申请, REQ-3 — identity of the reviewer is the API's; the page
is the application page); and answers to data-quality objections (异议答复) before their
deadline, shown on the page; after it the answer is refused naming CAT-5."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.console.deadlines import AWAITING_PROVIDER, deadline
from services.console.refusals import Refusal
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page, refused_by

RESOURCES = "/catalog/resources"
OBJECTIONS = "/catalog/objections"
GRADES = {1: "1级（一般）", 2: "2级（较敏感）", 3: "3级（敏感）", 4: "4级（核心）"}
BLANK_ITEM_ROWS = 3
FIELDS = ("name", "description", "category", "update_frequency", "source_system")


# -- resources (资源登记、变更, CAT-1, CAT-4) ----------------------------------------------


def declaration(data: dict[str, str]) -> dict[str, Any]:
    """The ``RegisterResourceBody`` from the form: the resource's fields and each filled
    item row (``item-N-name``, ``-type``, ``-grade``, ``-description``)."""
    body: dict[str, Any] = {k: data.get(k, "").strip() for k in FIELDS}
    items = []
    for n in range(500):
        name = data.get(f"item-{n}-name")
        if name is None:
            break
        if not name.strip():
            continue
        grade = data.get(f"item-{n}-grade", "")
        items.append(
            {
                "name": name.strip(),
                "type": data.get(f"item-{n}-type", "").strip(),
                "grade": int(grade) if grade.isdigit() else grade,
                "description": data.get(f"item-{n}-description", "").strip(),
            }
        )
    body["items"] = items
    return body


def item_rows(form: dict[str, Any]) -> list[dict[str, Any]]:
    """The item rows to show: the resource's (or the form's) items and a few blank ones."""
    items = list(form.get("items") or [])
    return [*items, *({} for _ in range(BLANK_ITEM_ROWS))]


@get("/provider/resources")
async def resources(who: NamedDependency[Session], platform: NamedDependency[Platform]) -> Template:
    items, refused = await platform.items(
        f"{RESOURCES}/?provider_org_id={quote(who.org_id)}&limit=100"
    )
    return page("provider/resources.html", who, items=items, refused=refused)


def _form_page(
    who: NamedDependency[Session],
    form: dict[str, Any],
    *,
    resource_id: str | None,
    refused: Refusal | None = None,
    status: int = 200,
) -> Template:
    return page(
        "provider/resource_form.html",
        who,
        status=status,
        form=form,
        rows=item_rows(form),
        grades=GRADES,
        resource_id=resource_id,
        refused=refused,
    )


@get("/provider/resources/new")
async def new_resource(who: NamedDependency[Session]) -> Template:
    return _form_page(who, {}, resource_id=None)


@post("/provider/resources", status_code=303)
async def register(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Response[Any] | Template:
    """CAT-1, CAT-4: first registration (首次登记) of the provider's resource."""
    body = declaration(data)
    answer = await platform.post(f"{RESOURCES}/", body)
    if answer.ok:
        created = quote(str(answer.body["resource_id"]))
        return Redirect(f"{BASE}/provider/resources/{created}", status_code=303)
    return _form_page(who, body, resource_id=None, refused=refused_by(answer), status=answer.status)


@get("/provider/resources/{resource_id:str}")
async def resource(
    who: NamedDependency[Session], platform: NamedDependency[Platform], resource_id: FromPath[str]
) -> Template:
    answer = await platform.get(f"{RESOURCES}/{quote(resource_id)}")
    if not answer.ok:
        return _form_page(who, {}, resource_id=resource_id, refused=refused_by(answer))
    return _form_page(who, dict(answer.body), resource_id=resource_id)


@post("/provider/resources/{resource_id:str}", status_code=303)
async def change(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    resource_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """CAT-4: change registration (变更登记), a new registration code and evidence hash."""
    body = declaration(data)
    answer = await platform.call("PUT", f"{RESOURCES}/{quote(resource_id)}", json=body)
    if answer.ok:
        return Redirect(f"{BASE}/provider/resources/{quote(resource_id)}", status_code=303)
    return _form_page(
        who, body, resource_id=resource_id, refused=refused_by(answer), status=answer.status
    )


# -- applications asking for its data (REQ-3) ---------------------------------------------


@get("/provider/applications")
async def applications(
    who: NamedDependency[Session], platform: NamedDependency[Platform]
) -> Template:
    """Every application the API lets this provider see: those asking for its data."""
    items, refused = await platform.items("/request_review/applications/?limit=100")
    return page("provider/applications.html", who, items=items, refused=refused)


# -- objections (异议, CAT-5) -------------------------------------------------------------


def _with_deadlines(items: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    return [{**o, "deadline": deadline(str(o["due_on"]), now)} for o in items]


@get("/provider/objections")
async def objections(
    who: NamedDependency[Session], platform: NamedDependency[Platform]
) -> Template:
    items, refused = await platform.items(f"{OBJECTIONS}/?limit=100")
    rows = _with_deadlines(items, datetime.now(UTC))
    rows.sort(key=lambda o: (o["status"] not in AWAITING_PROVIDER, o["due_on"]))
    return page("provider/objections.html", who, items=rows, refused=refused)


def _objection_page(
    who: NamedDependency[Session],
    objection: dict[str, Any] | None,
    objection_id: str,
    *,
    form: dict[str, str],
    refused: Refusal | None = None,
    late: str | None = None,
    status: int = 200,
) -> Template:
    return page(
        "provider/objection.html",
        who,
        status=status,
        objection=objection,
        objection_id=objection_id,
        deadline=deadline(str(objection["due_on"]), datetime.now(UTC)) if objection else None,
        awaiting=AWAITING_PROVIDER,
        form=form,
        refused=refused,
        late=late,
    )


@get("/provider/objections/{objection_id:str}")
async def objection(
    who: NamedDependency[Session], platform: NamedDependency[Platform], objection_id: FromPath[str]
) -> Template:
    answer = await platform.get(f"{OBJECTIONS}/{quote(objection_id)}")
    return _objection_page(
        who,
        answer.body if answer.ok else None,
        objection_id,
        form={},
        refused=refused_by(answer),
    )


@post("/provider/objections/{objection_id:str}/correction", status_code=303)
async def answer_objection(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    objection_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """CAT-5: the provider reports its correction by the deadline; after the deadline the
    answer is refused here, naming CAT-5, and the bureau follows the objection up."""
    path = f"{OBJECTIONS}/{quote(objection_id)}"
    current = await platform.get(path)
    if not current.ok:
        return _objection_page(who, None, objection_id, form=data, refused=refused_by(current))
    due = deadline(str(current.body["due_on"]), datetime.now(UTC))
    if due.passed:
        return _objection_page(
            who, current.body, objection_id, form=data, late=due.refusal, status=409
        )
    answer = await platform.post(path + "/correction", {"resolution": data.get("resolution", "")})
    if answer.ok:
        return Redirect(f"{BASE}/provider/objections/{quote(objection_id)}", status_code=303)
    return _objection_page(
        who,
        current.body,
        objection_id,
        form=data,
        refused=refused_by(answer),
        status=answer.status,
    )


ROUTES = [
    resources,
    new_resource,
    register,
    resource,
    change,
    applications,
    objections,
    objection,
    answer_objection,
]
