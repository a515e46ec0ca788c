"""Operator authorization (授权运营) for the bureau: publish a tender (遴选公告, AUTH-2),
close applications and score them, publicize the result (结果公示), decide objections,
record the collective decision and the finance opinion and sign the agreement (AUTH-4,
AUTH-11), decide renewals, suspend, reinstate, terminate (AUTH-6) or cancel.

Each step offered is one the authorization's state machine allows from where it stands
(``next_steps`` of the API's answer); identity enforces every rule and the page shows a
refusal with the rule it names.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from services.console.refusals import Refusal, refusal
from services.console.session import Session
from services.console.web import Form, Platform, decide_on_page, page

API = "/identity/authorizations"
TERMINATION_GROUNDS = (
    "operator_request",
    "targets_missed",
    "penalty",
    "other_violation",
    "not_corrected",
    "correction_rejected",
)
"""AUTH-6: the grounds on which the bureau ends an authorization early."""


def _reason(data: dict[str, str]) -> dict[str, Any]:
    return {"reason": data.get("reason", "")}


def _renewal(data: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "approve": data.get("approve") == "yes",
        "reason": data.get("reason", ""),
    }
    if data.get("ends_on"):
        body["ends_on"] = data["ends_on"]
    return body


def _draft(data: dict[str, str]) -> dict[str, Any]:
    """AUTH-4: the agreement's term and its sections, one ``条款：内容`` per line."""
    sections: dict[str, str] = {}
    for line in data.get("sections", "").splitlines():
        name, sep, text = line.replace("：", ":", 1).partition(":")
        if sep and name.strip() and text.strip():
            sections[name.strip()] = text.strip()
    return {
        "starts_on": data.get("starts_on", ""),
        "ends_on": data.get("ends_on", ""),
        "sections": sections,
    }


STEPS: dict[str, tuple[str, Callable[[dict[str, str]], dict[str, Any]]]] = {
    "agreement_drafted": ("agreement", _draft),
    "applications_closed": ("applications/close", lambda d: {}),
    "result_publicized": ("result", lambda d: {}),
    "tender_cancelled": ("cancellation", _reason),
    "collective_decision_recorded": (
        "agreement/collective-decision",
        lambda d: {
            "meeting": d.get("meeting", ""),
            "decided_on": d.get("decided_on", ""),
            "approved": d.get("approved") == "yes",
        },
    ),
    "finance_opinion_recorded": (
        "agreement/finance-opinion",
        lambda d: {
            "department": d.get("department", ""),
            "opinion": d.get("opinion", ""),
            "given_on": d.get("given_on", ""),
        },
    ),
    "agreement_signed": ("agreement/signature", lambda d: {}),
    "renewal_decided": ("renewal/decision", _renewal),
    "agreement_suspended": ("suspension", _reason),
    "agreement_reinstated": ("reinstatement", lambda d: {}),
    "agreement_terminated": (
        "termination",
        lambda d: {"ground": d.get("ground", ""), "reason": d.get("reason", "")},
    ),
}
"""The bureau's steps: the state machine's event → (the API's route below the
authorization, the body made of the step's form)."""


async def _list_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    refused: Refusal | None = None,
) -> Template:
    items, listing_refused = await platform.items(f"{API}/?limit=100")
    return page(
        "operator_authorizations/list.html",
        who,
        status=status,
        items=items,
        form=form or {},
        refused=refused or listing_refused,
    )


async def _detail_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    auth_id: str,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    refused: Refusal | None = None,
    refused_step: str = "",
) -> Template:
    answer = await platform.get(f"{API}/{quote(auth_id)}")
    return page(
        "operator_authorizations/detail.html",
        who,
        status=status,
        auth_id=auth_id,
        auth=answer.body if answer.ok else None,
        steps=STEPS,
        grounds=TERMINATION_GROUNDS,
        form=form or {},
        refused=refused or (None if answer.ok else refusal(answer.status, answer.body)),
        refused_step=refused_step,
    )


async def _decide_here(
    platform: NamedDependency[Platform],
    who: NamedDependency[Session],
    auth_id: str,
    method: str,
    route: str,
    body: dict[str, Any],
    *,
    form: dict[str, str],
    refused_step: str,
) -> Response[Any] | Template:
    """One step on the authorization (its route below it): back to its page, or the page
    again with the refusal next to the step's own form (``refused_step``)."""
    return await decide_on_page(
        platform,
        method,
        f"{API}/{quote(auth_id)}/{route}",
        body,
        done=f"/authorizations/{quote(auth_id)}",
        rerender=partial(_detail_page, who, platform, auth_id),
        form=form,
        refused_step=refused_step,
    )


@get("/authorizations")
async def authorizations(
    who: NamedDependency[Session], platform: NamedDependency[Platform]
) -> Template:
    return await _list_page(who, platform)


@post("/authorizations", status_code=303)
async def publish_tender(
    who: NamedDependency[Session], platform: NamedDependency[Platform], data: Form
) -> Response[Any] | Template:
    """AUTH-2: a tender by a competitive selection mode."""
    body = {"title": data.get("title", ""), "selection_mode": data.get("selection_mode", "")}
    return await decide_on_page(
        platform,
        "POST",
        f"{API}/",
        body,
        done=lambda answer: f"/authorizations/{quote(str(answer.body['authorization_id']))}",
        rerender=partial(_list_page, who, platform),
        form=data,
    )


@get("/authorizations/{auth_id:str}")
async def authorization(
    who: NamedDependency[Session], platform: NamedDependency[Platform], auth_id: FromPath[str]
) -> Template:
    return await _detail_page(who, platform, auth_id)


@post("/authorizations/{auth_id:str}/steps/{step:str}", status_code=303)
async def take_step(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    auth_id: FromPath[str],
    step: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    known = STEPS.get(step)
    if known is None:
        return await _detail_page(
            who, platform, auth_id, status=404, refused=refusal(404, {}), refused_step=step
        )
    route, body_of = known
    method = "PUT" if step == "agreement_drafted" else "POST"
    return await _decide_here(
        platform, who, auth_id, method, route, body_of(data), form=data, refused_step=step
    )


@post("/authorizations/{auth_id:str}/applications/{application_id:str}/score", status_code=303)
async def score(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    auth_id: FromPath[str],
    application_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """The evaluation's score of one operator's application (评审打分)."""
    try:
        value = float(data.get("score", ""))
    except ValueError:
        value = -1.0
    route = f"applications/{quote(application_id)}/score"
    body = {"score": value, "remarks": data.get("remarks", "")}
    return await _decide_here(
        platform,
        who,
        auth_id,
        "POST",
        route,
        body,
        form=data,
        refused_step=f"score-{application_id}",
    )


@post("/authorizations/{auth_id:str}/objections/{objection_id:str}/decision", status_code=303)
async def decide_objection(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    auth_id: FromPath[str],
    objection_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """An objection raised during publicity (公示异议), upheld or dismissed with the reason."""
    route = f"objections/{quote(objection_id)}/decision"
    body = {"uphold": data.get("uphold") == "yes", "reason": data.get("reason", "")}
    return await _decide_here(
        platform,
        who,
        auth_id,
        "POST",
        route,
        body,
        form=data,
        refused_step=f"objection-{objection_id}",
    )


ROUTES = [authorizations, publish_tender, authorization, take_step, score, decide_objection]
