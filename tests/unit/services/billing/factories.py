"""Factories for billing's domain tests: ``*_factory(**overrides)``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.billing.domain.invoice import MeteredUse
from services.billing.domain.price_model import PriceVersion, Tier, Unit

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


def price_factory(**overrides: Any) -> PriceVersion:
    fields: dict[str, Any] = {
        "price_id": "price-1",
        "product_id": "prod-credit",
        "unit": Unit.CALL,
        "unit_price_fen": 20,
        "tiers": (),
        "key_scenario_discount_percent": 0,
        "effective_from": T0,
        "listed_seq": 1,
    }
    fields.update(overrides)
    if fields["tiers"] and not isinstance(fields["tiers"][0], Tier):
        fields["tiers"] = tuple(Tier(*t) for t in fields["tiers"])
    return PriceVersion(**fields)


def use_factory(**overrides: Any) -> MeteredUse:
    fields: dict[str, Any] = {
        "event_id": "ev-1",
        "customer_org_id": "org-dev-a",
        "product_id": "prod-credit",
        "unit": "call",
        "quantity": 1,
        "scenario_id": "",
        "occurred_at": T0,
    }
    fields.update(overrides)
    return MeteredUse(**fields)
