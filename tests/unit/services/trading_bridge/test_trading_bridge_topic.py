"""TRD-2: every event trading-bridge emits is on one exchange-facing, versioned topic,
documented in the checked-in AsyncAPI file; and the bridge subscribes to what it needs."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from contracts.events import ALL_EVENTS
from contracts.topics import topic_for
from services.trading_bridge.handlers import _ROUTES

ROOT = Path(__file__).resolve().parents[4]
EMITTED = (
    "listing.created",
    "listing.withdrawn",
    "order.received",
    "trade.executed",
    "trade.settled",
)


def test_TRD_2_every_bridge_event_is_on_the_versioned_exchange_facing_topic() -> None:
    topics = {topic_for(event_type) for event_type in EMITTED}
    assert len(topics) == 1
    (topic,) = topics
    assert topic.audience == "exchange" and topic.producer == "trading_bridge"
    assert topic.name("370300") == "pdo.370300.trading.trades.v1"
    channel = json.loads((ROOT / "contracts" / "asyncapi.json").read_text(encoding="utf-8"))[
        "channels"
    ]["trading_trades_v1"]
    assert channel["x-pdo-audience"] == "exchange"
    assert set(channel["messages"]) == {t.replace(".", "_") for t in EMITTED}


def test_TRD_2_the_bridge_emits_only_events_of_its_topic() -> None:
    """Every event struct the service constructs is one of the exchange-facing five."""
    event_names = {event.__name__ for event in ALL_EVENTS}
    built: set[str] = set()
    for path in (ROOT / "services" / "trading_bridge").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        callees = [n.func for n in ast.walk(tree) if isinstance(n, ast.Call)]
        built.update(f.id for f in callees if isinstance(f, ast.Name) and f.id in event_names)
    assert built == {
        "ListingCreated",
        "ListingWithdrawn",
        "OrderReceived",
        "TradeExecuted",
        "TradeSettled",
    }


def test_TRD_1_the_bridge_follows_products_prices_exchanges_and_agreements() -> None:
    """The agreements too (AUTH-7): an operator whose authorization ended lists nothing."""
    assert set(_ROUTES) == {
        "product.released",
        "product.withdrawn",
        "price.listed",
        "org.registered",
        "agreement.signed",
        "agreement.renewed",
        "agreement.terminated",
        "agreement.expired",
    }
