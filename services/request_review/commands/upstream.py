"""The service layer of request-review's ``handlers/on_<topic>`` modules: the read models
it keeps from other services' events (developers,
agreements, the operation catalog, rejected exports), and what those events do to the
grants already issued: revoked on exit (AUTH-7) or the developer's removal (DEV-2),
suspended and reinstated with the agreement (暂时关闭, AUTH-6), narrowed or revoked when
data leaves the operation catalog (CAT-2).

Each write folds the event into the stored record with a pure ``apply_*`` and saves it
at the version read (insert when new), retrying on a concurrent write; the folds
converge whatever the order (``domain.standing``), and the inbox drops redeliveries.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TypeVar

from contracts.envelope import Envelope
from contracts.events import (
    AgreementExpired,
    AgreementReinstated,
    AgreementSuspended,
    AgreementTerminated,
    DeveloperAdmissionRejected,
    DeveloperAdmitted,
    DeveloperRemoved,
    ExportRejected,
    ResourceChanged,
    ResourceNegativeListed,
    ResourceWithdrawn,
)
from contracts.expect import UnexpectedEvent, expect
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument
from services.request_review import repository as repo
from services.request_review.commands import grants as grant_commands
from services.request_review.domain import standing
from services.request_review.domain.standing import (
    AgreementEvent,
    RejectedExport,
    ResourceEvent,
    grant_of_sandbox,
)

R = TypeVar("R")


async def _fold(
    ctx: ServiceContext,
    collection: str,
    doc_id: str,
    load: Callable[[Document], R],
    fold: Callable[[R | None], R],
    dump: Callable[[R], Document],
) -> R:
    folded: list[R] = []

    def change(doc: Document | None) -> Document:
        after = fold(load(doc) if doc else None)
        folded[:] = [after]
        return dump(after)

    await aggregate.project(ctx.store, collection, doc_id, change)
    return folded[0]


async def keep_developer(ctx: ServiceContext, envelope: Envelope) -> None:
    """DEV-2: a removed developer's grants are revoked at once."""
    event = expect(envelope, DeveloperAdmitted, DeveloperRemoved)
    await _fold(
        ctx,
        repo.DEVELOPERS,
        event.developer_org_id,
        repo.developer_from_doc,
        lambda r: standing.apply_developer(r, event, envelope.occurred_at),
        repo.developer_to_doc,
    )
    if isinstance(event, DeveloperRemoved):
        await grant_commands.revoke_all(
            ctx,
            {"developer_org_id": event.developer_org_id},
            f"developer removed (DEV-2): {event.reason}",
            envelope,
        )


_AGREEMENT_ENDS: dict[type, str] = {
    AgreementTerminated: "agreement terminated (AUTH-7)",
    AgreementExpired: "agreement expired (AUTH-5)",
}


async def follow_agreement(ctx: ServiceContext, envelope: Envelope) -> None:
    """AUTH-7: termination or expiry revokes every grant under the agreement at once.
    AUTH-6: suspension closes them for now (暂时关闭) and reinstatement restores them as
    they were."""
    event = envelope.payload
    if not isinstance(event, AgreementEvent):
        raise UnexpectedEvent(f"expected AgreementEvent, got {envelope.type}")
    await _fold(
        ctx,
        repo.AGREEMENTS,
        event.agreement_id,
        repo.agreement_from_doc,
        lambda r: standing.apply_agreement(r, event, envelope.occurred_at),
        repo.agreement_to_doc,
    )
    reason = getattr(event, "reason", "")
    if isinstance(event, AgreementSuspended):
        why = "agreement suspended pending correction (AUTH-6)"
        await grant_commands.suspend_all(
            ctx, event.agreement_id, f"{why}: {reason}" if reason else why, envelope
        )
        return
    if isinstance(event, AgreementReinstated):
        await grant_commands.reinstate_all(
            ctx, event.agreement_id, "agreement reinstated, correction accepted (AUTH-6)", envelope
        )
        return
    cause = _AGREEMENT_ENDS.get(type(event))
    if cause is not None:
        await grant_commands.revoke_all(
            ctx,
            {"agreement_id": event.agreement_id},
            f"{cause}: {reason}" if reason else cause,
            envelope,
        )


def leaving_catalog(event: ResourceEvent) -> tuple[frozenset[str] | None, str] | None:
    """CAT-2: what of a resource leaves the operation catalog with this event — ``None``
    items for the whole resource — and why; ``None`` when nothing does."""
    if isinstance(event, ResourceNegativeListed):
        if event.item_name is None:
            return None, f"resource negative-listed (负面清单, CAT-2): {event.reason}"
        return (
            frozenset({event.item_name}),
            f"data item {event.item_name} negative-listed (负面清单, CAT-2): {event.reason}",
        )
    if isinstance(event, ResourceWithdrawn):
        return None, f"resource withdrawn from the operation catalog (CAT-2): {event.reason}"
    if isinstance(event, ResourceChanged) and event.withheld_items:
        items = frozenset(event.withheld_items)
        return items, f"data items {', '.join(sorted(items))} withheld (负面清单, CAT-2)"
    return None


async def follow_resource(ctx: ServiceContext, envelope: Envelope) -> None:
    """CAT-2, CAT-3: what is in the operation catalog, and which items are withheld; what
    leaves it after grants were issued leaves those grants too (narrowed, or revoked when
    nothing remains), with the reason recorded."""
    event = envelope.payload
    if not isinstance(event, ResourceEvent):
        raise UnexpectedEvent(f"expected ResourceEvent, got {envelope.type}")
    await _fold(
        ctx,
        repo.RESOURCES,
        event.resource_id,
        repo.resource_from_doc,
        lambda r: standing.apply_resource(r, event, envelope.occurred_at, envelope.region),
        repo.resource_to_doc,
    )
    leaving = leaving_catalog(event)
    if leaving is not None:
        items, reason = leaving
        await grant_commands.narrow_all(ctx, event.resource_id, items, reason, envelope)


async def keep_rejected_admission(ctx: ServiceContext, envelope: Envelope) -> None:
    """REQ-6: a refused admission (identity owns admissions), kept so its developer can
    appeal it and nobody else can; a redelivered event changes nothing."""
    event = envelope.payload
    if not isinstance(event, DeveloperAdmissionRejected):
        raise TypeError(f"not an admission refusal: {type(event).__name__}")
    record: Document = {
        "_id": event.admission_id,
        "developer_org_id": event.developer_org_id,
        "operator_org_id": event.operator_org_id,
        "reason": event.reason,
        "event_id": envelope.event_id,
    }
    with contextlib.suppress(DuplicateDocument):
        await ctx.store.insert(repo.REJECTED_ADMISSIONS, record)


async def keep_rejected_export(ctx: ServiceContext, envelope: Envelope) -> None:
    """REQ-6: a rejected export review, kept so its developer can appeal it."""
    event = expect(envelope, ExportRejected)
    record = RejectedExport(
        export_id=event.export_id,
        sandbox_id=event.sandbox_id,
        grant_id=grant_of_sandbox(event.sandbox_id),
        reason=event.reason,
    )
    await _fold(
        ctx,
        repo.EXPORTS,
        event.export_id,
        repo.export_from_doc,
        lambda _: record,
        repo.export_to_doc,
    )
