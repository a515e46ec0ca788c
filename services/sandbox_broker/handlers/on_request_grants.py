"""``request.grants``: ``grant.issued`` records the grant's development and production
sandboxes and hands them to the provisioning worker (a few grants at a time, never one
grant behind another's backlog); ``grant.revoked`` closes both at once (SBX-7)."""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from contracts.events import GrantIssued, GrantRevoked
from contracts.expect import expect
from libs.bus.consumer import EnvelopeHandler
from services.sandbox_broker.commands import SandboxService
from services.sandbox_broker.commands.provisioning import ProvisioningWorker


def handlers(
    service: SandboxService, worker: ProvisioningWorker | None = None
) -> Mapping[str, EnvelopeHandler]:
    async def on_grant_issued(envelope: Envelope) -> None:
        if worker is not None:
            await worker.on_grant_issued(envelope)
        else:  # no worker: provisioned in the consumer's task, one grant at a time
            await service.provision_grant(expect(envelope, GrantIssued), envelope)

    async def on_grant_revoked(envelope: Envelope) -> None:
        event = expect(envelope, GrantRevoked)
        reason = f"grant revoked: {event.reason}"
        await service.close_grant(event.grant_id, reason, delete=False, cause=envelope)

    return {"grant.issued": on_grant_issued, "grant.revoked": on_grant_revoked}
