"""A developer's long job (作业进度, issue 13 follow-up item 3): the console never runs a
job inside the person's request. The sandbox API answers a job only when it has
finished; a job not answered at once is followed on its own page, which polls until the
sandbox API's answer is in, then shows the workbench with the job's record and rows."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from typing import Any

import httpx
import pytest

from tests.unit.services.console.mock_platform import MockConsole, csrf

SANDBOX = "sbx-dev-g1"
BASE = f"/sandbox_broker/sandboxes/{SANDBOX}"
ANSWER = {
    "job_id": "j-long",
    "sandbox_id": SANDBOX,
    "status": "succeeded",
    "sql": "CREATE TABLE output_slow AS SELECT 1",
    "submitted_at": "2026-03-01T09:00:00Z",
    "output_table": "output_slow",
    "rows_out": 1,
    "duration_ms": 120000,
    "preview": [["C", "7"]],
    "columns": [["grade", "VARCHAR"], ["firms", "BIGINT"]],
    "reason": "",
    "rule": "",
}


class SlowSandbox:
    """The sandbox API, whose job answers only when the test lets it finish."""

    def __init__(self) -> None:
        self.finish = threading.Event()
        self.jobs_posted: list[Any] = []
        self.finished = False

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path == BASE + "/jobs":
            self.jobs_posted.append(json.loads(request.content))
            while not self.finish.is_set():
                await asyncio.sleep(0.01)
            self.finished = True
            return httpx.Response(201, json=ANSWER)
        if path == BASE:
            return httpx.Response(
                200,
                json={
                    "sandbox_id": SANDBOX,
                    "state": "ready",
                    "environment": "development",
                    "grant_id": "g1",
                    "columns": [],
                },
            )
        if path == BASE + "/jobs":
            return httpx.Response(200, json=[ANSWER] if self.finished else [])
        if path == BASE + "/outputs":
            rows = [{"name": "output_slow", "columns": [["grade", "VARCHAR"]], "rows": 1}]
            return httpx.Response(200, json=rows if self.finished else [])
        return httpx.Response(404, json={"status": 404})


def test_SBX_5_a_long_job_runs_outside_the_request_and_its_page_polls_until_answered(
    mock_console: MockConsole, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("services.console.api.workbench.WAIT_SECONDS", 0.05)
    sandbox = SlowSandbox()
    client = mock_console(sandbox, sub="dev.li", org="org-dev", role="developer")
    token = csrf(client, f"/developer/workbench/{SANDBOX}")
    sent = client.post(
        f"/developer/workbench/{SANDBOX}/jobs",
        data={"sql": ANSWER["sql"], "_csrf_token": token},
        follow_redirects=False,
    )
    # the request is answered while the job still runs: the person goes to its page
    assert sent.status_code == 303 and not sandbox.finished
    where = sent.headers["location"]
    assert re.fullmatch(rf"/console/developer/workbench/{SANDBOX}/runs/run-[0-9a-f]{{16}}", where)
    run_page = where.removeprefix("/console")
    running = client.get(run_page)
    assert running.status_code == 200
    assert 'id="run-state" data-state="running">运行中' in running.text
    assert f'hx-get="{where}/live" hx-trigger="every 1s"' in running.text
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in running.text
    assert ANSWER["sql"] in running.text
    live = client.get(run_page + "/live")
    assert live.text.lstrip().startswith('<div id="run"') and "<html" not in live.text
    # the workbench lists it as running, linked to its page, until it has finished
    listed = client.get(f"/developer/workbench/{SANDBOX}").text
    assert f'<a href="{where}">' in listed and 'id="running-jobs"' in listed
    # someone else cannot follow this person's job
    other = mock_console(sandbox, sub="dev.wang", org="org-dev", role="developer")
    assert other.get(run_page).status_code == 404

    sandbox.finish.set()
    for _ in range(500):  # until the console's own task has the answer
        polled = client.get(run_page + "/live")
        if polled.headers.get("hx-refresh") == "true":
            break
        threading.Event().wait(0.01)
    assert polled.headers.get("hx-refresh") == "true"  # htmx loads the job page again
    done = client.get(run_page)
    assert done.status_code == 200
    assert 'data-job="j-long" class="shown"' in done.text
    assert 'data-state="succeeded">已完成' in done.text
    assert "output_slow 的前几行" in done.text and "<td>C</td><td>7</td>" in done.text
    assert sandbox.jobs_posted == [{"sql": ANSWER["sql"]}]  # sent once, never again
    assert 'id="running-jobs"' not in client.get(f"/developer/workbench/{SANDBOX}").text


def test_SBX_5_a_quick_job_is_shown_at_once_on_the_workbench(
    mock_console: MockConsole,
) -> None:
    sandbox = SlowSandbox()
    sandbox.finish.set()
    client = mock_console(sandbox, sub="dev.li", org="org-dev", role="developer")
    token = csrf(client, f"/developer/workbench/{SANDBOX}")
    answer = client.post(
        f"/developer/workbench/{SANDBOX}/jobs",
        data={"sql": ANSWER["sql"], "_csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 200
    assert 'data-job="j-long" class="shown"' in answer.text
    assert "2026-03-01 17:00" in answer.text  # submitted at, in Beijing time
