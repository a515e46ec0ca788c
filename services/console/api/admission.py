"""The developer's admission (准入状态, 入驻): where its admission with an operator stands
(applied, approved, admitted, rejected, removed, exited) and, without a current one, the
application for admission (入驻申请, DEV-1) to the operator."""

from __future__ import annotations

from typing import Any

from litestar import Response, get, post
from litestar.response import Redirect, Template

from services.console.refusals import Refusal, refusal
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page

API = "/identity/admissions"
CURRENT = frozenset({"applied", "approved", "admitted"})


async def _render(
    who: Session,
    platform: Platform,
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
async def admission(who: Session, platform: Platform) -> Template:
    return await _render(who, platform)


@post("/developer/admission", status_code=303)
async def apply_for_admission(
    who: Session, platform: Platform, data: Form
) -> Response[Any] | Template:
    body = {
        "operator_org_id": data.get("operator_org_id", ""),
        "data_management_capability": data.get("data_management_capability", ""),
        "security_capability": data.get("security_capability", ""),
        "good_standing": data.get("good_standing") == "yes",
        "no_security_incident_3_years": data.get("no_security_incident_3_years") == "yes",
    }
    answer = await platform.post(API, body)
    if answer.ok:
        return Redirect(f"{BASE}/developer/admission", status_code=303)
    told = refusal(answer.status, answer.body)
    return await _render(who, platform, form=data, refused=told, status=answer.status)


ROUTES = [admission, apply_for_admission]
