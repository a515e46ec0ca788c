"""A reference data-exchange client (数据交易所对接参考实现) of the public data platform.

It is built from the platform's published contracts alone — ``asyncapi.json`` and the
self-contained JSON Schemas under ``schemas/`` — with aiokafka, httpx and jsonschema;
it imports nothing of the platform. One run (``trade``) does what an exchange's matching
system does for one listing:

1. signs in to the platform with its client credentials (OAuth2 client credentials:
   ``POST /identity/tokens``);
2. reads the trading topic ``pdo.<region>.trading.trades.v1`` as its own Kafka principal
   (SASL/SCRAM), in a consumer group under its own prefix ``exchange.<name>.``;
3. validates every record against the published schemas, and ignores a record whose
   ``event_id`` it has already handled (delivery is at least once);
4. on its listing (``listing.created``) passes on a buyer's order, on the platform's
   ``order.received`` reports the execution (成交) at the published price, on
   ``trade.executed`` reports the settlement (结算), and stops at ``trade.settled``;
5. reads the trade back over HTTP and checks the platform's state matches what it did.

Every id it sends (order, trade, settlement) is its own and derived from the listing,
so a retry after a crash sends the same request and the platform answers the first
result (``Idempotent-Replayed: true``) instead of trading twice.

The result is one JSON document on stdout; the exit status is 0 when the trade settled
and the platform agrees, 1 when not, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from aiokafka import AIOKafkaConsumer

TOPIC = "pdo.{region}.trading.trades.v1"
REPLAYED = "Idempotent-Replayed"


class Contracts:
    """The published contracts: which schema validates which event type."""

    def __init__(self, root: Path) -> None:
        self.root = root
        document = json.loads((root / "asyncapi.json").read_text(encoding="utf-8"))
        self.schema_of: dict[str, str] = {}
        for message in document["components"]["messages"].values():
            payload_ref = message["payload"]["allOf"][1]["properties"]["payload"]["$ref"]
            self.schema_of[message["name"]] = payload_ref.rsplit("/", 1)[-1]
        self._validators: dict[str, Any] = {}

    def _validator(self, name: str) -> Any:
        if name not in self._validators:
            schema = json.loads((self.root / "schemas" / f"{name}.json").read_text("utf-8"))
            cls = jsonschema.validators.validator_for(schema)
            self._validators[name] = cls(schema)
        return self._validators[name]

    def validate(self, record: dict[str, Any]) -> None:
        """Raise ``jsonschema.ValidationError`` unless the envelope and its payload match."""
        self._validator("Envelope").validate(record)
        name = self.schema_of.get(record["type"])
        if name is not None:  # an event type this client does not know: skip, never fail
            self._validator(name).validate(record["payload"])


class SeenEvents:
    """Event ids already handled, kept in a file so that a restart ignores them too
    (the deduplication the contract asks for: ``event_id`` is the key)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.ids: set[str] = set()
        if path is not None and path.exists():
            self.ids = set(json.loads(path.read_text(encoding="utf-8")))

    def __contains__(self, event_id: object) -> bool:
        return event_id in self.ids

    def add(self, event_id: str) -> None:
        self.ids.add(event_id)
        if self.path is not None:
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(sorted(self.ids)), encoding="utf-8")
            tmp.replace(self.path)


def amount_due(listing: dict[str, Any], quantity: int) -> int:
    """The published price of ``quantity`` units in fen, progressive tiers applied: from
    a tier's ``from_quantity`` on, each further unit costs the tier's price."""
    bands = [(0, int(listing["price_fen"]))]
    for tier in sorted(listing.get("tiers", []), key=lambda t: t["from_quantity"]):
        if tier["from_quantity"] <= bands[-1][0]:
            bands[-1] = (bands[-1][0], tier["unit_price_fen"])
        else:
            bands.append((tier["from_quantity"], tier["unit_price_fen"]))
    total = 0
    for index, (start, price) in enumerate(bands):
        end = bands[index + 1][0] if index + 1 < len(bands) else quantity
        if quantity > start:
            total += (min(end, quantity) - start) * price
    return total


@dataclass
class Settings:
    bootstrap: str
    region: str
    group: str
    platform: str
    client_id: str
    client_secret: str
    org_id: str
    contracts: Path
    username: str = ""
    password: str = ""
    security_protocol: str = "SASL_PLAINTEXT"
    sasl_mechanism: str = "SCRAM-SHA-512"
    buyer_org_id: str = "91370100BUYER0001X"
    quantity: int = 1
    listing_id: str = ""
    seen_file: Path | None = None
    timeout: float = 120.0


