"""The SQL workbench (SQL 工作台) of one sandbox (授权运营空间): the granted tables and
columns with their masking, a job (作业) submitted as SQL, the job history with each job's
state and, for a refusal, the rule it names (a forbidden statement, SBX-2; a revoked or
expired grant, SBX-7; a column not granted, REQ-2), and the outputs kept inside the
sandbox — names, columns and row counts; the first rows only of a development job, on
synthetic data. Nothing is downloadable raw: outputs leave only by an export (出域申请).

While the sandbox is being provisioned the state and the history poll in place (htmx).
A job is never run inside the person's request (``services/console/runs.py``): a quick
one is shown at once, a longer one on its own page (作业进度) that polls until the
sandbox API answers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from services.console.refusals import Refusal, refusal
from services.console.runs import WAIT_SECONDS, Run, Runs
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page

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
    platform: NamedDependency[Platform], sandbox_id: str, ran: dict[str, Any] | None = None
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


def _runs(request: Request[Any, Any, Any]) -> Runs:
    runs: Runs = request.app.state.runs
    return runs


@get("/developer/workbench/{sandbox_id:str}")
async def workbench(
    request: Request[Any, Any, Any],
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    sandbox_id: FromPath[str],
    job: FromQuery[str] = "",
) -> Template:
    """The workbench, with this person's jobs still running here (each to its page)."""
    state = await _state(platform, sandbox_id)
    running = _runs(request).in_flight(who.user_id, sandbox_id)
    return page(
        "workbench/workbench.html",
        who,
        form={},
        refused=None,
        shown_job=job,
        running=running,
        **state,
    )


@get("/developer/workbench/{sandbox_id:str}/live")
async def workbench_live(
    who: NamedDependency[Session], platform: NamedDependency[Platform], sandbox_id: FromPath[str]
) -> Template:
    """The sandbox's state and job history alone, polled by htmx until settled."""
    state = await _state(platform, sandbox_id)
    return page("workbench/live.html", who, shown_job="", **state)


@post("/developer/workbench/{sandbox_id:str}/jobs", status_code=200)
async def submit_job(
    request: Request[Any, Any, Any],
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    sandbox_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    """Sent from the console's own task; a job not answered in ``WAIT_SECONDS`` is
    followed on its job page, so no request waits for a long job (nor times out)."""
    sql = data.get("sql", "")
    runs = _runs(request)
    run = runs.start(platform, sandbox_id, f"{API}/{quote(sandbox_id)}/jobs", sql)
    if not await runs.wait(run, WAIT_SECONDS):
        return Redirect(
            f"{BASE}/developer/workbench/{quote(sandbox_id)}/runs/{run.run_id}", status_code=303
        )
    return await _answered(who, platform, sandbox_id, run)


async def _answered(
    who: NamedDependency[Session], platform: NamedDependency[Platform], sandbox_id: str, run: Run
) -> Template:
    """The workbench with the job's answer: its first rows, or the refusal and its rule."""
    sql = run.sql
    answer = run.answer
    if answer is None:
        state = await _state(platform, sandbox_id)
        return page(
            "workbench/workbench.html",
            who,
            status=503,
            form={"sql": sql},
            refused=Refusal(run.failure or "作业未完成"),
            shown_job="",
            **state,
        )
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


def _running(
    who: NamedDependency[Session], sandbox_id: str, run: Run | None, template: str
) -> Template:
    if run is None:
        return page(
            template, who, status=404, run=None, sandbox_id=sandbox_id, refused=refusal(404, {})
        )
    return page(
        template,
        who,
        run=run,
        run_state=run.state(),
        seconds=run.seconds(datetime.now(UTC)),
        sandbox_id=sandbox_id,
        refused=None,
    )


@get("/developer/workbench/{sandbox_id:str}/runs/{run_id:str}")
async def job_run(
    request: Request[Any, Any, Any],
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    sandbox_id: FromPath[str],
    run_id: FromPath[str],
) -> Template:
    """作业进度: the job running (polled in place), then the workbench with its answer."""
    run = _runs(request).find(run_id, who.user_id, sandbox_id)
    if run is not None and run.finished:
        return await _answered(who, platform, sandbox_id, run)
    return _running(who, sandbox_id, run, "workbench/run.html")


@get("/developer/workbench/{sandbox_id:str}/runs/{run_id:str}/live")
async def job_run_live(
    request: Request[Any, Any, Any],
    who: NamedDependency[Session],
    sandbox_id: FromPath[str],
    run_id: FromPath[str],
) -> Response[Any] | Template:
    """The job's state alone, polled by htmx every second; once it has finished, htmx is
    told to load the job page again (``HX-Refresh``), which then shows the answer."""
    run = _runs(request).find(run_id, who.user_id, sandbox_id)
    if run is not None and run.finished:
        return Response("", headers={"HX-Refresh": "true"}, media_type="text/html")
    return _running(who, sandbox_id, run, "workbench/run_live.html")


ROUTES = [workbench, workbench_live, submit_job, job_run, job_run_live]
