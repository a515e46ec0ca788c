"""A change of an application scenario filed with the bureau (场景变更备案, REQ-8): the
operator names what changes — name, domain, purpose, expected value or class — and
leaves the rest as it is; request_review records the change (and refuses, with the rule,
a scenario that is not the operator's, or retired)."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from services.console.refusals import Refusal
from services.console.session import Session
from services.console.web import Form, Platform, decide_on_page, page, refused_by

API = "/request_review/scenarios"
FIELDS = ("name", "domain", "purpose", "expected_value", "scenario_class")
CLASSES = ("public_interest", "commercial")


async def _change_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    scenario_id: str,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    refused: Refusal | None = None,
) -> Template:
    answer = await platform.get(f"{API}/{quote(scenario_id)}")
    return page(
        "scenario_changes/form.html",
        who,
        status=status,
        scenario_id=scenario_id,
        scenario=answer.body if answer.ok else None,
        classes=CLASSES,
        form=form or {},
        refused=refused or refused_by(answer),
    )


@get("/operator/scenarios/{scenario_id:str}/change")
async def scenario_change(
    who: NamedDependency[Session], platform: NamedDependency[Platform], scenario_id: FromPath[str]
) -> Template:
    return await _change_page(who, platform, scenario_id)


@post("/operator/scenarios/{scenario_id:str}/change", status_code=303)
async def file_scenario_change(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    scenario_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """REQ-8: only the fields filled in are sent; the others stay as they are."""
    body = {name: data[name].strip() for name in FIELDS if data.get(name, "").strip()}
    return await decide_on_page(
        platform,
        "POST",
        f"{API}/{quote(scenario_id)}/changes",
        body,
        done=f"/operator/scenarios/{quote(scenario_id)}/change",
        rerender=partial(_change_page, who, platform, scenario_id),
        form=data,
    )


ROUTES = [scenario_change, file_scenario_change]
