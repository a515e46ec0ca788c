"""``sandbox.sandboxes`` (sandbox-broker): the sandboxes exports come from, kept keyed by
the sandbox id. A closed sandbox stays closed: a late ``ready`` never reopens it."""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events import (
    SandboxClosed,
    SandboxReady,
)
from contracts.expect import expect
from libs.service import ServiceContext
from libs.store.port import Document
from services.product_release.handlers.step import Step
from services.product_release.read_model import kept_status, upsert
from services.product_release.repository import SANDBOXES


async def on_sandbox_ready(ctx: ServiceContext, envelope: Envelope) -> None:
    ready = expect(envelope, SandboxReady)

    def change(doc: Document) -> Document:
        doc.update(
            grant_id=ready.grant_id,
            developer_org_id=ready.developer_org_id,
            environment=ready.environment,
            status=kept_status(doc, "open"),
        )
        return doc

    await upsert(ctx, SANDBOXES, ready.sandbox_id, change)


async def on_sandbox_closed(ctx: ServiceContext, envelope: Envelope) -> None:
    closed = expect(envelope, SandboxClosed)

    def change(doc: Document) -> Document:
        doc.update(grant_id=closed.grant_id, status="closed", reason=closed.reason)
        return doc

    await upsert(ctx, SANDBOXES, closed.sandbox_id, change)


STEPS: dict[str, Step] = {
    "sandbox.ready": on_sandbox_ready,
    "sandbox.closed": on_sandbox_closed,
}
