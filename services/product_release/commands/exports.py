"""Export requests (出域申请) and their review (出域审核): request, automated checks on the
staged output (EXP-2), the human decision (EXP-1, EXP-6), appeals (REQ-6), and who may
read what.

A developer asks to take an output out of its own production sandbox of a live grant;
sandbox-broker stages the output (``export.staged``) or says it cannot
(``export.unavailable``); the checks run here once per request and their report is
stored by its content hash; then an operator's or the bureau's user decides.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

from contracts.envelope import SYSTEM_ACTOR, Envelope
from contracts.errors import Conflict, Forbidden, NotFound
from contracts.events import (
    AppealDecided,
    AppealFiled,
    ExportStaged,
    ExportUnavailable,
    OutputColumn,
)
from contracts.expect import expect
from libs import aggregate
from libs.auth.confidentiality import confidentiality_of
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument
from services.product_release import read_model
from services.product_release.adapters.array_checks import ArrayNesting
from services.product_release.commands import writes
from services.product_release.domain import export_request
from services.product_release.domain import settings as export_settings
from services.product_release.domain.check_report import CheckReport
from services.product_release.domain.export_request import (
    ApproveExport,
    Command,
    ExportAuthority,
    ExportRequest,
    ExportState,
    RecordAppeal,
    RecordAppealDecision,
    RecordChecks,
    RecordUnavailable,
    RejectExport,
    RequestExport,
    reviewer_party,
)
from services.product_release.domain.history import EarlierCells
from services.product_release.domain.settings import ExportCheckSettings, defaults_for
from services.product_release.domain.staged_output import check_staged
from services.product_release.domain.table_checks import view_of
from services.product_release.repository import (
    CELL_COLUMNS,
    EXPORT_EXTRA,
    EXPORTS,
    GRANTS,
    REPORTS,
    SANDBOXES,
    SETTINGS,
    export_from_doc,
    export_to_doc,
    grant_items_to_doc,
    history_from_docs,
    released_to_doc,
    settings_from_doc,
    settings_to_doc,
)

ARRAY_NESTING = ArrayNesting()
"""the differencing check's nested pairs by array joins (EXP-2; same pairs as exact)"""

PRODUCTION = "production"
READERS_OF_ALL = frozenset({"operator", "bureau", "supervisor"})


async def effective_settings(ctx: ServiceContext, region: str) -> ExportCheckSettings:
    """The region's own export-check settings, else the defaults of EXP-2."""
    doc = await ctx.store.get(SETTINGS, region)
    return settings_from_doc(doc) if doc else defaults_for(region)


async def _sandbox_for_export(ctx: ServiceContext, principal: Principal, sandbox_id: str) -> str:
    """The grant of the caller's own, open production sandbox of a live grant (SBX-1,
    SBX-2, SBX-7, REQ-5); refuses every other sandbox."""
    sandbox = await ctx.store.get(SANDBOXES, sandbox_id)
    if sandbox is None:
        raise NotFound(f"no sandbox {sandbox_id} is known to product-release")
    if sandbox.get("developer_org_id") != principal.org_id:
        raise Forbidden(
            f"sandbox {sandbox_id} is not a sandbox of {principal.org_id}", rule="SBX-2"
        )
    if sandbox.get("environment") != PRODUCTION:
        raise Forbidden(
            "only outputs of a production sandbox are reviewed for export: a development "
            "sandbox holds synthetic data (SBX-2)",
            rule="SBX-2",
        )
    if sandbox.get("status") != "open":
        raise Conflict(f"sandbox {sandbox_id} is closed", rule="SBX-7")
    grant_id = str(sandbox["grant_id"])
    grant = await ctx.store.get(GRANTS, grant_id)
    if not read_model.grant_live(grant, ctx.clock.now()):
        raise Conflict(f"grant {grant_id} is not live (revoked, expired or unknown)", rule="REQ-5")
    return grant_id


