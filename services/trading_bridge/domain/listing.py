"""Listings (挂牌): a released product offered on a licensed data exchange at its published
price. The listing is the only way a product reaches a buyer (TRD-1).

Theory of operation: the operator asks to list a product on an exchange at a unit and a
price; ``list_product`` checks, in order, that the exchange is licensed (TRD-1), that the
product is released and not withdrawn (TRD-1), that it may be traded at all (TRD-3), and
that the price is exactly the published one (BIL-5), and returns the listing with its
``listing.created`` event. A listing ends by ``withdraw`` — by the operator, on the
product's withdrawal, when billing publishes a different price, or at once when the
operator's authorization ends (AUTH-7) — with ``listing.withdrawn``; an operator whose
authorization ended lists nothing more. The transitions are the table ``TRANSITIONS``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal

from contracts.errors import Conflict, DomainError
from contracts.events import ListingCreated, ListingWithdrawn
from contracts.machine import transition
from services.trading_bridge.domain.facts import Exchange, Product
from services.trading_bridge.domain.pricing import PriceTerms

ListingState = Literal["active", "withdrawn"]


class Kind(StrEnum):
    """What happens to a listing (the event types it emits): the key of ``TRANSITIONS``."""

    WITHDRAWN = "listing.withdrawn"  # 下架


TRANSITIONS: dict[ListingState, dict[Kind, ListingState]] = {
    "active": {Kind.WITHDRAWN: "withdrawn"},
    "withdrawn": {},
}
TERMINAL: frozenset[str] = frozenset({"withdrawn"})

NEVER_TRADED: frozenset[str] = frozenset({"state_secret", "national_security", "personal_privacy"})
"""Touching these, a product is never traded, whatever permission is on file (TRD-3:
涉及国家秘密、国家安全和个人隐私信息等受法律保护的数据 … 禁止进行数据交易, 000 §5.2)."""
NEEDS_PERMISSION: frozenset[str] = frozenset({"third_party_rights"})
"""Touching these, a product is traded only with the rights holder's permission (TRD-3:
涉及他人知识产权、商业秘密等权利的数据(取得权利人明确许可授权的除外), 000 §5.2). The
exception covers others' IP and trade secrets only, never personal privacy."""

_NAMES = {
    "state_secret": "state secrets (国家秘密)",
    "national_security": "national security (国家安全)",
    "personal_privacy": "personal privacy (个人隐私)",
    "third_party_rights": "others' intellectual property or trade secrets (他人知识产权和商业秘密)",
}


def advance(state: str, event: Kind) -> ListingState:
    """The state after ``event``; a missing transition raises ``IllegalTransition``."""
    return transition("listing", TRANSITIONS, state, event, rule="TRD-1")


@dataclass(frozen=True, slots=True)
class ListProduct:
    """The operator's command: list ``product_id`` on ``exchange_org_id`` at a price."""

    product_id: str
    exchange_org_id: str
    unit: str
    price_fen: int


@dataclass(frozen=True, slots=True)
class Listing:
    listing_id: str
    product_id: str
    exchange_org_id: str
    terms: PriceTerms
    state: ListingState
    listed_at: datetime
    listed_by_org_id: str
    withdrawn_at: datetime | None = None
    withdrawn_reason: str = ""

    @property
    def active(self) -> bool:
        return self.state == "active"


def check_tradable(product: Product) -> None:
    """TRD-3: never state secrets, national security or personal privacy, with no
    exception; others' IP and trade secrets only with the holder's permission on file.
    An unknown kind of sensitivity is refused too: the bridge cannot judge what it does
    not know."""
    touched = set(product.touches)
    forbidden = sorted(touched & NEVER_TRADED)
    if forbidden:
        raise DomainError(
            f"product {product.product_id} touches "
            + ", ".join(_NAMES[t] for t in forbidden)
            + " and can never be traded",
            rule="TRD-3",
            field="product_id",
        )
    missing = sorted((touched & NEEDS_PERMISSION) - set(product.permissions))
    if missing:
        raise DomainError(
            f"product {product.product_id} touches "
            + ", ".join(_NAMES[t] for t in missing)
            + " without the rights holder's permission on file, and cannot be traded",
            rule="TRD-3",
            field="product_id",
        )
    unknown = sorted(touched - NEVER_TRADED - NEEDS_PERMISSION)
    if unknown:
        raise DomainError(
            f"product {product.product_id} touches {', '.join(unknown)}, which the bridge "
            "does not know how to judge; it is not traded",
            rule="TRD-3",
            field="product_id",
        )


