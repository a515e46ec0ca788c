"""Own-data imports (SBX-4): the developer's upload is kept outside the sandbox until the
operator holding that grant's authorization decides — no other operator, and nobody when
the grant's operator is unknown; only an approved import is loaded, by the executor,
under the lockdown. An operator lists only the imports into its own grants' sandboxes.

The uploaded file lives in ``<data_dir>/imports/<import_id>.<format>`` (root only) until
the decision, and is removed after it: a loaded file is inside the sandbox, a rejected one
never enters. The import document keeps its digest, size and the decision. A Parquet
file's rows are counted, and an approved file loaded, by the ``JobExecutor`` port.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from pathlib import Path
from typing import Any

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import ImportDecided, ImportRequested
from contracts.machine import transition
from libs import aggregate
from libs.auth.confidentiality import confidentiality_of
from libs.auth.principal import Principal
from libs.store.port import Document
from services.sandbox_broker.commands.sandboxes import OVERSEERS, SandboxService
from services.sandbox_broker.domain.admission import Purpose, admit
from services.sandbox_broker.domain.imports import (
    TRANSITIONS,
    ImportOutcome,
    ImportState,
    check_decider,
    check_table_name,
    inspect_file,
)
from services.sandbox_broker.repository import IMPORTS, SANDBOXES, sandbox_from_doc


def _keep(path: Path, content: bytes) -> None:
    """Store an uploaded file outside every sandbox, readable by the broker only."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(content)
    path.chmod(0o600)