@dataclass
class Exchange:
    """One exchange's matching system, trading one listing through the platform."""

    settings: Settings
    http: httpx.AsyncClient
    contracts: Contracts
    seen: SeenEvents
    headers: dict[str, str] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    ignored: list[dict[str, Any]] = field(default_factory=list)
    posted: list[dict[str, Any]] = field(default_factory=list)
    listing: dict[str, Any] | None = None
    settled: dict[str, Any] | None = None

    async def sign_in(self) -> str:
        answer = await self.http.post(
            "/identity/tokens",
            json={
                "grant_type": "client_credentials",
                "client_id": self.settings.client_id,
                "client_secret": self.settings.client_secret,
                "scope": "orders:write settlements:write",
            },
        )
        answer.raise_for_status()
        body = answer.json()
        self.headers = {"Authorization": f"Bearer {body['access_token']}"}
        return str(body["scope"])

    async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with retries on timeouts and 5xx: safe, the ids make it idempotent."""
        for attempt in range(5):
            try:
                answer = await self.http.post(path, json=body, headers=self.headers)
            except httpx.TransportError:
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            if answer.status_code >= 500:
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            if answer.status_code != 201:
                raise RuntimeError(f"POST {path} refused {answer.status_code}: {answer.text}")
            result: dict[str, Any] = answer.json()
            self.posted.append(
                {"path": path, "body": body, "replayed": answer.headers.get(REPLAYED) == "true"}
            )
            return result
        raise RuntimeError(f"POST {path} failed five times")

    def mine(self, payload: dict[str, Any]) -> bool:
        listing = self.listing
        if listing is None:
            return False
        return bool(payload.get("listing_id") == listing["listing_id"])

    async def handle(self, record: dict[str, Any]) -> bool:
        """React to one new event; True once this listing's trade is settled."""
        payload = record["payload"]
        kind = record["type"]
        ids = self.ids()
        if kind == "listing.created" and self.listing is None:
            wanted = self.settings.listing_id
            if payload["exchange_org_id"] == self.settings.org_id and (
                not wanted or payload["listing_id"] == wanted
            ):
                answer = await self.http.get(
                    f"/trading_bridge/listings/{payload['listing_id']}", headers=self.headers
                )
                answer.raise_for_status()
                self.listing = answer.json()
                ids = self.ids()
                await self.post(
                    "/trading_bridge/orders/",
                    {
                        "order_id": ids["order"],
                        "listing_id": payload["listing_id"],
                        "buyer_org_id": self.settings.buyer_org_id,
                        "quantity": self.settings.quantity,
                    },
                )
        elif kind == "order.received" and self.mine(payload):
            if payload["order_id"] == ids["order"] and self.listing is not None:
                await self.post(
                    "/trading_bridge/trades/",
                    {
                        "trade_id": ids["trade"],
                        "order_id": payload["order_id"],
                        "quantity": payload["quantity"],
                        "amount_fen": amount_due(self.listing, payload["quantity"]),
                    },
                )
        elif kind == "trade.executed" and self.mine(payload):
            if payload["trade_id"] == ids["trade"]:
                await self.post(
                    "/trading_bridge/settlements/",
                    {
                        "settlement_id": ids["settlement"],
                        "trade_id": payload["trade_id"],
                        "amount_fen": payload["amount_fen"],
                    },
                )
        elif kind == "trade.settled" and payload.get("trade_id") == ids.get("trade"):
            self.settled = payload
            return True
        return False

    def ids(self) -> dict[str, str]:
        """The exchange's own ids for this listing's order, trade and settlement."""
        if self.listing is None:
            return {}
        base = self.listing["listing_id"]
        return {"order": f"X-O-{base}", "trade": f"X-T-{base}", "settlement": f"X-S-{base}"}

    async def consume(self) -> None:
        s = self.settings
        options: dict[str, Any] = {}
        if s.security_protocol.startswith("SASL_"):
            options = {
                "security_protocol": s.security_protocol,
                "sasl_mechanism": s.sasl_mechanism,
                "sasl_plain_username": s.username,
                "sasl_plain_password": s.password,
            }
        reader = AIOKafkaConsumer(
            TOPIC.format(region=s.region),
            bootstrap_servers=s.bootstrap,
            group_id=s.group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **options,
        )
        await reader.start()
        try:
            deadline = time.monotonic() + s.timeout
            done = self.settled is not None
            while not done and time.monotonic() < deadline:
                batches = await reader.getmany(timeout_ms=500)
                for partition, records in batches.items():
                    for record in records:
                        done = await self.one(partition.partition, record) or done
                if batches:
                    await reader.commit()
        finally:
            await reader.stop()

    async def one(self, partition: int, raw: Any) -> bool:
        record = json.loads(raw.value)
        self.contracts.validate(record)
        note = {
            "type": record["type"],
            "event_id": record["event_id"],
            "partition": partition,
            "offset": raw.offset,
            "key": raw.key.decode() if raw.key else "",
        }
        if record["event_id"] in self.seen:
            self.ignored.append(note)
            return False
        self.events.append(note)
        done = await self.handle(record)
        self.seen.add(record["event_id"])
        return done

    async def check(self) -> dict[str, Any]:
        """The trade as the platform holds it, compared with what this exchange did."""
        ids = self.ids()
        if not ids or self.settled is None or self.listing is None:
            return {"matches": False, "reason": "no settled trade seen"}
        answer = await self.http.get(f"/trading_bridge/trades/{ids['trade']}", headers=self.headers)
        answer.raise_for_status()
        trade = answer.json()
        expected = amount_due(self.listing, self.settings.quantity)
        problems = [
            name
            for name, ok in (
                ("state", trade["state"] == "settled"),
                ("order_id", trade["order_id"] == ids["order"]),
                ("listing_id", trade["listing_id"] == self.listing["listing_id"]),
                ("quantity", trade["quantity"] == self.settings.quantity),
                ("amount_fen", trade["amount_fen"] == expected),
                ("settlement_id", (trade.get("settlement") or {}).get("settlement_id")
                 == ids["settlement"]),
                ("settled_amount_fen", self.settled["amount_fen"] == expected),
            )
            if not ok
        ]  # fmt: skip
        return {"matches": not problems, "mismatches": problems, "trade": trade}


