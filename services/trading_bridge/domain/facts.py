"""What trading-bridge knows of other services, folded from their events: released
products (product-release), published prices (billing) and licensed exchanges (identity).

Each fold is pure and keyed by the aggregate the event names, so a redelivered event
changes nothing and the inbox drops exact duplicates anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from contracts.events import OrgRegistered, PriceListed, ProductReleased, ProductWithdrawn
from services.trading_bridge.domain.pricing import PriceTerms, Tier

ProductState = Literal["released", "withdrawn"]


@dataclass(frozen=True, slots=True)
class Product:
    """A product on the published list (产品和服务清单) as trading-bridge sees it."""

    product_id: str
    version: int
    name: str
    developer_org_id: str
    registration_code: str
    certificate_id: str
    state: ProductState
    touches: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    withdrawn_reason: str = ""


@dataclass(frozen=True, slots=True)
class Exchange:
    """A licensed data exchange (数据交易机构): an organization of role ``exchange``."""

    org_id: str
    name: str
    region: str


def released(event: ProductReleased) -> Product:
    return Product(
        product_id=event.product_id,
        version=event.version,
        name=event.name,
        developer_org_id=event.developer_org_id,
        registration_code=event.registration_code,
        certificate_id=event.certificate_id,
        state="released",
        touches=tuple(event.touches),
        permissions=tuple(event.permissions),
    )


def withdrawn(before: Product | None, event: ProductWithdrawn) -> Product:
    """A withdrawal known before its release (not expected: one key, one order) still
    leaves a withdrawn record, so a late release of that version cannot revive it."""
    if before is None:
        return Product(
            product_id=event.product_id,
            version=0,
            name="",
            developer_org_id="",
            registration_code="",
            certificate_id="",
            state="withdrawn",
            withdrawn_reason=event.reason,
        )
    return replace(before, state="withdrawn", withdrawn_reason=event.reason)


def price_of(event: PriceListed) -> PriceTerms:
    return PriceTerms(
        price_id=event.price_id,
        product_id=event.product_id,
        unit=event.unit,
        unit_price_fen=event.unit_price_fen,
        tiers=tuple(Tier(t.from_quantity, t.unit_price_fen) for t in event.tiers),
    )


def exchange_of(event: OrgRegistered) -> Exchange | None:
    """Only organizations registered with the role ``exchange`` may list (TRD-1)."""
    if event.role != "exchange":
        return None
    return Exchange(org_id=event.org_id, name=event.name, region=event.region)
