"""``request.grants``: ``grant.issued`` provisions the grant's development and production
sandboxes; ``grant.revoked`` closes both at once (SBX-7)."""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from contracts.events import GrantIssued, GrantRevoked
from contracts.expect import expect
from libs.bus.consumer import EnvelopeHandler
from services.sandbox_broker.commands import SandboxService


def handlers(service: SandboxService) -> Mapping[str, EnvelopeHandler]:
    async def on_grant_issued(envelope: Envelope) -> None:
        await service.provision_grant(expect(envelope, GrantIssued), envelope)

    async def on_grant_revoked(envelope: Envelope) -> None:
        event = expect(envelope, GrantRevoked)
        reason = f"grant revoked: {event.reason}"
        await service.close_grant(event.grant_id, reason, delete=False, cause=envelope)

    return {"grant.issued": on_grant_issued, "grant.revoked": on_grant_revoked}