async def trade(settings: Settings) -> dict[str, Any]:
    contracts = Contracts(settings.contracts)
    async with httpx.AsyncClient(base_url=settings.platform, timeout=30.0) as http:
        exchange = Exchange(settings, http, contracts, SeenEvents(settings.seen_file))
        scope = await exchange.sign_in()
        await exchange.consume()
        report = await exchange.check()
    return {
        "scope": scope,
        "listing_id": exchange.listing["listing_id"] if exchange.listing else "",
        "events": exchange.events,
        "ignored_duplicates": exchange.ignored,
        "posted": exchange.posted,
        **report,
    }


def parse(argv: list[str]) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["trade"])
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap host:port")
    parser.add_argument(
        "--security-protocol",
        default="SASL_PLAINTEXT",
        help="SASL_SSL in production, SASL_PLAINTEXT on a private network",
    )
    parser.add_argument("--sasl-mechanism", default="SCRAM-SHA-512")
    parser.add_argument("--username", default="", help="the exchange's principal, exchange-<name>")
    parser.add_argument("--region", required=True, help="GB/T 2260 code of the region served")
    parser.add_argument("--group", required=True, help="a consumer group exchange.<name>.<...>")
    parser.add_argument("--platform", required=True, help="base URL of the platform's API")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--org-id", required=True, help="the exchange's organization id")
    parser.add_argument(
        "--contracts", required=True, type=Path, help="directory holding asyncapi.json and schemas/"
    )
    parser.add_argument("--listing-id", default="", help="trade this listing (default: first)")
    parser.add_argument("--buyer-org-id", default="91370100BUYER0001X")
    parser.add_argument("--quantity", type=int, default=1)
    parser.add_argument(
        "--seen-file",
        type=Path,
        default=None,
        help="where handled event ids are kept (deduplication across runs)",
    )
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)  # fmt: skip
    return Settings(
        bootstrap=args.bootstrap,
        region=args.region,
        group=args.group,
        platform=args.platform,
        client_id=args.client_id,
        client_secret=os.environ.get("EXCHANGE_CLIENT_SECRET", ""),
        org_id=args.org_id,
        contracts=args.contracts,
        username=args.username,
        password=os.environ.get("EXCHANGE_KAFKA_PASSWORD", ""),
        security_protocol=args.security_protocol,
        sasl_mechanism=args.sasl_mechanism,
        buyer_org_id=args.buyer_org_id,
        quantity=args.quantity,
        listing_id=args.listing_id,
        seen_file=args.seen_file,
        timeout=args.timeout,
    )


def main(argv: list[str] | None = None) -> int:
    settings = parse(sys.argv[1:] if argv is None else argv)
    report = asyncio.run(trade(settings))
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if report["matches"] else 1


if __name__ == "__main__":
    sys.exit(main())