async def request_export(
    ctx: ServiceContext,
    principal: Principal,
    *,
    sandbox_id: str,
    output_name: str,
    kind: str,
    columns: Sequence[OutputColumn],
    universe: str,
    key_column: str,
    answer_column: str,
) -> ExportRequest:
    """A developer asks to take an output out of its production sandbox (出域申请)."""
    grant_id = await _sandbox_for_export(ctx, principal, sandbox_id)
    command = RequestExport(
        export_id=f"exp-{uuid.uuid4()}",
        sandbox_id=sandbox_id,
        grant_id=grant_id,
        output_name=output_name,
        developer_org_id=principal.org_id,
        requester_user_id=principal.user_id,
        kind=kind,
        columns=tuple(columns),
        universe=universe,
        key_column=key_column,
        answer_column=answer_column,
    )
    events = export_request.decide(None, command)
    state = export_request.replay(events)
    if state is None:
        raise Conflict("the export request's first decision recorded nothing", rule="EXP-1")
    doc = export_to_doc(
        state, region=ctx.region, extra={"requested_at": ctx.clock.now().isoformat()}
    )
    await writes.insert(
        ctx,
        EXPORTS,
        doc,
        writes.own_events(events),
        actor=principal.actor(),
        action="export.request",
        detail={"sandbox_id": sandbox_id, "output_name": output_name, "kind": kind},
    )
    return state


def _decided(
    doc: Document, command: Command, extra: dict[str, Any] | None = None
) -> tuple[Document, list[export_request.ExportEvent]]:
    state = export_from_doc(doc)
    events = export_request.decide(state, command)
    after: ExportRequest | None = state
    for event in events:
        after = export_request.evolve(after, event)
    if after is None:
        raise Conflict("the export request's decision left no state", rule="EXP-1")
    kept = writes.kept(doc, EXPORT_EXTRA)
    kept.update(extra or {})
    return export_to_doc(after, region=doc["region"], extra=kept), events


async def _earlier_cells(ctx: ServiceContext, developer_org_id: str) -> EarlierCells:
    """The developer's released cells: every cell of its approved exports (EXP-2), as
    columns (and one by one from exports stored before the columns)."""
    docs = await ctx.store.find(
        EXPORTS, {"developer_org_id": developer_org_id, "state": ExportState.APPROVED.value}
    )
    return history_from_docs(docs)


async def _store_report(ctx: ServiceContext, report: CheckReport, developer_org_id: str) -> None:
    """Keyed by its content hash: the same report stored twice is the same document; it
    names the developer whose export it checked (SEC-3)."""
    # JSON text: offences and populations nest arrays, which a document store may refuse
    text = json.dumps(report.as_record(), ensure_ascii=False, sort_keys=True)
    with contextlib.suppress(DuplicateDocument):
        await ctx.store.insert(
            REPORTS,
            {"_id": report.content_hash, "developer_org_id": developer_org_id, "report": text},
        )


async def on_staged(ctx: ServiceContext, envelope: Envelope) -> None:
    """``export.staged``: run every automated check once (EXP-2), store the report."""
    staged = expect(envelope, ExportStaged)
    doc = await ctx.store.get(EXPORTS, staged.export_id)
    if doc is None:
        raise NotFound(f"no export request {staged.export_id}")
    if doc["state"] != ExportState.REQUESTED.value:
        return  # checked already: a redelivered or repeated staging checks nothing twice
    request = export_from_doc(doc)
    settings = await effective_settings(ctx, doc["region"])
    earlier = await _earlier_cells(ctx, request.developer_org_id)
    report, table = check_staged(
        request, staged, settings=settings, earlier=earlier, nesting=ARRAY_NESTING
    )
    await _store_report(ctx, report, request.developer_org_id)
    released = (
        released_to_doc(view_of(table), request.export_id)
        if table is not None and report.passed
        else {CELL_COLUMNS: [], "cells": []}
    )
    extra = {
        "checked_at": ctx.clock.now().isoformat(),
        **released,
        "grant_items": grant_items_to_doc(staged.grant_items),  # the TRD-3 floor of a product
    }
    await writes.update(
        ctx,
        EXPORTS,
        staged.export_id,
        lambda d: (
            _decided(d, RecordChecks(report), extra)
            if d["state"] == ExportState.REQUESTED.value
            else (d, [])
        ),
        actor=SYSTEM_ACTOR,
        action="export.check",
        detail=lambda _: {
            "passed": report.passed,
            "check_report_hash": report.content_hash,
            "failed_checks": list(report.failed_checks),
        },
        causation=envelope,
    )


