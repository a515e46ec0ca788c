"""A developer's job (作业) as the console runs it: never inside the person's request.

The sandbox API answers a job only when it has finished (``POST …/jobs`` is the whole
run), so the console sends it from a task of its own (``Runs.start``) and the person's
request waits at most ``WAIT_SECONDS``: a quick job is shown at once on the workbench,
as before; a longer one sends the person to its job page (作业进度), which polls (htmx,
or a ``<noscript>`` meta refresh) until the sandbox API's answer is in. The answer is
the job record the sandbox API keeps (SBX-5), with the first rows of a development
job, which only the answer carries.

A run belongs to the person who started it (their user id and sandbox); finished runs
are kept for ``KEEP`` runs, then forgotten — the job record stays in the sandbox API.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from services.console.platform_client import Answer
from services.console.web import Platform

WAIT_SECONDS = 2.0
"""How long a job's request waits for a quick answer before the job page takes over."""
JOB_TIMEOUT_SECONDS = 6 * 3600.0
"""The console's own call waits this long for the sandbox API (its job limits end a job
far sooner, SBX-2); the person's request never waits for it."""
KEEP = 500


@dataclass(slots=True)
class Run:
    """One job sent to the sandbox API from the console (作业进度)."""

    run_id: str
    sandbox_id: str
    user_id: str
    sql: str
    started_at: datetime
    task: asyncio.Task[Answer] = field(repr=False)
    finished_at: datetime | None = None

    @property
    def finished(self) -> bool:
        return self.task.done()

    @property
    def answer(self) -> Answer | None:
        if not self.task.done() or self.task.cancelled() or self.task.exception() is not None:
            return None
        return self.task.result()

    @property
    def failure(self) -> str:
        """Why the console got no answer (the platform unreachable), else empty."""
        if not self.task.done():
            return ""
        if self.task.cancelled():
            return "作业请求已取消"
        error = self.task.exception()
        return f"平台未答复：{type(error).__name__}" if error is not None else ""

    def state(self) -> str:
        """``running`` until the sandbox API answers, then the job record's own status."""
        if not self.finished:
            return "running"
        answer = self.answer
        if answer is None:
            return "failed"
        if answer.ok and isinstance(answer.body, dict):
            return str(answer.body.get("status", "succeeded"))
        return "refused"

    def seconds(self, now: datetime) -> int:
        return int(((self.finished_at or now) - self.started_at).total_seconds())


class Runs:
    """The console's jobs in flight and lately finished, by run id."""

    def __init__(self) -> None:
        self._runs: OrderedDict[str, Run] = OrderedDict()

    def start(self, platform: Platform, sandbox_id: str, path: str, sql: str) -> Run:
        """Send the job now, from a task of the console's own (not the request's)."""
        run_id = "run-" + secrets.token_hex(8)
        task = asyncio.get_running_loop().create_task(
            platform.call("POST", path, json={"sql": sql}, limit_seconds=JOB_TIMEOUT_SECONDS)
        )
        run = Run(run_id, sandbox_id, platform.who.user_id, sql, datetime.now(UTC), task)
        task.add_done_callback(lambda _: self._finished(run))
        self._runs[run_id] = run
        self._forget_old()
        return run

    def _finished(self, run: Run) -> None:
        run.finished_at = datetime.now(UTC)
        if not run.task.cancelled():
            run.task.exception()  # retrieved: a failed call is shown, never logged as lost

    def _forget_old(self) -> None:
        while len(self._runs) > KEEP:
            oldest = next(iter(self._runs))
            if not self._runs[oldest].finished:
                break
            del self._runs[oldest]

    def find(self, run_id: str, user_id: str, sandbox_id: str) -> Run | None:
        """The run, for the person who started it only."""
        run = self._runs.get(run_id)
        if run is None or run.user_id != user_id or run.sandbox_id != sandbox_id:
            return None
        return run

    def in_flight(self, user_id: str, sandbox_id: str) -> list[Run]:
        return [
            r
            for r in self._runs.values()
            if r.user_id == user_id and r.sandbox_id == sandbox_id and not r.finished
        ]

    async def wait(self, run: Run, seconds: float) -> bool:
        """Wait up to ``seconds`` for the answer; ``True`` when it is in."""
        if run.finished:
            return True
        done, _ = await asyncio.wait({run.task}, timeout=seconds)
        return bool(done)

    def close(self) -> None:
        for run in self._runs.values():
            if not run.finished:
                run.task.cancel()


def record_of(run: Run) -> dict[str, Any]:
    """The job record the sandbox API answered, or an empty one while it runs."""
    answer = run.answer
    return answer.body if answer is not None and isinstance(answer.body, dict) else {}
