"""``identity.agreements`` (identity): the operators' authorizations. When one ends
(termination or revocation, expiry) every active listing of that operator is withdrawn at
once on the exchange-facing topic, and it lists nothing more (AUTH-7)."""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events import (
    AgreementExpired,
    AgreementRenewed,
    AgreementSigned,
    AgreementTerminated,
)
from contracts.expect import expect
from libs import aggregate
from libs.bus.routes import Route
from libs.service import ServiceContext
from libs.store.port import Document
from services.trading_bridge import repository as repo
from services.trading_bridge.commands import trading as commands


async def on_agreement(ctx: ServiceContext, envelope: Envelope) -> None:
    """AUTH-7: keep each operator agreement as ``active`` or ``ended`` (an end is sticky);
    an end withdraws every active listing of the operator at once, with the reason, on
    the exchange-facing topic (``listing.withdrawn``)."""
    event = expect(
        envelope, AgreementSigned, AgreementRenewed, AgreementTerminated, AgreementExpired
    )
    ends = isinstance(event, AgreementTerminated | AgreementExpired)

    def fold(doc: Document | None) -> Document:
        state = "ended" if ends or (doc or {}).get("state") == "ended" else "active"
        return {
            **(doc or {}),
            "_id": event.agreement_id,
            "operator_org_id": event.operator_org_id,
            "state": state,
        }

    await aggregate.project(ctx.store, repo.AGREEMENTS, event.agreement_id, fold)
    if not ends:
        return
    if isinstance(event, AgreementTerminated):
        why = f"agreement {event.agreement_id} terminated: {event.reason}"
    else:
        why = f"agreement {event.agreement_id} expired"
    await commands.withdraw_active_listings(
        ctx,
        envelope,
        f"the operator's authorization ended (AUTH-7): {why}",
        where={"listed_by_org_id": event.operator_org_id},
    )


ROUTES: dict[str, Route] = {
    "agreement.signed": on_agreement,
    "agreement.renewed": on_agreement,
    "agreement.terminated": on_agreement,
    "agreement.expired": on_agreement,
}
