"""``StoreJobLog``: the ``JobLog`` port on the service's own store (SBX-5).

Each job record is one document written together with its events — ``job.finished`` and,
for a job that ran, ``usage.metered`` for compute (``compute_ms``) and rows read
(``rows``), billed to the developer under the grant's scenario — and appended to the
audit chain. Idempotent by job id. Records are kept while the authorization lives and
six calendar months after its exit (AUTH-7, ``domain.retention``).
"""

from __future__ import annotations

from contracts.envelope import Actor, Role
from contracts.events import Event, UsageMetered
from libs import aggregate
from libs.service import ServiceContext
from services.sandbox_broker.domain.job import JobRecord, JobStatus
from services.sandbox_broker.repository import JOBS, SANDBOXES, job_to_doc


def caller_actor(record: JobRecord) -> Actor:
    try:
        role = Role(record.caller.role)
    except ValueError:
        role = Role.DEVELOPER
    return Actor(org_id=record.caller.org_id, user_id=record.caller.user_id, role=role)


class StoreJobLog:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    async def record(self, record: JobRecord) -> None:
        ctx = self._ctx
        sandbox = await ctx.store.get(SANDBOXES, record.sandbox_id)
        scenario_id = str(sandbox.get("scenario_id", "")) if sandbox else ""
        actor = caller_actor(record)
        events: list[Event] = [record.finished_event()]
        if record.status is not JobStatus.REFUSED and sandbox is not None:
            # Only the owner's jobs run, so the customer is the developer; ``row`` is the
            # data-volume unit billing prices (BIL-2); compute time is metered, not priced.
            for unit, quantity in (
                ("compute_ms", record.duration_ms),
                ("row", record.rows_touched),
            ):
                events.append(
                    UsageMetered(
                        usage_id=f"{record.job_id}:{unit}",
                        customer_org_id=record.caller.org_id,
                        unit=unit,
                        quantity=quantity,
                        scenario_id=scenario_id,
                    )
                )
        if await ctx.store.get(JOBS, record.job_id) is not None:
            return  # recorded before: idempotent by job id
        doc = job_to_doc(
            record,
            scenario_id=scenario_id,
            retain_until=str((sandbox or {}).get("retain_logs_until", "")),
        )
        # published under the sandbox, so one sandbox's events keep their order
        staged = [(record.sandbox_id, e) for e in events]
        await aggregate.save(ctx, JOBS, doc, staged, actor=actor, previous=None)
        await aggregate.audit(
            ctx, actor, "job." + record.status.value, record.sandbox_id, record.audit_detail()
        )
