"""The published product and service list (产品和服务清单, EXP-5): a pure projection.

Folded from ``product.released`` and ``product.withdrawn`` alone, so disclosure or any
reader rebuilds the same list from the event stream: each released product appears
once, at its newest released version, until it is withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass

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

    def as_record(self) -> dict[str, object]:
        return asdict(self)


ProductList = Mapping[str, ListedProduct]


def project(listing: ProductList, event: Event) -> dict[str, ListedProduct]:
    """The list after one event; events of other kinds leave it unchanged."""
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
                )
        case ProductWithdrawn():
            updated.pop(event.product_id, None)
    return updated


def published(listing: ProductList) -> tuple[ListedProduct, ...]:
    """The list as published: ordered by registration code, then product id."""
    return tuple(sorted(listing.values(), key=lambda p: (p.registration_code, p.product_id)))


def product_list(events: Iterable[Event]) -> tuple[ListedProduct, ...]:
    listing: dict[str, ListedProduct] = {}
    for event in events:
        listing = project(listing, event)
    return published(listing)
