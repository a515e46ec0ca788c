"""``emergency_plan.adopted`` from evaluation (SEC-2) → identity's read model of emergency
plans, one document per authorization (一授权一预案).

Choreography: the bureau draws up the plan in evaluation; identity learns of it from the
event and never asks evaluation. Signing an agreement (``SignAgreement``) looks the plan
up here: no agreement becomes active without its plan. Idempotent and order-proof: a
document keeps the highest version seen, so a redelivered or late older version changes
nothing.
"""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events import EmergencyPlanAdopted
from libs import aggregate
from libs.service import ServiceContext
from libs.store.port import Document
from services.identity.repository import EMERGENCY_PLANS


async def record_plan(ctx: ServiceContext, envelope: Envelope) -> None:
    """Keep the highest version of the authorization's plan (SEC-2)."""
    event = envelope.payload
    if not isinstance(event, EmergencyPlanAdopted):
        raise TypeError(f"expected emergency_plan.adopted, got {envelope.type}")
    doc = {
        "_id": event.authorization_id,
        "authorization_id": event.authorization_id,
        "version": event.version,
        "bureau_org_id": event.bureau_org_id,
        "departments": list(event.departments),
        "region": event.region or envelope.region,
        "adopted_at": envelope.occurred_at.isoformat(),
        "event_id": str(envelope.event_id),
    }

    def keep_highest(current: Document | None) -> Document | None:
        if current is not None and int(current["version"]) >= event.version:
            return None
        return doc

    await aggregate.project(ctx.store, EMERGENCY_PLANS, event.authorization_id, keep_highest)
