"""The read models request-review keeps from other services' events (developers,
agreements, the operation catalog, rejected exports), and the revocations those events
cause (AUTH-6, AUTH-7, DEV-2).

Each write folds the event into the stored record with a pure ``apply_*`` and saves it
at the version read (insert when new), retrying on a concurrent write; the folds
converge whatever the order (``domain.standing``), and the inbox drops redeliveries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from contracts.envelope import Envelope
from contracts.events import (
    AgreementExpired,
    AgreementSuspended,
    AgreementTerminated,
    DeveloperAdmitted,
    DeveloperRemoved,
    ExportRejected,
)
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument, VersionConflict
from services.request_review import grant_commands
from services.request_review import repository as repo
from services.request_review.commands import ATTEMPTS
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
    for attempt in range(ATTEMPTS):
        doc = await ctx.store.get(collection, doc_id)
        after = fold(load(doc) if doc else None)
        try:
            if doc is None:
                await ctx.store.insert(collection, dump(after))
            else:
                await ctx.store.replace(collection, dump(after), doc["_version"])
        except (DuplicateDocument, VersionConflict):
            if attempt == ATTEMPTS - 1:
                raise
            continue
        return after
    raise AssertionError("unreachable")  # pragma: no cover


async def on_developer(ctx: ServiceContext, envelope: Envelope) -> None:
    """DEV-2: a removed developer's grants are revoked at once."""
    event = envelope.payload
    assert isinstance(event, DeveloperAdmitted | DeveloperRemoved)
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
    AgreementSuspended: "agreement suspended (AUTH-6)",
    AgreementTerminated: "agreement terminated (AUTH-7)",
    AgreementExpired: "agreement expired (AUTH-5)",
}


async def on_agreement(ctx: ServiceContext, envelope: Envelope) -> None:
    """AUTH-6, AUTH-7: suspension, termination or expiry revokes every grant under the
    agreement at once."""
    event = envelope.payload
    assert isinstance(event, AgreementEvent)
    await _fold(
        ctx,
        repo.AGREEMENTS,
        event.agreement_id,
        repo.agreement_from_doc,
        lambda r: standing.apply_agreement(r, event, envelope.occurred_at),
        repo.agreement_to_doc,
    )
    cause = _AGREEMENT_ENDS.get(type(event))
    if cause is not None:
        reason = getattr(event, "reason", "")
        await grant_commands.revoke_all(
            ctx,
            {"agreement_id": event.agreement_id},
            f"{cause}: {reason}" if reason else cause,
            envelope,
        )


async def on_resource(ctx: ServiceContext, envelope: Envelope) -> None:
    """CAT-2, CAT-3: what is in the operation catalog, and which items are withheld."""
    event = envelope.payload
    assert isinstance(event, ResourceEvent)
    await _fold(
        ctx,
        repo.RESOURCES,
        event.resource_id,
        repo.resource_from_doc,
        lambda r: standing.apply_resource(r, event, envelope.occurred_at),
        repo.resource_to_doc,
    )


async def on_export_rejected(ctx: ServiceContext, envelope: Envelope) -> None:
    """REQ-6: a rejected export review, kept so its developer can appeal it."""
    event = envelope.payload
    assert isinstance(event, ExportRejected)
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