def check_operator_authorized(operator_org_id: str, agreements: dict[str, str]) -> None:
    """AUTH-7: once the operator's authorization ended (every agreement the bridge knows
    of it terminated, revoked or expired) it lists nothing more: 001 art.24 及时撤销授权运营
    单位的公共数据使用权限; 002 §4(五) 應當及時關閉運營機構在市運營平臺中的相關權限.
    ``agreements`` maps each known agreement of the operator to ``active`` or ``ended``;
    an operator with no agreement known yet is not judged here."""
    if agreements and all(state == "ended" for state in agreements.values()):
        raise DomainError(
            f"the authorization of operator {operator_org_id} has ended "
            f"({', '.join(sorted(agreements))}); it lists no product",
            rule="AUTH-7",
            field="product_id",
        )


def check_released(product_id: str, product: Product | None) -> Product:
    """Only a product on the published list circulates (TRD-1, EXP-1)."""
    if product is None:
        raise DomainError(
            f"product {product_id} has not been released; only released products are listed",
            rule="TRD-1",
            field="product_id",
        )
    if product.state != "released":
        raise DomainError(
            f"product {product_id} was withdrawn ({product.withdrawn_reason}); it cannot be listed",
            rule="TRD-1",
            field="product_id",
        )
    return product


def check_published_price(cmd: ListProduct, price: PriceTerms | None) -> PriceTerms:
    """BIL-5: the listed price is the published price (明码标价), to the fen."""
    if price is None:
        raise DomainError(
            f"product {cmd.product_id} has no published price per {cmd.unit!r}; "
            "a product is listed only at its published price",
            rule="BIL-5",
            field="unit",
        )
    if price.unit_price_fen != cmd.price_fen:
        raise DomainError(
            f"the price {cmd.price_fen} fen per {cmd.unit} differs from the published "
            f"price {price.unit_price_fen} fen ({price.price_id})",
            rule="BIL-5",
            field="price_fen",
        )
    return price


def list_product(
    cmd: ListProduct,
    *,
    listing_id: str,
    exchange: Exchange | None,
    product: Product | None,
    price: PriceTerms | None,
    already_listed: bool,
    operator_org_id: str,
    at: datetime,
    operator_agreements: dict[str, str] | None = None,
) -> tuple[Listing, ListingCreated]:
    """Decide a listing (AUTH-7, TRD-1, TRD-3, BIL-5); raises the first rule it breaks."""
    check_operator_authorized(operator_org_id, operator_agreements or {})
    if exchange is None:
        raise DomainError(
            f"{cmd.exchange_org_id} is not a licensed data exchange known to the platform",
            rule="TRD-1",
            field="exchange_org_id",
        )
    released = check_released(cmd.product_id, product)
    check_tradable(released)
    terms = check_published_price(cmd, price)
    if already_listed:
        raise Conflict(
            f"product {cmd.product_id} is already listed per {cmd.unit} on {cmd.exchange_org_id}",
            rule="TRD-1",
        )
    listing = Listing(
        listing_id=listing_id,
        product_id=cmd.product_id,
        exchange_org_id=exchange.org_id,
        terms=terms,
        state="active",
        listed_at=at,
        listed_by_org_id=operator_org_id,
    )
    event = ListingCreated(
        listing_id=listing_id,
        product_id=cmd.product_id,
        exchange_org_id=exchange.org_id,
        price_fen=terms.unit_price_fen,
        unit=terms.unit,
    )
    return listing, event


def withdraw(listing: Listing, *, reason: str, at: datetime) -> tuple[Listing, ListingWithdrawn]:
    state = advance(listing.state, Kind.WITHDRAWN)
    after = replace(listing, state=state, withdrawn_at=at, withdrawn_reason=reason)
    return after, ListingWithdrawn(
        listing_id=listing.listing_id, product_id=listing.product_id, reason=reason
    )


def stale_price(listing: Listing, published: PriceTerms) -> bool:
    """An active listing whose price billing has since changed no longer shows the
    published price (BIL-5): it must be withdrawn and listed again."""
    return (
        listing.active
        and listing.product_id == published.product_id
        and listing.terms.unit == published.unit
        and not listing.terms.same_charge(published)
    )
