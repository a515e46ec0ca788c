"""What sandbox-broker does on other services' events.

- catalog ``resource.*``: keep the resource schemas (items, grades, negative list); what
  leaves the operation catalog later (negative listing, withdrawal) is removed from every
  sandbox it is mounted in, running jobs stopped, the reason recorded (CAT-2).
- request-review ``grant.issued``: provision the development and production sandboxes;
  ``grant.revoked``: close both at once (SBX-7).
- identity ``agreement.suspended``: suspend every ready sandbox of the operator's grants
  (暂时关闭, AUTH-6), ``agreement.reinstated``: ready again as they were;
  ``agreement.terminated`` / ``agreement.expired`` (exit): close and delete them, the
  deletion recorded, and the retention of the logs counted from then (AUTH-7).
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
    AgreementReinstated,
    AgreementSuspended,
    AgreementTerminated,
    GrantRevoked,
    ResourceChanged,
    ResourceNegativeListed,
    ResourceWithdrawn,
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
        reason = (
            f"operator agreement {event.agreement_id} suspended pending correction by "
            f"{event.correction_due.isoformat()} (AUTH-6): {event.reason}"
        )
        await service.suspend_operator(event.operator_org_id, reason, cause=envelope)

    async def on_agreement_reinstated(envelope: Envelope) -> None:
        event = envelope.payload
        assert isinstance(event, AgreementReinstated)
        reason = f"operator agreement {event.agreement_id} reinstated, correction accepted"
        await service.reinstate_operator(event.operator_org_id, reason, cause=envelope)

    async def on_resource(envelope: Envelope) -> None:
        await service.on_resource_event(envelope)
        event = envelope.payload
        if isinstance(event, ResourceNegativeListed):
            items = None if event.item_name is None else frozenset({event.item_name})
            what = "resource" if items is None else f"data item {event.item_name}"
            reason = f"{what} negative-listed (负面清单, CAT-2): {event.reason}"
        elif isinstance(event, ResourceWithdrawn):
            items = None
            reason = f"resource withdrawn from the operation catalog (CAT-2): {event.reason}"
        elif isinstance(event, ResourceChanged) and event.withheld_items:
            items = frozenset(event.withheld_items)
            reason = f"data items {', '.join(sorted(items))} withheld (负面清单, CAT-2)"
        else:
            return
        await service.narrow_resource(event.resource_id, items, reason, cause=envelope)

    async def on_agreement_exit(envelope: Envelope) -> None:
        event = envelope.payload
        assert isinstance(event, AgreementTerminated | AgreementExpired)
        why = event.reason if isinstance(event, AgreementTerminated) else "term ended"
        reason = (
            f"operator exit, agreement {event.agreement_id} {envelope.type.split('.')[1]}: {why}"
        )
        await service.close_operator(event.operator_org_id, reason, delete=True, cause=envelope)

    table: dict[str, EnvelopeHandler] = {t: on_resource for t in RESOURCE_EVENTS}
    table.update(
        {
            "grant.issued": service.provision_grant,
            "grant.revoked": on_grant_revoked,
            "agreement.suspended": on_agreement_suspended,
            "agreement.reinstated": on_agreement_reinstated,
            "agreement.terminated": on_agreement_exit,
            "agreement.expired": on_agreement_exit,
            "export.requested": stager.on_export_requested,
            "product.released": verifications.on_product_released,
            "product.withdrawn": verifications.on_product_withdrawn,
        }
    )
    return table
