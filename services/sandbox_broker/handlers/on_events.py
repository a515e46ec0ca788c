"""What sandbox-broker does on other services' events.

- catalog ``resource.*``: keep the resource schemas (items, grades, negative list).
- request-review ``grant.issued``: provision the development and production sandboxes;
  ``grant.revoked``: close both at once (SBX-7).
- identity ``agreement.suspended``: close every sandbox of the operator's grants;
  ``agreement.terminated`` / ``agreement.expired`` (exit): close and delete them, the
  deletion recorded (AUTH-6, AUTH-7).
- product-release ``export.requested``: stage the output (or say why not);
  ``product.released`` / ``product.withdrawn``: start or stop answering verification calls.

Each handler is idempotent (the runtime also drops redelivered event ids); the event is
acknowledged only after the handler returns, i.e. after its effects are stored.
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from contracts.events import (
    AgreementExpired,
    AgreementSuspended,
    AgreementTerminated,
    GrantRevoked,
)
from libs.bus.consumer import EnvelopeHandler
from services.sandbox_broker.commands import SandboxService
from services.sandbox_broker.export_staging import ExportStager
from services.sandbox_broker.verification import Verifications

RESOURCE_EVENTS = (
    "resource.registered",
    "resource.changed",
    "resource.negative_listed",
    "resource.withdrawn",
)


def handlers(
    service: SandboxService, stager: ExportStager, verifications: Verifications
) -> Mapping[str, EnvelopeHandler]:
    async def on_grant_revoked(envelope: Envelope) -> None:
        event = envelope.payload
        assert isinstance(event, GrantRevoked)
        reason = f"grant revoked: {event.reason}"
        await service.close_grant(event.grant_id, reason, delete=False, cause=envelope)

    async def on_agreement_suspended(envelope: Envelope) -> None:
        event = envelope.payload
        assert isinstance(event, AgreementSuspended)
        reason = f"operator agreement {event.agreement_id} suspended: {event.reason}"
        await service.close_operator(event.operator_org_id, reason, delete=False, cause=envelope)

    async def on_agreement_exit(envelope: Envelope) -> None:
        event = envelope.payload
        assert isinstance(event, AgreementTerminated | AgreementExpired)
        why = event.reason if isinstance(event, AgreementTerminated) else "term ended"
        reason = (
            f"operator exit, agreement {event.agreement_id} {envelope.type.split('.')[1]}: {why}"
        )
        await service.close_operator(event.operator_org_id, reason, delete=True, cause=envelope)

    table: dict[str, EnvelopeHandler] = {t: service.on_resource_event for t in RESOURCE_EVENTS}
    table.update(
        {
            "grant.issued": service.provision_grant,
            "grant.revoked": on_grant_revoked,
            "agreement.suspended": on_agreement_suspended,
            "agreement.terminated": on_agreement_exit,
            "agreement.expired": on_agreement_exit,
            "export.requested": stager.on_export_requested,
            "product.released": verifications.on_product_released,
            "product.withdrawn": verifications.on_product_withdrawn,
        }
    )
    return table