async def on_unavailable(ctx: ServiceContext, envelope: Envelope) -> None:
    """``export.unavailable``: the request fails with the broker's reason (terminal)."""
    notice = expect(envelope, ExportUnavailable)
    await writes.update(
        ctx,
        EXPORTS,
        notice.export_id,
        lambda d: (
            _decided(d, RecordUnavailable(notice))
            if d["state"] == ExportState.REQUESTED.value
            else (d, [])
        ),
        actor=SYSTEM_ACTOR,
        action="export.unavailable",
        detail=lambda _: {"reason": notice.reason, "rule": notice.rule},
        causation=envelope,
    )


async def on_appeal_filed(ctx: ServiceContext, envelope: Envelope) -> None:
    """REQ-6: request-review filed an appeal against an export's rejection."""
    appeal = expect(envelope, AppealFiled)
    if appeal.subject_kind != "export":
        return  # admissions and applications are other services' appeals
    await writes.update(
        ctx,
        EXPORTS,
        appeal.subject_id,
        lambda d: (
            _decided(d, RecordAppeal(appeal)) if d.get("appeal_id") != appeal.appeal_id else (d, [])
        ),
        actor=envelope.actor,
        action="export.appeal",
        detail=lambda _: {"appeal_id": appeal.appeal_id},
        causation=envelope,
    )


async def on_appeal_decided(ctx: ServiceContext, envelope: Envelope) -> None:
    """REQ-6: the bureau's decision; upheld sends the export to a fresh review."""
    decision = expect(envelope, AppealDecided)
    if decision.subject_kind != "export":
        return

    def decide(doc: Document) -> tuple[Document, list[export_request.ExportEvent]]:
        if doc["state"] != ExportState.APPEALED.value:
            return doc, []  # decided already (a redelivery)
        return _decided(doc, RecordAppealDecision(decision))

    await writes.update(
        ctx,
        EXPORTS,
        decision.subject_id,
        decide,
        actor=envelope.actor,
        action="export.appeal_decided",
        detail=lambda _: {"appeal_id": decision.appeal_id, "decision": decision.decision},
        causation=envelope,
    )


async def authority_of(ctx: ServiceContext, grant_id: str) -> ExportAuthority | None:
    """Who stands behind a grant (EXP-1): its operator, as the grant names it, and the
    authorization its agreement holds. ``None`` when the grant or its operator is not
    known to this service — never a guess from another agreement."""
    grant = await ctx.store.get(GRANTS, grant_id)
    if grant is None or not grant.get("operator_org_id"):
        return None
    operator = str(grant["operator_org_id"])
    agreement = await read_model.agreement_of(ctx, grant)
    if agreement is None:
        return ExportAuthority(operator_org_id=operator)
    return ExportAuthority(
        operator_org_id=operator,
        mode=str(agreement.get("mode", "") or "whole"),
        industry_authority_org_id=str(agreement.get("industry_authority_org_id", "")),
    )


async def _check_reviewer(ctx: ServiceContext, principal: Principal, doc: Document) -> str:
    """EXP-1 (谁授权、谁审核): the party the caller reviews as — the grant's operator, or the
    authorizing body (the bureau of the region, or the industry authority in its place
    under domain authorization); refused when the grant's operator is unknown."""
    if principal.role.value == "bureau" and not principal.within(doc["region"]):
        raise Forbidden(
            f"export {doc['_id']} is in region {doc['region']}, outside {principal.region}",
            rule="EXP-1",
        )
    return reviewer_party(
        doc["_id"],
        role=principal.role.value,
        org_id=principal.org_id,
        authority=await authority_of(ctx, doc["grant_id"]),
    )


