"""Event handlers of product-release: staged outputs and their absence (sandbox-broker),
appeals against export rejections (request-review, REQ-6), and the projections of grants,
sandboxes and operator agreements the export review relies on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from contracts.envelope import Envelope
from libs.bus.consumer import EnvelopeHandler
from libs.service import ServiceContext
from services.product_release.commands import exports as export_commands
from services.product_release.commands import products as product_commands
from services.product_release.handlers import projections

Step = Callable[[ServiceContext, Envelope], Awaitable[None]]


async def on_agreement_ended(ctx: ServiceContext, envelope: Envelope) -> None:
    """The agreement ended (AUTH-7): kept as ended, and its products stop at once."""
    await projections.on_agreement_ended(ctx, envelope)
    await product_commands.end_with_agreement(ctx, envelope)


STEPS: dict[str, Step] = {
    "export.staged": export_commands.on_staged,
    "export.unavailable": export_commands.on_unavailable,
    "appeal.filed": export_commands.on_appeal_filed,
    "appeal.decided": export_commands.on_appeal_decided,
    "grant.issued": projections.on_grant_issued,
    "grant.revoked": projections.on_grant_revoked,
    "grant.suspended": projections.on_grant_suspension,
    "grant.reinstated": projections.on_grant_suspension,
    "sandbox.ready": projections.on_sandbox_ready,
    "sandbox.closed": projections.on_sandbox_closed,
    "agreement.signed": projections.on_agreement_signed,
    "agreement.terminated": on_agreement_ended,
    "agreement.expired": on_agreement_ended,
}


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    """Every consumed event type, bound to this service's context."""

    def bind(step: Step) -> EnvelopeHandler:
        async def handle(envelope: Envelope) -> None:
            await step(ctx, envelope)

        handle.__qualname__ = f"on[{step.__name__}]"
        return handle

    return {event_type: bind(step) for event_type, step in STEPS.items()}
