"""``identity.agreements``: ``agreement.suspended`` suspends every ready sandbox of the
operator's grants (暂时关闭, AUTH-6), ``agreement.reinstated`` makes them ready again as
they were; ``agreement.terminated`` / ``agreement.expired`` (the operator's exit) close
and delete them, the deletion recorded, and the retention of the logs counted from then
(AUTH-7)."""

from __future__ import annotations

from collections.abc import Mapping

from contracts.envelope import Envelope
from contracts.events import (
    AgreementExpired,
    AgreementReinstated,
    AgreementSuspended,
    AgreementTerminated,
)
from contracts.expect import expect
from libs.bus.consumer import EnvelopeHandler
from services.sandbox_broker.commands import SandboxService


def handlers(service: SandboxService) -> Mapping[str, EnvelopeHandler]:
    async def on_agreement_suspended(envelope: Envelope) -> None:
        event = expect(envelope, AgreementSuspended)
        reason = (
            f"operator agreement {event.agreement_id} suspended pending correction by "
            f"{event.correction_due.isoformat()} (AUTH-6): {event.reason}"
        )
        await service.suspend_operator(event.operator_org_id, reason, cause=envelope)

    async def on_agreement_reinstated(envelope: Envelope) -> None:
        event = expect(envelope, AgreementReinstated)
        reason = f"operator agreement {event.agreement_id} reinstated, correction accepted"
        await service.reinstate_operator(event.operator_org_id, reason, cause=envelope)

    async def exit_(envelope: Envelope, agreement_id: str, operator_org_id: str, why: str) -> None:
        reason = f"operator exit, agreement {agreement_id} {envelope.type.split('.')[1]}: {why}"
        await service.close_operator(operator_org_id, reason, delete=True, cause=envelope)

    async def on_agreement_terminated(envelope: Envelope) -> None:
        event = expect(envelope, AgreementTerminated)
        await exit_(envelope, event.agreement_id, event.operator_org_id, event.reason)

    async def on_agreement_expired(envelope: Envelope) -> None:
        event = expect(envelope, AgreementExpired)
        await exit_(envelope, event.agreement_id, event.operator_org_id, "term ended")

    return {
        "agreement.suspended": on_agreement_suspended,
        "agreement.reinstated": on_agreement_reinstated,
        "agreement.terminated": on_agreement_terminated,
        "agreement.expired": on_agreement_expired,
    }
