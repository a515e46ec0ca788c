"""The SQL workbench (SQL 工作台) of one sandbox (授权运营空间): the granted tables and
columns with their masking, a job (作业) submitted as SQL, the job history with each job's
state and, for a refusal, the rule it names (a forbidden statement, SBX-2; a revoked or
expired grant, SBX-7; a column not granted, REQ-2), and the outputs kept inside the
sandbox — names, columns and row counts; the first rows only of a development job, on
synthetic data. Nothing is downloadable raw: outputs leave only by an export (出域申请).

While the sandbox is being provisioned the state and the history poll in place (htmx)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from litestar import get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from services.console.refusals import Refusal, refusal
from services.console.session import Session
from services.console.web import Form, Platform, page

API = "/sandbox_broker/sandboxes"
SETTLED = frozenset({"ready", "failed", "closed", "deleted", "suspended"})
"""States that no longer change by themselves: polling stops."""


def _tables(sandbox: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """The granted columns grouped by table, in the order mounted."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for column in (sandbox or {}).get("columns", []):
        tables.setdefault(str(column["table"]), []).append(column)
    return tables


async def _state(
    platform: Platform, sandbox_id: str, ran: dict[str, Any] | None = None
) -> dict[str, Any]:
    path = f"{API}/{quote(sandbox_id)}"
    found, (jobs, _), (outputs, _) = await asyncio.gather(
        platform.get(path), platform.items(path + "/jobs"), platform.items(path + "/outputs")
    )
    sandbox = found.body if found.ok else None
    jobs.reverse()  # newest first
    previews = {j["output_table"]: j for j in reversed(jobs) if j.get("output_table")}
    if ran and ran.get("output_table"):
        previews[ran["output_table"]] = ran  # only a job's own answer carries its first rows
    return {
        "sandbox": sandbox,
        "sandbox_id": sandbox_id,
        "tables": _tables(sandbox),
        "jobs": jobs,
        "outputs": [{**o, "job": previews.get(o["name"])} for o in outputs],
        "settled": sandbox is not None and sandbox.get("state") in SETTLED,
        "listing_refused": None if found.ok else refusal(found.status, found.body),
    }


@get("/developer/workbench/{sandbox_id:str}")
async def workbench(
    who: Session, platform: Platform, sandbox_id: FromPath[str], job: FromQuery[str] = ""
) -> Template:
    state = await _state(platform, sandbox_id)
    return page("workbench/workbench.html", who, form={}, refused=None, shown_job=job, **state)


@get("/developer/workbench/{sandbox_id:str}/live")
async def workbench_live(who: Session, platform: Platform, sandbox_id: FromPath[str]) -> Template:
    """The sandbox's state and job history alone, polled by htmx until settled."""
    state = await _state(platform, sandbox_id)
    return page("workbench/live.html", who, shown_job="", **state)


@post("/developer/workbench/{sandbox_id:str}/jobs", status_code=200)
async def submit_job(
    who: Session, platform: Platform, sandbox_id: FromPath[str], data: Form
) -> Template:
    sql = data.get("sql", "")
    answer = await platform.post(f"{API}/{quote(sandbox_id)}/jobs", {"sql": sql})
    if answer.ok:
        # Shown at once rather than redirected: the first rows of a development job come
        # only in the job's own answer (the job log keeps no contents).
        ran = answer.body if isinstance(answer.body, dict) else {}
        state = await _state(platform, sandbox_id, ran)
        return page(
            "workbench/workbench.html",
            who,
            status=200,
            form={"sql": sql},
            refused=None,
            shown_job=str(ran.get("job_id", "")),
            **state,
        )
    told: Refusal = refusal(answer.status, answer.body)
    state = await _state(platform, sandbox_id)
    return page(
        "workbench/workbench.html",
        who,
        status=answer.status,
        form={"sql": sql},
        refused=told,
        shown_job="",
        **state,
    )


ROUTES = [workbench, workbench_live, submit_job]
