"""``identity.organizations`` (identity): the licensed exchanges (role ``exchange``)."""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events import (
    OrgRegistered,
)
from contracts.expect import expect
from libs import aggregate
from libs.bus.routes import Route
from libs.service import ServiceContext
from services.trading_bridge import repository as repo
from services.trading_bridge.domain import facts


async def on_org_registered(ctx: ServiceContext, envelope: Envelope) -> None:
    event = expect(envelope, OrgRegistered)
    exchange = facts.exchange_of(event)
    if exchange is None:
        return
    await aggregate.project(
        ctx.store, repo.EXCHANGES, exchange.org_id, lambda _: repo.exchange_to_doc(exchange)
    )


ROUTES: dict[str, Route] = {
    "org.registered": on_org_registered,
}
