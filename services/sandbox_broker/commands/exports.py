"""Export staging (出域暂存): on ``export.requested`` the broker reads the output inside the
production sandbox and hands it to product-release's disclosure checks (EXP-2) as
``export.staged`` — or says why it cannot as ``export.unavailable`` (SBX-1, SBX-2, SBX-6).

Only the requesting developer's own ready production sandbox, within its grant's validity,
is read (admitted as a job would be, ``domain.admission``); a verification
export (核验) is staged as the distribution of its answers only, never its rows; a
per-unit export (``contracts.per_unit``) is aggregated here, per contributing unit, with
the hidden summaries the checks rely on (EXP-2). One
document per export request keeps what was staged (digest and size, not the rows) and
is written before the event is published; a redelivered request stages nothing twice.
"""

from __future__ import annotations

import logging
import uuid

from contracts.confidentiality import Confidentiality
from contracts.envelope import SYSTEM_ACTOR, Envelope, new_envelope, new_event_id, to_builtins
from contracts.errors import DomainError, Forbidden, NotFound
from contracts.events import (
    ExportRequested,
    ExportStaged,
    ExportUnavailable,
    StagedColumn,
    StagedItem,
)
from libs import aggregate
from libs.outbox import to_message
from libs.store.port import Document, StoreUnavailable
from services.sandbox_broker.commands.sandboxes import SandboxService
from services.sandbox_broker.domain.admission import Purpose, admit
from services.sandbox_broker.domain.per_unit import per_unit_read
from services.sandbox_broker.domain.sql_policy import OUTPUT_TABLE
from services.sandbox_broker.domain.staging import (
    KINDS,
    MAX_STAGED_ROWS,
    check_bounds,
    content_sha256,
    plain_rows,
)
from services.sandbox_broker.repository import EXPORTS, SANDBOXES, sandbox_from_doc

log = logging.getLogger(__name__)


class ExportStager:
    def __init__(self, service: SandboxService) -> None:
        self.service = service
        self.ctx = service.ctx

    async def stage(self, request: ExportRequested, cause: Envelope) -> None:
        """Answer ``export.requested`` with ``export.staged`` or ``export.unavailable``."""
        existing = await self.ctx.store.get(EXPORTS, request.export_id)
        if existing is not None and existing.get("published"):
            return
        event: ExportStaged | ExportUnavailable
        try:
            event = await self._staged(request)
        except StoreUnavailable:
            raise
        except DomainError as exc:
            event = self._unavailable(request, exc.detail, exc.rule or "")
        except Exception as exc:  # any other failure still answers the request
            log.exception("export staging failed", extra={"export_id": request.export_id})
            event = self._unavailable(request, f"the output could not be read: {exc}", "SBX-1")
        doc = existing or await self._record(request, event)
        # Staged rows are arrays inside an array, which the store does not keep (FerretDB),
        # so this event is not staged in the outbox: the record above is written first,
        # then the event is published under the event id it names and the record marked.
        # A crash in between republishes the same event id, which consumers drop.
        wrapped = new_envelope(
            event,
            region=self.ctx.region,
            actor=SYSTEM_ACTOR,
            subject=request.sandbox_id,
            occurred_at=self.ctx.clock.now(),
            causation=cause,
            event_id=uuid.UUID(doc["event_id"]),
        )
        await self.ctx.bus.publish(to_message({"envelope": to_builtins(wrapped), "headers": {}}))
        await aggregate.project(
            self.ctx.store, EXPORTS, request.export_id, lambda d: {**(d or doc), "published": True}
        )

    async def _record(
        self, request: ExportRequested, event: ExportStaged | ExportUnavailable
    ) -> Document:
        doc: Document = {
            "_id": request.export_id,
            "event_id": str(new_event_id()),
            "published": False,
            "sandbox_id": request.sandbox_id,
            "output_name": request.output_name,
            "kind": request.kind,
            "developer_org_id": request.developer_org_id,
            "staged_at": self.ctx.clock.now().isoformat(),
        }
        if isinstance(event, ExportStaged):
            doc.update(
                status="staged", row_count=event.row_count, content_sha256=event.content_sha256
            )
        else:
            doc.update(status="unavailable", reason=event.reason, rule=event.rule)
        written = await aggregate.project(
            self.ctx.store, EXPORTS, request.export_id, lambda found: None if found else doc
        )
        if written is None:  # a concurrent delivery recorded it first
            found = await self.ctx.store.get(EXPORTS, request.export_id)
            if found is None:
                raise NotFound(f"export {request.export_id} vanished while staging")
            return found
        await aggregate.audit(
            self.ctx,
            SYSTEM_ACTOR,
            "export." + doc["status"],
            request.sandbox_id,
            {k: v for k, v in doc.items() if k not in ("_id", "published")}
            | {"export_id": request.export_id},
        )
        return written

    @staticmethod
    def _unavailable(request: ExportRequested, reason: str, rule: str) -> ExportUnavailable:
        return ExportUnavailable(
            export_id=request.export_id, sandbox_id=request.sandbox_id, reason=reason, rule=rule
        )

    async def _staged(self, request: ExportRequested) -> ExportStaged:
        sandbox = await self.ctx.store.get(SANDBOXES, request.sandbox_id)
        if sandbox is None:
            raise NotFound(f"there is no sandbox {request.sandbox_id}", rule="SBX-1")
        refusal = admit(
            sandbox_from_doc(sandbox),
            request.developer_org_id,
            self.ctx.clock.now(),
            Purpose.EXPORT,
            # Staged on product-release's event: the system, not a person; the export's
            # reviewer was admitted there (SEC-4).
            confidentiality=Confidentiality(user_id=SYSTEM_ACTOR.user_id, person=False),
        )
        if refusal is not None:
            raise refusal.error()
        if request.grant_id and sandbox["grant_id"] != request.grant_id:
            raise Forbidden(
                f"sandbox {request.sandbox_id} is not a sandbox of grant {request.grant_id}",
                rule="SBX-2",
            )
        if request.kind not in KINDS:
            raise DomainError(f"export kind {request.kind!r} is not one of {KINDS}", rule="SBX-1")
        if not OUTPUT_TABLE.match(request.output_name):
            raise DomainError(
                f"{request.output_name!r} is not an output of a job (output_<name>)", rule="SBX-1"
            )
        verification = request.kind == "verification"
        if verification and not (request.key_column and request.answer_column):
            raise DomainError(
                "a verification export names its key and answer columns", rule="SBX-6"
            )
        output = await self.service.executor.read_output(
            request.sandbox_id,
            request.output_name,
            answer_column=request.answer_column if verification else "",
            key_column=request.key_column if verification else "",
            max_rows=MAX_STAGED_ROWS,
            per_unit=None if verification else per_unit_read(request.columns),
        )
        columns = [[name, kind] for name, kind in output.columns]
        rows = plain_rows(output.rows)
        check_bounds(max(output.total_rows, len(rows)), columns, rows)
        items = [
            StagedItem(name=c["name"], grade=int(c["grade"]), resource_id=m["resource_id"])
            for m in sandbox.get("mounts", [])
            for c in m["columns"]
        ]
        return ExportStaged(
            export_id=request.export_id,
            sandbox_id=request.sandbox_id,
            output_name=request.output_name,
            columns=[StagedColumn(name=n, type=t) for n, t in columns],
            rows=rows,
            row_count=len(rows),
            content_sha256=content_sha256(columns, rows),
            grant_items=items,
        )
