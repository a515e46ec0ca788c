"""The developer's admission (准入状态, 入驻): where its admission with an operator stands
(applied, approved, admitted, rejected, removed, exited) and, without a current one, the
application for admission (入驻申请, DEV-1) to the operator."""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from services.console.refusals import Refusal
from services.console.session import Session
from services.console.web import Form, Platform, decide_on_page, page

API = "/identity/admissions"
CURRENT = frozenset({"applied", "approved", "admitted"})


async def _render(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    *,
    form: dict[str, str] | None = None,
    refused: Refusal | None = None,
    status: int = 200,
) -> Template:
    admissions, listed = await platform.items(API)
    operators, _ = await platform.items("/identity/organizations/?role=operator")
    current = [a for a in admissions if a.get("state") in CURRENT]
    return page(
        "admission/admission.html",
        who,
        status=status,
        admissions=admissions,
        current=current,
        operators=operators,
        form=form or {},
        refused=refused or listed,
    )


@get("/developer/admission")
async def admission(who: NamedDependency[Session], platform: NamedDependency[Platform]) -> Template:
    return await _render(who, platform)


@post("/developer/admission", status_code=303)
async def apply_for_admission(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Response[Any] | Template:
    body = {
        "operator_org_id": data.get("operator_org_id", ""),
        "data_management_capability": data.get("data_management_capability", ""),
        "security_capability": data.get("security_capability", ""),
        "good_standing": data.get("good_standing") == "yes",
        "no_security_incident_3_years": data.get("no_security_incident_3_years") == "yes",
    }
    return await decide_on_page(
        platform,
        "POST",
        API,
        body,
        done="/developer/admission",
        rerender=partial(_render, who, platform),
        form=data,
    )


ROUTES = [admission, apply_for_admission]
