"""``SandboxService``: resource schemas, provisioning, closing and deletion, suspension,
narrowing, log retention, jobs — the sandboxes' part of the service layer.

Every change of a sandbox is one write of its document with the events it causes (the
outbox) at the version read, retried on a concurrent write, and one audit entry. Work on
the data itself goes through ``SandboxBroker`` and the ``JobExecutor`` port, whose
operations are idempotent, so an event redelivered after a crash repeats nothing that
was recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from contracts.envelope import SYSTEM_ACTOR, Actor, Envelope, to_builtins
from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import (
    Event,
    GrantIssued,
    ResourceChanged,
    ResourceNegativeListed,
    ResourceRegistered,
    ResourceWithdrawn,
    SandboxClosed,
    SandboxNarrowed,
    SandboxReady,
    SandboxReinstated,
    SandboxSuspended,
)
from libs import aggregate
from libs.auth.confidentiality import confidentiality_of
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument
from services.sandbox_broker.commands.broker import JobResult, SandboxBroker
from services.sandbox_broker.domain.job import Caller
from services.sandbox_broker.domain.plan import (
    TABLE_NAME,
    Environment,
    ResourceSchema,
    plan_sandbox,
    sandbox_id_for,
    source_key,
)
from services.sandbox_broker.domain.retention import check_purgeable, retained_until
from services.sandbox_broker.domain.sandbox import SandboxEvent, SandboxState
from services.sandbox_broker.ports import JobExecutor, JobLog, SourceTable, SqlGuard
from services.sandbox_broker.repository import (
    IMPORTS,
    JOBS,
    SANDBOXES,
    SCHEMAS,
    items_to_doc,
    plan_to_doc,
    sandbox_from_doc,
    schema_from_doc,
)

log = logging.getLogger(__name__)

LIVE = (
    SandboxState.PROVISIONING.value,
    SandboxState.READY.value,
    SandboxState.SUSPENDED.value,
    SandboxState.FAILED.value,
)
OVERSEERS = frozenset({"operator", "bureau", "supervisor"})
"""Roles that see every sandbox and every job record (有记录、可审查, SBX-5)."""


class _Unchanged(Exception):
    """A decision that changes nothing: no write, no audit entry."""


class ExecutorUnavailable(DomainError):
    kind = "conflict"


class SandboxService:
    """The service layer's core: the sandboxes of this process, their executor (through
    the ``JobExecutor`` port), the SQL guard and the job log. ``Imports``, ``ExportStager``
    and ``Verifications`` work through it."""

    def __init__(
        self,
        ctx: ServiceContext,
        executor: JobExecutor | None,
        guard: SqlGuard,
        job_log: JobLog,
        *,
        source_map: dict[str, SourceTable],
        executor_problem: str = "",
    ) -> None:
        self.ctx = ctx
        self._executor = executor
        self.executor_problem = executor_problem
        self.source_map = dict(source_map)
        self.guard = guard
        self.sources_ready = asyncio.Event()
        self.background: asyncio.Task[None] | None = None
        self.on_sandbox_closed: list[Callable[[str], None]] = []
        self._broker = (
            SandboxBroker(executor, guard, ctx.secrets, ctx.clock, job_log)
            if executor is not None
            else None
        )

    def _unavailable(self) -> ExecutorUnavailable:
        return ExecutorUnavailable(
            f"the sandbox executor is not available on this host: {self.executor_problem}",
            rule="SBX-2",
        )

    @property
    def broker(self) -> SandboxBroker:
        if self._broker is None:
            raise self._unavailable()
        return self._broker

    @property
    def executor(self) -> JobExecutor:
        """The executor; refused (SBX-2) on a host where it could not start."""
        if self._executor is None:
            raise self._unavailable()
        return self._executor

    def close(self) -> None:
        self.guard.close()

    # -- resource schemas (from catalog events) -----------------------------------------------

    def _table_for(self, resource_id: str, key: str) -> str:
        """The table a resource has inside a sandbox: its source table's name when mapped
        and plain, else one derived from the resource id."""
        found = self.source_map.get(key)
        if (
            found is not None
            and TABLE_NAME.match(found.table)
            and not found.table.startswith("output_")
        ):
            return found.table
        return "res_" + re.sub(r"[^a-z0-9]", "", resource_id.lower())[:24]

    async def keep_schema(
        self,
        event: ResourceRegistered | ResourceChanged | ResourceNegativeListed | ResourceWithdrawn,
    ) -> None:
        """Keep a resource's schema as catalog publishes it: items, grades, negative list,
        withdrawal (what may be mounted, REQ-5, CAT-2)."""
        store = self.ctx.store
        if isinstance(event, ResourceRegistered | ResourceChanged):
            key = source_key(event.provider_org_id, event.name)
            withheld = list(getattr(event, "withheld_items", []))

            def registered(doc: Document | None) -> Document:
                base = doc or {"negative_listed": False, "withdrawn": False}
                return {
                    **base,
                    "provider_org_id": event.provider_org_id,
                    "name": event.name,
                    "source_key": key,
                    "table": self._table_for(event.resource_id, key),
                    "items": items_to_doc(event.items),
                    "withheld": sorted(set(withheld) | set(base.get("withheld", []))),
                }

            await aggregate.project(store, SCHEMAS, event.resource_id, registered)
        elif isinstance(event, ResourceNegativeListed):

            def listed(doc: Document | None) -> Document:
                if doc is None:
                    raise NotFound(f"resource {event.resource_id} is not known yet")
                if event.item_name is None:
                    return {**doc, "negative_listed": True}
                return {**doc, "withheld": sorted({*doc.get("withheld", []), event.item_name})}

            if await store.get(SCHEMAS, event.resource_id) is not None:
                await aggregate.project(store, SCHEMAS, event.resource_id, listed)
        elif (
            isinstance(event, ResourceWithdrawn)
            and await store.get(SCHEMAS, event.resource_id) is not None
        ):
            await aggregate.project(
                store, SCHEMAS, event.resource_id, lambda d: {**(d or {}), "withdrawn": True}
            )

    async def schemas_of(self, grant: GrantIssued) -> dict[str, ResourceSchema]:
        """The schemas of the grant's resources; withdrawn ones are unknown (REQ-5)."""
        found: dict[str, ResourceSchema] = {}
        for granted in grant.resources:
            doc = await self.ctx.store.get(SCHEMAS, granted.resource_id)
            if doc is not None and not doc.get("withdrawn"):
                found[granted.resource_id] = schema_from_doc(doc)
                source = self.source_map.get(str(doc.get("source_key", "")))
                if source is not None and self._executor is not None:
                    self._executor.add_source(granted.resource_id, source)
        return found

    # -- sandboxes --------------------------------------------------------------------------------

    async def get(self, sandbox_id: str) -> Document:
        doc = await self.ctx.store.get(SANDBOXES, sandbox_id)
        if doc is None:
            raise NotFound(f"there is no sandbox {sandbox_id}")
        return doc

    async def readable(self, principal: Principal, sandbox_id: str) -> Document:
        """A developer sees its own sandboxes only (SBX-2); overseers see all."""
        doc = await self.get(sandbox_id)
        if principal.role.value not in OVERSEERS and doc["developer_org_id"] != principal.org_id:
            raise Forbidden(f"sandbox {sandbox_id} belongs to another organization", rule="SBX-2")
        return doc

    async def listed(self, principal: Principal) -> list[Document]:
        where = (
            None if principal.role.value in OVERSEERS else {"developer_org_id": principal.org_id}
        )
        return await self.ctx.store.find(SANDBOXES, where, sort=[("_id", 1)])

    async def job_records(self, principal: Principal, sandbox_id: str) -> list[Document]:
        """The sandbox's job records in submission order (SBX-5), for those who may read
        the sandbox; a record purged after its retention (AUTH-7) is a tombstone, not a job."""
        await self.readable(principal, sandbox_id)
        docs = await self.ctx.store.find(
            JOBS, {"sandbox_id": sandbox_id}, sort=[("submitted_at", 1)]
        )
        return [d for d in docs if not d.get("purged_at")]

    async def outputs(self, principal: Principal, sandbox_id: str) -> list[Document]:
        """The latest job record writing each output still inside the sandbox, by output
        name (names, columns and row counts are shown, never contents: 可用不可见)."""
        await self.readable(principal, sandbox_id)
        docs = await self.ctx.store.find(
            JOBS, {"sandbox_id": sandbox_id, "status": "succeeded"}, sort=[("finished_at", 1)]
        )
        latest = {d["output_table"]: d for d in docs if d["output_table"]}
        return [latest[name] for name in sorted(latest)]

    async def _update(
        self,
        sandbox_id: str,
        decide: Callable[[Document], tuple[Document, list[Event]] | None],
        *,
        actor: Actor,
        action: str,
        cause: Envelope | None = None,
    ) -> Document | None:
        """Through ``libs.aggregate``: read, decide, write state and events at the version
        read (retried), audit. ``decide`` returns ``None`` when there is nothing to change:
        then nothing is written or audited and ``None`` is returned."""

        def decided(doc: Document | None) -> tuple[Document, list[Event]]:
            if doc is None:
                raise NotFound(f"there is no sandbox {sandbox_id}")
            outcome = decide(doc)
            if outcome is None:
                raise _Unchanged
            return outcome

        try:
            return await aggregate.upsert(
                self.ctx,
                SANDBOXES,
                sandbox_id,
                decided,
                actor=actor,
                action=action,
                detail=lambda saved: {
                    "state": saved["state"],
                    "reason": saved.get("closed_reason") or saved.get("failure_reason", ""),
                },
                causation=cause,
            )
        except _Unchanged:
            return None

    async def provision_grant(self, grant: GrantIssued, cause: Envelope) -> None:
        """A grant was issued: its development and production sandboxes (DESIGN §8), one
        after the other in the caller's task. The service itself records them and lets
        ``ProvisioningWorker`` fill them a few at a time (``commands/provisioning.py``)."""
        await self.record_grant(grant, cause)
        for environment in (Environment.DEVELOPMENT, Environment.PRODUCTION):
            await self.provision_one(grant, environment, cause)

    async def record_grant(self, grant: GrantIssued, cause: Envelope) -> None:
        """The grant's two sandboxes recorded as ``provisioning`` (shown at once), each
        keeping the grant's envelope so provisioning resumes after a restart."""
        for environment in (Environment.DEVELOPMENT, Environment.PRODUCTION):
            new: Document = {
                **self._new_doc(grant, environment),
                "grant_envelope": to_builtins(cause),
            }

            def first(doc: Document | None, new: Document = new) -> Document | None:
                return new if doc is None else None  # recorded before: kept as it is

            await aggregate.project(self.ctx.store, SANDBOXES, str(new["_id"]), first)

    async def provision_one(
        self, grant: GrantIssued, environment: Environment, cause: Envelope
    ) -> None:
        """Fill one recorded sandbox of the grant (idempotent)."""
        await self._provision(grant, environment, cause)

    def _new_doc(self, grant: GrantIssued, environment: Environment) -> Document:
        return {
            "_id": sandbox_id_for(grant.grant_id, environment),
            "grant_id": grant.grant_id,
            "developer_org_id": grant.developer_org_id,
            "operator_org_id": grant.operator_org_id,
            "scenario_id": grant.scenario_id,
            "environment": environment.value,
            "valid_from": grant.valid_from.isoformat(),
            "valid_until": grant.valid_until.isoformat(),
            "state": SandboxState.PROVISIONING.value,
            "closed_reason": "",
            "failure_reason": "",
            "failure_rule": "",
            "plan_digest": "",
            "mounts": [],
            "tables": {},
            "data_sha256": "",
            "created_at": self.ctx.clock.now().isoformat(),
        }

    async def _provision(
        self, grant: GrantIssued, environment: Environment, cause: Envelope
    ) -> None:
        store = self.ctx.store
        sandbox_id = sandbox_id_for(grant.grant_id, environment)
        existing = await store.get(SANDBOXES, sandbox_id)
        if existing is not None and existing["state"] != SandboxState.PROVISIONING.value:
            return  # provisioned (or failed, or closed) before: a redelivery does nothing
        if existing is None:
            with contextlib.suppress(DuplicateDocument):  # a concurrent delivery inserted it
                await store.insert(SANDBOXES, self._new_doc(grant, environment))
        try:
            plan = plan_sandbox(grant, await self.schemas_of(grant), environment)
        except DomainError as exc:
            await self._failed(sandbox_id, exc.detail, exc.rule or "", cause)
            return
        if environment is Environment.PRODUCTION:
            await self.sources_ready.wait()  # the demo source may still be generating
        try:
            sandbox, provisioned, why = await self.broker.provision(plan)
        except Conflict:
            return  # closed while provisioning (SBX-7): the close already recorded it
        except DomainError as exc:
            await self._failed(sandbox_id, exc.detail, exc.rule or "", cause)
            return
        if provisioned is None:
            await self._failed(sandbox_id, why, "SBX-1", cause)
            return

        def ready(doc: Document) -> tuple[Document, list[Event]] | None:
            if doc["state"] != SandboxState.PROVISIONING.value:
                return None
            new = {
                **doc,
                "state": sandbox.state.value,
                "plan_digest": provisioned.plan_digest,
                "mounts": plan_to_doc(plan),
                "tables": dict(provisioned.tables),
                "data_sha256": provisioned.data_sha256,
                "isolation": provisioned.isolation,
            }
            event = SandboxReady(
                sandbox_id=sandbox_id,
                grant_id=grant.grant_id,
                developer_org_id=grant.developer_org_id,
                environment=environment.value,
            )
            return new, [event]

        await self._update(
            sandbox_id, ready, actor=SYSTEM_ACTOR, action="sandbox.provision", cause=cause
        )

    async def _failed(self, sandbox_id: str, reason: str, rule: str, cause: Envelope) -> None:
        log.warning(
            "sandbox provisioning failed", extra={"sandbox_id": sandbox_id, "reason": reason}
        )

        def failed(doc: Document) -> tuple[Document, list[Event]] | None:
            if doc["state"] != SandboxState.PROVISIONING.value:
                return None
            return {
                **doc,
                "state": SandboxState.FAILED.value,
                "failure_reason": reason,
                "failure_rule": rule,
            }, []

        await self._update(
            sandbox_id, failed, actor=SYSTEM_ACTOR, action="sandbox.provision_failed", cause=cause
        )

    async def close_sandbox(
        self,
        sandbox_id: str,
        reason: str,
        *,
        delete: bool = False,
        actor: Actor = SYSTEM_ACTOR,
        cause: Envelope | None = None,
    ) -> None:
        """Close at once, running jobs killed (SBX-7, AUTH-7); with ``delete`` (exit) also
        delete the data and record the deletion with its evidence hash."""
        doc = await self.ctx.store.get(SANDBOXES, sandbox_id)
        if doc is None or doc["state"] == SandboxState.DELETED.value:
            return
        if doc["state"] == SandboxState.CLOSED.value and not delete:
            return
        sandbox = sandbox_from_doc(doc)
        for forget in self.on_sandbox_closed:
            forget(sandbox_id)
        if sandbox.state is not SandboxState.CLOSED:
            sandbox = await self.broker.close(sandbox, reason)
        deletion: dict[str, Any] | None = None
        deleted_event: Event | None = None
        if delete:
            sandbox, record = await self.broker.delete(sandbox, reason)
            deleted_event = record.deleted_event()
            deletion = {**record.evidence(), "evidence_hash": record.evidence_hash}

        def decide(current: Document) -> tuple[Document, list[Event]] | None:
            events: list[Event] = []
            new = dict(current)
            if current["state"] not in (SandboxState.CLOSED.value, SandboxState.DELETED.value):
                events.append(
                    SandboxClosed(sandbox_id=sandbox_id, grant_id=sandbox.grant_id, reason=reason)
                )
                new.update(state=SandboxState.CLOSED.value, closed_reason=reason)
            if deleted_event is not None and current["state"] != SandboxState.DELETED.value:
                events.append(deleted_event)
                new.update(state=SandboxState.DELETED.value, deletion=deletion)
            return (new, events) if events else None

        await self._update(
            sandbox_id,
            decide,
            actor=actor,
            action="sandbox.delete" if delete else "sandbox.close",
            cause=cause,
        )

    async def close_grant(
        self, grant_id: str, reason: str, *, delete: bool, cause: Envelope | None = None
    ) -> None:
        for environment in Environment:
            await self.close_sandbox(
                sandbox_id_for(grant_id, environment), reason, delete=delete, cause=cause
            )

    async def close_operator(
        self, operator_org_id: str, reason: str, *, delete: bool, cause: Envelope
    ) -> int:
        """Every sandbox under grants of this operator's agreement (AUTH-7). On exit
        (``delete``) the retention of their logs starts, counted from the exit."""
        docs = await self.ctx.store.find(SANDBOXES, {"operator_org_id": operator_org_id})
        for doc in docs:
            await self.close_sandbox(doc["_id"], reason, delete=delete, cause=cause)
        if delete:
            await self.start_log_retention(operator_org_id, exit_at=cause.occurred_at)
        return len(docs)

    async def start_log_retention(self, operator_org_id: str, *, exit_at: datetime) -> int:
        """AUTH-7: the operator's authorization ended at ``exit_at``; every log of its
        sandboxes — the sandbox record, job records with their stderr, import decisions —
        is kept six calendar months from then (``retention.retained_until``). A sandbox
        whose retention already started (an earlier exit) keeps its date."""
        until = retained_until(exit_at).isoformat()
        started = 0
        for doc in await self.ctx.store.find(SANDBOXES, {"operator_org_id": operator_org_id}):
            if doc.get("retain_logs_until"):
                continue
            sandbox_id = doc["_id"]

            def decide(current: Document) -> tuple[Document, list[Event]] | None:
                if current.get("retain_logs_until"):
                    return None
                return {
                    **current,
                    "exit_at": exit_at.isoformat(),
                    "retain_logs_until": until,
                }, []

            await self._update(
                sandbox_id, decide, actor=SYSTEM_ACTOR, action="logs.retain", cause=None
            )
            for collection in (JOBS, IMPORTS):
                for record in await self.ctx.store.find(collection, {"sandbox_id": sandbox_id}):
                    if not record.get("retain_until"):
                        await aggregate.project(
                            self.ctx.store,
                            collection,
                            record["_id"],
                            lambda d: {**(d or {}), "retain_until": until},
                        )
            started += 1
        return started

    async def purge_logs(self, sandbox_id: str, actor: Actor = SYSTEM_ACTOR) -> dict[str, int]:
        """AUTH-7: after the retention, purge the logs of one deleted sandbox — its job
        records, import decisions and the executor's record on disk; the audit chain is
        never purged. Refused (and nothing removed) before the retention ends, or while
        the authorization lives."""
        doc = await self.get(sandbox_id)
        until = doc.get("retain_logs_until") or ""
        check_purgeable(
            f"sandbox {sandbox_id}",
            retain_until=datetime.fromisoformat(until) if until else None,
            now=self.ctx.clock.now(),
        )
        if doc["state"] != SandboxState.DELETED.value:
            raise Conflict(
                f"sandbox {sandbox_id} is {doc['state']}; its data is deleted before its logs",
                rule="AUTH-7",
            )
        removed: dict[str, int] = {}
        now = self.ctx.clock.now().isoformat()
        for collection in (JOBS, IMPORTS):
            records = await self.ctx.store.find(collection, {"sandbox_id": sandbox_id})
            for record in records:
                if record.get("purged_at"):
                    continue
                # the store port has no delete: the record's content goes, a tombstone
                # saying when it was purged stays (with any event still to be relayed)
                await aggregate.project(
                    self.ctx.store,
                    collection,
                    record["_id"],
                    lambda d: aggregate.keep_pending(
                        {"sandbox_id": sandbox_id, "purged_at": now}, d
                    ),
                )
            removed[collection] = len(records)
        if self._executor is not None:
            removed["executor_record"] = int(await self._executor.purge_record(sandbox_id))

        def purged(current: Document) -> tuple[Document, list[Event]] | None:
            return {**current, "logs_purged_at": now, "logs_purged": removed}, []

        await self._update(sandbox_id, purged, actor=actor, action="logs.purge")
        return removed

    async def purge_due_logs(self, actor: Actor = SYSTEM_ACTOR) -> list[str]:
        """Purge the logs of every deleted sandbox whose retention has ended (AUTH-7)."""
        now = self.ctx.clock.now()
        purged: list[str] = []
        where = {"state": SandboxState.DELETED.value}
        for doc in await self.ctx.store.find(SANDBOXES, where):
            until = doc.get("retain_logs_until") or ""
            if doc.get("logs_purged_at") or not until:
                continue
            if now >= datetime.fromisoformat(until):
                await self.purge_logs(doc["_id"], actor)
                purged.append(doc["_id"])
        return purged

    async def suspend_operator(
        self, operator_org_id: str, reason: str, *, cause: Envelope
    ) -> list[str]:
        """AUTH-6 (暂时关闭): every ready sandbox under this operator's grants is suspended —
        running jobs stopped, nothing admitted, the data kept for reinstatement."""
        suspended: list[str] = []
        docs = await self.ctx.store.find(
            SANDBOXES,
            {"operator_org_id": operator_org_id, "state": SandboxState.READY.value},
        )
        for doc in docs:
            sandbox_id = doc["_id"]
            for forget in self.on_sandbox_closed:
                forget(sandbox_id)
            stopped = await self.executor.suspend(sandbox_id)

            def decide(
                current: Document, stopped: int = stopped
            ) -> tuple[Document, list[Event]] | None:
                if current["state"] != SandboxState.READY.value:
                    return None
                after = sandbox_from_doc(current).evolve(SandboxEvent.SUSPENDED, reason=reason)
                new = {**current, "state": after.state.value, "suspended_reason": reason}
                event = SandboxSuspended(
                    sandbox_id=current["_id"],
                    grant_id=current["grant_id"],
                    reason=reason,
                    jobs_stopped=stopped,
                )
                return new, [event]

            if await self._update(
                sandbox_id, decide, actor=SYSTEM_ACTOR, action="sandbox.suspend", cause=cause
            ):
                suspended.append(sandbox_id)
        return suspended

    async def reinstate_operator(
        self, operator_org_id: str, reason: str, *, cause: Envelope
    ) -> list[str]:
        """AUTH-6: the correction accepted, every suspended sandbox of this operator's
        grants is ready again as it was (same data, same outputs)."""
        reinstated: list[str] = []
        docs = await self.ctx.store.find(
            SANDBOXES,
            {"operator_org_id": operator_org_id, "state": SandboxState.SUSPENDED.value},
        )
        for doc in docs:
            sandbox_id = doc["_id"]
            await self.executor.reinstate(sandbox_id)

            def decide(current: Document) -> tuple[Document, list[Event]] | None:
                if current["state"] != SandboxState.SUSPENDED.value:
                    return None
                after = sandbox_from_doc(current).evolve(SandboxEvent.REINSTATED)
                new = {**current, "state": after.state.value, "suspended_reason": ""}
                event = SandboxReinstated(
                    sandbox_id=current["_id"], grant_id=current["grant_id"], reason=reason
                )
                return new, [event]

            if await self._update(
                sandbox_id, decide, actor=SYSTEM_ACTOR, action="sandbox.reinstate", cause=cause
            ):
                reinstated.append(sandbox_id)
        return reinstated

    async def narrow_resource(
        self, resource_id: str, items: frozenset[str] | None, reason: str, *, cause: Envelope
    ) -> list[str]:
        """CAT-2: what left the operation catalog (``items`` of ``resource_id``, or all of
        it when ``None``) leaves every sandbox it is mounted in: running jobs stopped, the
        columns or the table removed from the granted data, the mount updated, and the
        reason recorded (``sandbox.narrowed``). A sandbox left with no mount is closed."""
        narrowed: list[str] = []
        live = [SandboxState.READY.value, SandboxState.SUSPENDED.value]
        for doc in await self.ctx.store.find(SANDBOXES, {"state": {"$in": live}}):
            mounts = [m for m in doc.get("mounts", []) if m.get("resource_id") == resource_id]
            if not mounts:
                continue
            mount = mounts[0]
            mounted = [str(c["name"]) for c in mount.get("columns", [])]
            gone = [c for c in mounted if items is None or c in items]
            if not gone:
                continue
            whole = len(gone) == len(mounted)
            sandbox_id = doc["_id"]
            table = str(mount["table"])
            stopped = await self.executor.unmount(
                sandbox_id, table, None if whole else frozenset(gone)
            )

            def decide(
                current: Document,
                gone: list[str] = gone,
                whole: bool = whole,
                stopped: int = stopped,
                table: str = table,
            ) -> tuple[Document, list[Event]] | None:
                mounts_now = []
                changed = False
                for m in current.get("mounts", []):
                    if m.get("resource_id") != resource_id:
                        mounts_now.append(m)
                        continue
                    changed = True
                    if whole:
                        continue
                    kept = [c for c in m.get("columns", []) if c["name"] not in gone]
                    mounts_now.append({**m, "columns": kept})
                if not changed:
                    return None
                tables = dict(current.get("tables", {}))
                if whole:
                    tables.pop(table, None)
                line = f"{resource_id}: {', '.join(gone)} — {reason}"
                new = {
                    **current,
                    "mounts": mounts_now,
                    "tables": tables,
                    "narrowings": [*current.get("narrowings", []), line],
                }
                event = SandboxNarrowed(
                    sandbox_id=current["_id"],
                    grant_id=current["grant_id"],
                    resource_id=resource_id,
                    items=gone,
                    whole=whole,
                    reason=reason,
                    jobs_stopped=stopped,
                )
                return new, [event]

            saved = await self._update(
                sandbox_id, decide, actor=SYSTEM_ACTOR, action="sandbox.narrow", cause=cause
            )
            if saved is not None:
                narrowed.append(sandbox_id)
                if not saved.get("mounts"):
                    await self.close_sandbox(
                        sandbox_id, f"no granted data remains: {reason}", cause=cause
                    )
        return narrowed

    async def sweep_expired(self, actor: Actor = SYSTEM_ACTOR) -> list[str]:
        """Close every live sandbox whose grant has expired (SBX-7)."""
        now = self.ctx.clock.now()
        closed: list[str] = []
        for doc in await self.ctx.store.find(SANDBOXES, {"state": {"$in": list(LIVE)}}):
            sandbox = sandbox_from_doc(doc)
            if now >= sandbox.valid_until:
                reason = f"the grant expired at {sandbox.valid_until.isoformat()}"
                await self.close_sandbox(sandbox.sandbox_id, reason, actor=actor)
                closed.append(sandbox.sandbox_id)
        return closed

    # -- jobs -------------------------------------------------------------------------------------

    async def submit_job(self, principal: Principal, sandbox_id: str, sql: str) -> JobResult:
        """Admit, guard, run and record (SEC-4, SBX-1, SBX-2, SBX-5, SBX-7). A job refused
        by admission (``domain.admission``: a person without a current confidentiality
        agreement, another organization's sandbox, a closed,
        suspended or unready one, a grant not yet valid or expired) is recorded, then
        answered with the same error as an import or an export refused for that reason."""
        sandbox = sandbox_from_doc(await self.get(sandbox_id))
        caller = Caller(
            org_id=principal.org_id, user_id=principal.user_id, role=principal.role.value
        )
        result = await self.broker.submit_job(
            sandbox, caller, sql, confidentiality=confidentiality_of(principal)
        )
        if result.refusal is not None:
            raise result.refusal.error()
        return result
