"""The published product and service list (产品和服务清单, EXP-5): a pure projection.

Folded from ``product.released`` and ``product.withdrawn`` alone, so disclosure or any
reader rebuilds the same list from the event stream: each released product appears
once, at its newest released version, until the operator withdraws it. A product whose
operator's authorization ended (AUTH-7: termination, revocation, expiry) stays on the
list with the status ``authorization_ended`` and the reason, so the public sees that it
is no longer offered and why. The release date is not in
the event: a reader passes the envelope's ``occurred_at``, shown as the calendar day in
China (UTC+8).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

from contracts.events import Event, ProductReleased, ProductWithdrawn


@dataclass(frozen=True, slots=True)
class ListedProduct:
    product_id: str
    name: str
    kind: str
    developer_org_id: str
    version: int
    registration_code: str
    certificate_id: str
    released_on: str = ""
    """The release date (ISO 8601), the calendar day in China (UTC+8)."""
    status: str = "released"
    """``released`` (offered), or ``authorization_ended`` (AUTH-7: no longer offered)."""
    status_reason: str = ""

    def as_record(self) -> dict[str, object]:
        return asdict(self)


ProductList = Mapping[str, ListedProduct]
RELEASED = "released"
AUTHORIZATION_ENDED = "authorization_ended"
ENDS_WITH_AUTHORIZATION = "AUTH-7"
"""The rule of a withdrawal that keeps the product on the list with its status."""


def ended(product: ListedProduct, reason: str) -> ListedProduct:
    """AUTH-7: the entry as shown once the operator's authorization ended."""
    return replace(product, status=AUTHORIZATION_ENDED, status_reason=reason)


CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


def release_date(released_at: datetime | None) -> str:
    """The calendar day of a release in China (UTC+8, ISO 8601); a naive time is UTC."""
    if released_at is None:
        return ""
    if released_at.tzinfo is None:
        released_at = released_at.replace(tzinfo=UTC)
    return released_at.astimezone(CHINA_STANDARD_TIME).date().isoformat()


def project(
    listing: ProductList, event: Event, *, released_at: datetime | None = None
) -> dict[str, ListedProduct]:
    """The list after one event; events of other kinds leave it unchanged.
    ``released_at`` is when a ``product.released`` occurred (its envelope's time)."""
    updated = dict(listing)
    match event:
        case ProductReleased():
            current = updated.get(event.product_id)
            if current is None or event.version >= current.version:
                updated[event.product_id] = ListedProduct(
                    product_id=event.product_id,
                    name=event.name,
                    kind=event.kind,
                    developer_org_id=event.developer_org_id,
                    version=event.version,
                    registration_code=event.registration_code,
                    certificate_id=event.certificate_id,
                    released_on=release_date(released_at),
                )
        case ProductWithdrawn():
            current = updated.pop(event.product_id, None)
            if current is not None and event.rule == ENDS_WITH_AUTHORIZATION:
                updated[event.product_id] = ended(current, event.reason)
    return updated


def published(listing: ProductList) -> tuple[ListedProduct, ...]:
    """The list as published: ordered by registration code, then product id."""
    return tuple(sorted(listing.values(), key=lambda p: (p.registration_code, p.product_id)))


def product_list(events: Iterable[Event]) -> tuple[ListedProduct, ...]:
    listing: dict[str, ListedProduct] = {}
    for event in events:
        listing = project(listing, event)
    return published(listing)