class Imports:
    def __init__(self, service: SandboxService) -> None:
        self.service = service
        self.ctx = service.ctx
        self.directory = self.ctx.data_dir / "imports"

    async def request(
        self, principal: Principal, sandbox_id: str, table: str, file_format: str, content: bytes
    ) -> Document:
        """The developer asks to import a file into its own ready sandbox (SBX-4), admitted
        as a job would be (``domain.admission``: SEC-4, SBX-2, SBX-7, AUTH-6, REQ-5)."""
        sandbox = await self.service.get(sandbox_id)
        refusal = admit(
            sandbox_from_doc(sandbox),
            principal.org_id,
            self.ctx.clock.now(),
            Purpose.IMPORT,
            confidentiality=confidentiality_of(principal),
        )
        if refusal is not None:
            raise refusal.error()
        others = await self.ctx.store.find(IMPORTS, {"sandbox_id": sandbox_id})
        taken = frozenset(sandbox.get("tables", {})) | frozenset(
            d["table"] for d in others if d["state"] in (ImportState.PENDING, ImportState.LOADED)
        )
        check_table_name(table, taken)
        facts = inspect_file(content, file_format)
        import_id = uuid.uuid4().hex
        path = self.directory / f"{import_id}.{file_format}"
        await asyncio.to_thread(_keep, path, content)
        rows = facts.rows
        try:
            if rows < 0:
                rows = await self.service.executor.parquet_rows(path)
        except DomainError:
            await asyncio.to_thread(path.unlink, missing_ok=True)
            raise
        digest = hashlib.sha256(content).hexdigest()
        now = self.ctx.clock.now()
        doc: Document = {
            "_id": import_id,
            "sandbox_id": sandbox_id,
            "developer_org_id": principal.org_id,
            "operator_org_id": str(sandbox.get("operator_org_id", "")),
            "requester_user_id": principal.user_id,
            "table": table,
            "file_format": file_format,
            "size": len(content),
            "rows": rows,
            "columns": list(facts.columns),
            "content_sha256": digest,
            "file": str(path),
            "state": ImportState.PENDING.value,
            "reason": "",
            "reviewer_user_id": "",
            "requested_at": now.isoformat(),
            "decided_at": "",
        }
        event = ImportRequested(
            import_id=import_id,
            sandbox_id=sandbox_id,
            developer_org_id=principal.org_id,
            table=table,
            file_format=file_format,
            rows=rows,
            content_sha256=digest,
        )
        saved = await aggregate.save(
            self.ctx,
            IMPORTS,
            doc,
            [(sandbox_id, event)],  # under the sandbox: its events keep their order
            actor=principal.actor(),
            previous=None,
        )
        await aggregate.audit(
            self.ctx,
            principal.actor(),
            "import.request",
            sandbox_id,
            {"import_id": import_id, "table": table, "sha256": digest, "rows": rows},
        )
        return saved

    async def _operator_of(self, doc: Document) -> str:
        """The operator holding the authorization of the import's grant, from the sandbox
        (which took it from ``grant.issued``); empty when unknown."""
        sandbox = await self.ctx.store.get(SANDBOXES, doc["sandbox_id"])
        return str((sandbox or {}).get("operator_org_id", "") or doc.get("operator_org_id", ""))

    async def listed(self, principal: Principal) -> list[Document]:
        """The developer's own; an operator's only those into its own grants' sandboxes
        (SBX-4); every import for the bureau and supervisors."""
        role = principal.role.value
        if role == "operator":
            own = await self.ctx.store.find(SANDBOXES, {"operator_org_id": principal.org_id})
            sandbox_ids = [d["_id"] for d in own]
            if not sandbox_ids:
                return []
            where: dict[str, Any] | None = {"sandbox_id": {"$in": sandbox_ids}}
        elif role in OVERSEERS:
            where = None
        else:
            where = {"developer_org_id": principal.org_id}
        found = await self.ctx.store.find(IMPORTS, where, sort=[("requested_at", 1)])
        return [d for d in found if not d.get("purged_at")]  # tombstones after AUTH-7

    async def decide(
        self, principal: Principal, import_id: str, *, approve: bool, reason: str
    ) -> Document:
        """The grant's operator approves (the file is loaded as a table) or rejects (SBX-4)."""
        doc = await self.ctx.store.get(IMPORTS, import_id)
        if doc is None:
            raise NotFound(f"there is no import {import_id}")
        check_decider(
            import_id, principal.org_id, grant_operator_org_id=await self._operator_of(doc)
        )
        state = ImportState(doc["state"])
        if state is not ImportState.PENDING:
            raise Conflict(f"import {import_id} was already decided ({state.value})", rule="SBX-4")
        if not approve and not reason.strip():
            raise DomainError("a rejection states its reason", rule="SBX-4", field="reason")
        outcome, why = ImportOutcome.REJECTED, reason
        extra: dict[str, Any] = {}
        if approve:
            execution = await self.service.executor.load_import(
                doc["sandbox_id"], import_id, doc["table"], doc["file_format"], Path(doc["file"])
            )
            if execution.status == "succeeded":
                outcome = ImportOutcome.LOADED
                extra = {"rows": execution.rows_out, "columns": [c for c, _ in execution.columns]}
            else:
                outcome, why = (
                    ImportOutcome.FAILED,
                    f"approved, but the file could not be loaded: {execution.error}",
                )
        event = ImportDecided(
            import_id=import_id,
            sandbox_id=doc["sandbox_id"],
            decision="approved" if approve else "rejected",
            reviewer_user_id=principal.user_id,
            reason=why,
        )

        async def write() -> Document:
            """Decided once (SBX-4): a decision written meanwhile wins, this one is refused."""
            current = await self.ctx.store.get(IMPORTS, import_id)
            if current is None:
                raise NotFound(f"there is no import {import_id}")
            decided = transition(
                "import", TRANSITIONS, ImportState(current["state"]), outcome, rule="SBX-4"
            )
            new = {
                **current,
                **extra,
                "state": decided.value,
                "reason": why,
                "reviewer_user_id": principal.user_id,
                "decided_at": self.ctx.clock.now().isoformat(),
            }
            return await aggregate.save(
                self.ctx,
                IMPORTS,
                new,
                [(str(current["sandbox_id"]), event)],
                actor=principal.actor(),
                previous=current,
            )

        saved = await aggregate.retrying(write)
        await asyncio.to_thread(Path(doc["file"]).unlink, missing_ok=True)
        await aggregate.audit(
            self.ctx,
            principal.actor(),
            "import.decide",
            doc["sandbox_id"],
            {"import_id": import_id, "state": saved["state"], "reason": why},
        )
        return saved
