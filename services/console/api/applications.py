"""An application for data use (数据使用申请) and its review by the bureau and providers."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.console.refusals import refusal
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page, refused_by

API = "/request_review/applications"


@get("/applications/{application_id:str}")
async def application(who: Session, platform: Platform, application_id: FromPath[str]) -> Template:
    answer = await platform.get(f"{API}/{quote(application_id)}")
    return page(
        "application.html",
        who,
        application=answer.body if answer.ok else None,
        application_id=application_id,
        refused=refused_by(answer),
        form={},
    )


@post("/applications/{application_id:str}/reviews", status_code=303)
async def review(
    who: Session, platform: Platform, application_id: FromPath[str], data: Form
) -> Response[Any] | Template:
    body = {"decision": data.get("decision", ""), "opinion": data.get("opinion", "")}
    path = f"{API}/{quote(application_id)}"
    answer = await platform.post(path + "/reviews", body)
    if answer.ok:
        return Redirect(f"{BASE}/applications/{quote(application_id)}", status_code=303)
    current = await platform.get(path)
    return page(
        "application.html",
        who,
        status=answer.status,
        application=current.body if current.ok else None,
        application_id=application_id,
        form=data,
        refused=refusal(answer.status, answer.body),
    )


ROUTES = [application, review]