async def decide_export(
    ctx: ServiceContext, principal: Principal, export_id: str, *, approve: bool, reason: str
) -> ExportRequest:
    """The human decision on a checked export (EXP-1); the requester never approves
    (EXP-6), a failed check is never approved (EXP-2), every approval names its reviewer."""
    doc = await ctx.store.get(EXPORTS, export_id)
    if doc is None:
        raise NotFound(f"no export request {export_id}")
    if approve and principal.user_id == doc["requester_user_id"]:
        raise Forbidden("four eyes: whoever requested an export can never approve it", rule="EXP-6")
    party = await _check_reviewer(ctx, principal, doc)
    claim, today = confidentiality_of(principal), ctx.clock.now().date()  # SEC-4, in the domain
    command: Command = (
        ApproveExport(principal.user_id, party, reviewer_confidentiality=claim, decided_on=today)
        if approve
        else RejectExport(
            principal.user_id, party, reason, reviewer_confidentiality=claim, decided_on=today
        )
    )
    saved = await writes.update(
        ctx,
        EXPORTS,
        export_id,
        lambda d: _decided(d, command, {"decided_at": ctx.clock.now().isoformat()}),
        actor=principal.actor(),
        action="export.approve" if approve else "export.reject",
        detail=lambda d: {
            "reviewer_user_id": principal.user_id,
            "check_report_hash": d["check_report_hash"],
            "reason": reason,
        },
    )
    return export_from_doc(saved)


def _may_read(principal: Principal, doc: Document) -> bool:
    if principal.role.value in READERS_OF_ALL:
        return principal.may_act_in(doc["region"])
    return principal.role.value == "developer" and doc["developer_org_id"] == principal.org_id


async def get_export(
    ctx: ServiceContext, principal: Principal, export_id: str, *, decided: bool = False
) -> Document:
    """One export request, for those who may read it; ``decided``: the caller has just
    decided it (an industry authority reads what it reviewed, EXP-1)."""
    doc = await ctx.store.get(EXPORTS, export_id)
    if doc is None:
        raise NotFound(f"no export request {export_id}")
    if not decided and not _may_read(principal, doc):
        raise Forbidden(f"export {export_id} is not yours to read", rule="EXP-1")
    return doc


async def list_exports(
    ctx: ServiceContext, principal: Principal, *, state: str | None, offset: int, limit: int
) -> tuple[list[Document], int]:
    """A developer's own requests; every request for the operator, bureau, supervisor."""
    where: dict[str, str] = {}
    if principal.role.value not in READERS_OF_ALL:
        where["developer_org_id"] = principal.org_id
    if state:
        where["state"] = state
    docs = await ctx.store.find(
        EXPORTS, where, sort=[("requested_at", 1)], skip=offset, limit=limit
    )
    return docs, await ctx.store.count(EXPORTS, where)


async def get_report(ctx: ServiceContext, principal: Principal, export_id: str) -> dict[str, Any]:
    doc = await get_export(ctx, principal, export_id)
    if not doc.get("check_report_hash"):
        raise NotFound(f"export {export_id} has not been checked yet")
    stored = await ctx.store.get(REPORTS, doc["check_report_hash"])
    if stored is None:
        raise NotFound(f"no check report {doc['check_report_hash']}")
    report: dict[str, Any] = json.loads(stored["report"])
    report["content_hash"] = stored["_id"]
    return report


async def define_settings(
    ctx: ServiceContext, principal: Principal, region: str, changes: dict[str, Any]
) -> ExportCheckSettings:
    """The bureau of the region changes its export-check settings (EXP-2), within bounds."""
    if region != ctx.region:
        raise Forbidden(f"this platform serves region {ctx.region}, not {region}", rule="FED-1")
    decided: list[ExportCheckSettings] = []

    async def attempt() -> None:
        stored = await ctx.store.get(SETTINGS, region)
        current = await effective_settings(ctx, region)
        updated = export_settings.change(
            current, actor_role=principal.role.value, actor_region=principal.region, **changes
        )
        await aggregate.save(
            ctx,
            SETTINGS,
            settings_to_doc(updated, set_by_org_id=principal.org_id),
            [],
            actor=principal.actor(),
            previous=stored,
        )
        decided[:] = [updated]

    await aggregate.retrying(attempt, on=aggregate.WRITE_CONFLICTS)
    await aggregate.audit(
        ctx, principal.actor(), "settings.define", f"settings:{region}", decided[0].as_record()
    )
    return decided[0]
