"""Issue 5's whole lifecycle through HTTP only, extending issue 4's walk (``FullPath``):

the walk (parties, resources, grant, sandboxes, jobs, export, a dataset product released,
a metered verification call) → billing: the bureau's max allowed revenue and cap, the
operator's published price, the agreed revenue shares (BIL-2, BIL-5, BIL-7) → trading:
a licensed exchange registered in identity with a machine client, the product listed on
it at the published price, the exchange's order, execution and settlement with its own
client-credential token (TRD-1, TRD-2) → the month closed: invoices traced to the trade
and usage events at exactly the published price, the revenue distributed with the
government share as non-tax revenue (BIL-7) → the year closed: the operator's annual
report and the bureau's evaluation (EVA-1, EVA-2) → the annual disclosure report listing
the authorization, the product and its price (DIS-2), and the transparency log checked
offline by ``pdo verify`` from downloaded files (DIS-3).

``Lifecycle`` drives one platform (all nine services) through one ``AsyncTestClient``;
the same steps run in embedded mode and on Kafka with the MongoDB-wire store. Events are
only read (``Events``), to check the exchange-facing topic and that invoice lines name
the events that caused them; nothing is put on the bus by the test.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from contracts.envelope import SCHEMA_VERSION, Envelope
from contracts.events import UsageMetered
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.secrets.keyring import LocalKeyring
from tests.e2e.test_identity_lifecycle_embedded import IdentityDriver
from tests.support import full_path
from tests.support.full_path import FullPath, scenario_to_metered_call
from tests.support.platform import eventually

SERVICES = (*full_path.SERVICES, "trading_bridge", "billing", "evaluation", "disclosure")
"""All nine services."""
REPO = Path(__file__).resolve().parents[2]

EXCHANGE_CODE = "91370300163062724H"
"""A code of ``demo.city`` the walk does not use (an enterprise, 91…)."""
BUYER_CODE = "11370300004228328F"
"""The buyer: 淄博市人力资源和社会保障局, no provider of the product's resources."""
EXCHANGE_SCOPES = "orders:write settlements:write"
YEAR = 2026
PLAN_PUBLISHED = "2025-07-01"
"""Zibo's plan is in force from 1 July 2025 (000: 本方案自2025年7月1日起施行)."""
PERIOD = "2026-03"
MONTH_CLOSED = datetime(2026, 4, 2, 2, 0, tzinfo=UTC)
"""10:00 on 2 April in Beijing: March has ended."""
YEAR_CLOSED = datetime(2027, 1, 11, 2, 0, tzinfo=UTC)
MAX_REVENUE_FEN = 80_000_000
CAP_FEN = 300_000
PRICE_FEN = 280_000
QUANTITY = 3
SHARES = {"government_bp": 3_000, "operator_bp": 5_000, "merchants_bp": 2_000}
DATASET = "淄博市分行业纳税规模统计"
VERIFICATION = "企业纳税信用等级核验"
STATEMENTS = {
    "authorized_storage": "授权数据存放于市公共数据授权运营平台，按分类分级存储",
    "development_and_use": "一个普惠金融场景；纳税规模统计数据集与纳税信用等级核验两项产品",
    "market_operation": "数据集经山东数据交易所挂牌成交一笔，按明码标价结算",
    "security_and_compliance": "全年无数据安全事件；出域前自动检查并人工审核",
}
TRADE_TYPES = ("listing.created", "order.received", "trade.executed", "trade.settled")

Events = Callable[[str], Awaitable[list[Envelope]]]
"""Every envelope of one event type published so far, in log order."""


def metered_from(events: Events) -> Callable[[], Awaitable[list[UsageMetered]]]:
    """The ``usage.metered`` events as the walk wants them."""

    async def metered() -> list[UsageMetered]:
        found = [e.payload for e in await events("usage.metered")]
        return [u for u in found if isinstance(u, UsageMetered)]

    return metered


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


@dataclass
class OwnLoopDriver(IdentityDriver):
    """Signs the bureau's token with ``keys``, a keyring of the test's own event loop."""

    keys: LocalKeyring | None = None

    async def bearer(self, who: Principal, *, ttl: int = 600) -> dict[str, str]:
        assert self.keys is not None
        issuer = TokenIssuer(self.keys, self.clock, region=self.region)
        return {"Authorization": f"Bearer {await issuer.issue(who, ttl_seconds=ttl)}"}


@dataclass
class LifecyclePath(FullPath):
    """``FullPath`` whose test-side signing uses its own ``LocalKeyring`` over the
    platform's keyring file.

    The platform runs in the test client's portal thread, on an event loop of its own,
    while the test signs the bureau's tokens on the test's loop. One ``LocalKeyring``
    shared by both has one ``asyncio.Lock``, bound to whichever loop first waits on it:
    when the disclosure tree-head signer and the test sign at once, the other loop gets
    "bound to a different event loop" and the lock is left with a dead waiter, so every
    later signature hangs. Two instances over one file are what two processes would
    be (the file lock orders their writes)."""

    keys: LocalKeyring | None = None

    @property
    def identity(self) -> IdentityDriver:
        return OwnLoopDriver(
            self.platform, self.http, self.clock, region=self.region, keys=self.keys
        )


@dataclass
class Lifecycle:
    walk: FullPath
    events: Events
    tmp: Path
    seen: dict[str, Any] = field(default_factory=dict)
    """What the steps learned (products, listing, trade, invoices…), by name."""

    @property
    def ids(self) -> dict[str, str]:
        return self.walk.ids

    async def call(
        self, method: str, path: str, who: str, body: Any = None, *, expect: int = 200
    ) -> Any:
        return await self.walk.call(method, path, who, body, expect=expect)

    # --- time and tokens ----------------------------------------------------------------

    async def move_clock(self, to: datetime) -> None:
        """Move the platform's clock; every token is checked against it, so sign in again
        (the users by password, the bureau as before, the exchange by its client)."""
        self.walk.clock.set(to)
        d = self.walk.identity
        self.walk.tokens["bureau"] = await d.bureau()
        users = {
            "operator": "op.admin",
            "developer": "dev.admin",
            "tax": "tax.admin",
            "market": "market.admin",
            "buyer": "hrss.admin",
        }
        for who, username in users.items():
            if who in self.walk.tokens:
                self.walk.tokens[who] = await d.login(username)
        if "exchange_client" in self.ids:
            await self.exchange_token()

    async def exchange_token(self) -> str:
        """The exchange's machine client signs in with client credentials."""
        response = await self.walk.http.post(
            "/identity/tokens",
            json={
                "grant_type": "client_credentials",
                "client_id": self.ids["exchange_client"],
                "client_secret": self.ids["exchange_secret"],
                "scope": EXCHANGE_SCOPES,
            },
        )
        assert response.status_code == 200, response.text
        issued = response.json()
        assert issued["role"] == "exchange", issued
        self.walk.tokens["exchange"] = {"Authorization": f"Bearer {issued['access_token']}"}
        return str(issued["scope"])

    # --- 1. the walk ----------------------------------------------------------------------

    async def walk_to_release(self) -> None:
        await scenario_to_metered_call(self.walk, self.tmp, metered_from(self.events))
        listed = await self.call("GET", "/product_release/products/list", "")
        by_name = {p["name"]: p for p in listed["items"]}
        self.seen["dataset"] = by_name[DATASET]
        self.seen["verification"] = by_name[VERIFICATION]
        self.ids["product"] = by_name[DATASET]["product_id"]
        page = await self.call("GET", "/identity/authorizations", "operator")
        [active] = [a for a in page["items"] if a["state"] == "active"]
        assert active["operator_org_id"] == self.ids["operator"]
        self.ids["agreement"] = active["agreement"]["agreement_id"]
        # what a citizen saves now: the log's signed head before the year's prices
        self.seen["early_head"] = await self.signed_head(at_least=1)

    # --- 2. the price model ---------------------------------------------------------------

    async def price(self) -> None:
        """BIL-2: max allowed revenue, a cap, a price at most the cap; BIL-5: published;
        BIL-7: shares agreed by the bureau."""
        product = self.ids["product"]
        operator = self.ids["operator"]
        # BIL-4: the bureau records the day its implementation plan was published (自方案
        # 发布起3年内); the test regions on Kafka are not Zibo's, so the day is recorded here.
        recorded = await self.call(
            "PUT", "/billing/settings", "bureau", {"cultivation_starts_on": PLAN_PUBLISHED}
        )
        assert recorded["cultivation_starts_on"] == PLAN_PUBLISHED, recorded
        ceiling = await self.call(
            "PUT",
            f"/billing/max-revenue/{YEAR}",
            "bureau",
            {"operator_org_id": operator, "max_revenue_fen": MAX_REVENUE_FEN},
        )
        assert ceiling["max_revenue_fen"] == MAX_REVENUE_FEN and ceiling["revenue_fen"] == 0
        cap = await self.call(
            "PUT", f"/billing/caps/{product}/product", "bureau", {"cap_fen": CAP_FEN}
        )
        assert (cap["product_id"], cap["unit"], cap["cap_fen"]) == (product, "product", CAP_FEN)
        above = {"product_id": product, "unit": "product", "unit_price_fen": CAP_FEN + 1}
        refused = await self.walk.until("POST", "/billing/prices", "operator", above, expect=422)
        assert refused["rule"] == "BIL-2", refused
        body = {"product_id": product, "unit": "product", "unit_price_fen": PRICE_FEN}
        listed = await self.call("POST", "/billing/prices", "operator", body, expect=201)
        assert listed["in_force"] and listed["cap_fen"] == CAP_FEN, listed
        self.ids["price"] = listed["price_id"]
        public = await self.call("GET", "/billing/prices", "")
        [shown] = [p for p in public if p["product_id"] == product]
        assert shown["price_id"] == listed["price_id"] and shown["unit_price_fen"] == PRICE_FEN
        assert shown["cap_fen"] == CAP_FEN and shown["government_guided"] and shown["in_force"]
        caps = await self.call("GET", "/billing/caps", "")
        assert {"product_id": product, "unit": "product", "cap_fen": CAP_FEN} in [
            {k: c[k] for k in ("product_id", "unit", "cap_fen")} for c in caps
        ]
        agreed = await self.call(
            "PUT",
            "/billing/revenue-shares",
            "bureau",
            {**SHARES, "effective_from": date(YEAR, 1, 1).isoformat()},
        )
        assert {k: agreed[k] for k in SHARES} == SHARES
        assert agreed["set_by_org_id"] == f"org-{self.walk.region}-bureau"

    # --- 3. the exchange ------------------------------------------------------------------

    async def exchange(self) -> None:
        """A licensed exchange (role ``exchange``) with a machine client; a buyer."""
        d = self.walk.identity
        exchange_org = await d.register("山东数据交易有限公司", "exchange", EXCHANGE_CODE)
        created = await self.call(
            "POST",
            f"/identity/organizations/{exchange_org}/clients",
            "bureau",
            {"name": "交易所撮合系统", "scopes": EXCHANGE_SCOPES.split()},
            expect=201,
        )
        self.ids["exchange"] = exchange_org
        self.ids["exchange_client"] = created["client_id"]
        self.ids["exchange_secret"] = created["client_secret"]
        assert await self.exchange_token() == EXCHANGE_SCOPES
        buyer, self.walk.tokens["buyer"] = await d.party(
            "淄博市人力资源和社会保障局", "provider", BUYER_CODE, "hrss.admin"
        )
        self.ids["buyer"] = buyer

    async def trade(self) -> None:
        """TRD-1: listed at the published price, the only door; TRD-2: every step on the
        exchange-facing topic with its versioned schema."""
        product = self.ids["product"]
        body = {
            "product_id": product,
            "exchange_org_id": self.ids["exchange"],
            "unit": "product",
            "price_fen": PRICE_FEN,
        }
        listing = await self.walk.until("POST", "/trading_bridge/listings/", "operator", body)
        assert listing["state"] == "active" and listing["price_id"] == self.ids["price"], listing
        wrong = {**body, "price_fen": PRICE_FEN - 1}
        refused = await self.call(
            "POST", "/trading_bridge/listings/", "operator", wrong, expect=422
        )
        assert refused["rule"] == "BIL-5", refused
        shown = await self.call(
            "GET", f"/trading_bridge/listings/?product_id={product}", "exchange"
        )
        assert [x["listing_id"] for x in shown["items"]] == [listing["listing_id"]]

        order = await self.call(
            "POST",
            "/trading_bridge/orders/",
            "exchange",
            {
                "order_id": "SDDE-O-2026-0001",
                "listing_id": listing["listing_id"],
                "buyer_org_id": self.ids["buyer"],
                "quantity": QUANTITY,
            },
            expect=201,
        )
        assert order["product_id"] == product and order["buyer_org_id"] == self.ids["buyer"]
        amount = PRICE_FEN * QUANTITY
        executed = await self.call(
            "POST",
            "/trading_bridge/trades/",
            "exchange",
            {
                "trade_id": "SDDE-T-2026-0001",
                "order_id": order["order_id"],
                "quantity": QUANTITY,
                "amount_fen": amount,
            },
            expect=201,
        )
        assert executed["state"] == "executed" and executed["amount_fen"] == amount, executed
        settled = await self.call(
            "POST",
            "/trading_bridge/settlements/",
            "exchange",
            {
                "settlement_id": "SDDE-S-2026-0001",
                "trade_id": executed["trade_id"],
                "amount_fen": amount,
            },
            expect=201,
        )
        assert settled["state"] == "settled" and settled["settlement"]["amount_fen"] == amount
        trades = await self.call("GET", "/trading_bridge/trades/", "operator")
        assert [t["trade_id"] for t in trades["items"]] == [executed["trade_id"]]
        self.seen["listing"], self.seen["trade"] = listing, settled

        subjects = {listing["listing_id"], order["order_id"], executed["trade_id"]}

        async def on_topic() -> dict[str, Envelope] | None:
            found = {}
            for event_type in TRADE_TYPES:
                mine = [e for e in await self.events(event_type) if e.subject in subjects]
                if not mine:
                    return None
                assert len(mine) == 1, (event_type, mine)  # each step published once
                found[event_type] = mine[0]
            return found

        published = await eventually(on_topic, timeout=90, interval=0.5)
        topics = {topic_for(t).name(self.walk.region) for t in TRADE_TYPES}
        assert topics == {f"pdo.{self.walk.region}.trading.trades.v1"}, topics
        assert {e.schema_version for e in published.values()} == {SCHEMA_VERSION}
        trade_event = published["trade.executed"]
        assert trade_event.actor.org_id == self.ids["exchange"]
        assert getattr(trade_event.payload, "amount_fen", None) == amount
        assert getattr(published["trade.settled"].payload, "settlement_id", "") == (
            "SDDE-S-2026-0001"
        )
        self.seen["trade_event_id"] = str(trade_event.event_id)

    # --- 4. the month closed --------------------------------------------------------------

    async def invoice(self) -> None:
        """Monthly invoices traced to the events, at exactly the published price."""
        await self.move_clock(MONTH_CLOSED)
        buyer, market = self.ids["buyer"], self.ids["market"]
        # An invoice is issued once per customer and period, so wait until billing has
        # metered each customer's use (a run that finds none writes nothing).
        for customer in (buyer, market):
            await self.walk.until(
                "POST",
                "/billing/invoices",
                "operator",
                {"period": PERIOD, "customer_org_id": customer},
                expect=200,
            )
        issued = await self.call("POST", "/billing/invoices", "operator", {"period": PERIOD})
        by_customer = {i["customer_org_id"]: i for i in issued}
        # The developer's sandbox jobs are metered too (compute, rows), with no price.
        assert set(by_customer) == {buyer, market, self.ids["developer"]}, by_customer
        jobs = by_customer[self.ids["developer"]]
        assert jobs["total_fen"] == 0 and jobs["lines"], jobs
        assert {line["free_reason"] for line in jobs["lines"]} == {"no_published_price"}

        amount = PRICE_FEN * QUANTITY
        invoice = by_customer[buyer]
        assert invoice["operator_org_id"] == self.ids["operator"]
        assert invoice["total_fen"] == amount == self.seen["trade"]["settlement"]["amount_fen"]
        [line] = invoice["lines"]
        assert line["product_id"] == self.ids["product"] and line["unit"] == "product"
        assert (line["quantity"], line["unit_price_fen"]) == (QUANTITY, PRICE_FEN), line
        assert (line["gross_fen"], line["discount_fen"], line["amount_fen"]) == (amount, 0, amount)
        assert line["price_id"] == self.ids["price"] and line["free_reason"] == ""
        assert line["merchant_org_id"] == self.ids["developer"]
        assert line["source_event_ids"] == [self.seen["trade_event_id"]]
        # the buyer reads its own invoice; the market its own, not the buyer's
        own = await self.call("GET", f"/billing/invoices/{invoice['invoice_id']}", "buyer")
        assert own == invoice
        await self.call("GET", f"/billing/invoices/{invoice['invoice_id']}", "market", expect=403)

        # The verification call was the market's own use of results from its data (BIL-6).
        usage = [
            e
            for e in await self.events("usage.metered")
            if isinstance(e.payload, UsageMetered) and e.payload.unit == "call"
        ]
        free = by_customer[market]
        assert free["total_fen"] == 0
        [call] = free["lines"]
        assert call["product_id"] == self.seen["verification"]["product_id"]
        assert (call["quantity"], call["amount_fen"]) == (1, 0)
        assert call["free_reason"] == "provider_own_use", call
        assert call["source_event_ids"] == [str(e.event_id) for e in usage]
        self.seen["invoice"] = invoice

        revenue = await self.call(
            "GET", f"/billing/revenue/{YEAR}?operator_org_id={self.ids['operator']}", "operator"
        )
        assert revenue["max_revenue_fen"] == MAX_REVENUE_FEN
        assert revenue["revenue_fen"] == amount
        assert invoice["invoice_id"] in revenue["invoice_ids"]

    async def distribute(self) -> None:
        """BIL-7: the shares sum to the total; the government's is non-tax revenue."""
        made = await self.call("POST", "/billing/distributions", "operator", {"period": PERIOD})
        amount = PRICE_FEN * QUANTITY
        assert made["total_fen"] == amount
        parts = (made["government_fen"], made["operator_fen"], made["merchants_fen"])
        assert sum(parts) == amount
        assert parts == tuple(amount * SHARES[k] // 10_000 for k in SHARES), parts
        bureau = f"org-{self.walk.region}-bureau"
        ledger = {(e["account"], e["party"]): e["amount_fen"] for e in made["ledger"]}
        assert ledger[("non_tax_revenue", bureau)] == made["government_fen"]
        assert ledger[("operator_revenue", self.ids["operator"])] == made["operator_fen"]
        assert ledger[("merchant_payable", self.ids["developer"])] == made["merchants_fen"]
        assert sum(ledger.values()) == amount
        assert made["merchants"] == [
            {"org_id": self.ids["developer"], "amount_fen": made["merchants_fen"]}
        ]
        assert self.seen["invoice"]["invoice_id"] in made["invoice_ids"]
        again = await self.call("GET", f"/billing/distributions/{PERIOD}", "bureau")
        assert again == made

    # --- 5. the year closed ---------------------------------------------------------------

    async def evaluate(self) -> None:
        """EVA-1: the operator's annual report from the year's events; EVA-2: the bureau's
        evaluation of the ended year."""
        await self.move_clock(YEAR_CLOSED)
        amount = PRICE_FEN * QUANTITY
        body = {"year": YEAR, **STATEMENTS}

        async def filed() -> Any:
            # Filing again revises the report; retried until evaluation has every fact.
            report = await self.call(
                "POST", "/evaluation/annual-reports/", "operator", body, expect=201
            )
            figures = report["figures"]
            complete = figures["trades"] == 1 and figures["revenue_fen"] == amount
            return report if complete and figures["products_total"] == 2 else None

        report = await eventually(filed, timeout=90, interval=1.0)
        figures = report["figures"]
        assert report["operator_org_id"] == self.ids["operator"] and report["year"] == YEAR
        assert report["statements"] == STATEMENTS and len(report["content_hash"]) == 64
        assert figures["agreement_signed"] and figures["scenarios_total"] == 1, figures
        assert figures["usage_quantity"] >= 1, figures
        read = await self.call("GET", f"/evaluation/annual-reports/{report['report_id']}", "bureau")
        assert read["content_hash"] == report["content_hash"]

        made = await self.call(
            "POST",
            "/evaluation/evaluations/",
            "bureau",
            {"operator_org_id": self.ids["operator"], "year": YEAR, "remarks": "年度评估"},
            expect=201,
        )
        assert made["year"] == YEAR and made["operator_org_id"] == self.ids["operator"]
        assert made["figures"]["revenue_fen"] == amount and made["figures"]["trades"] == 1
        assert made["conclusion"] and made["score"], made
        assert {i["name"] for i in made["indicators"]} >= {"products", "revenue", "usage"}
        seen = await self.call(
            "GET", f"/evaluation/evaluations/?operator_org_id={self.ids['operator']}", "operator"
        )
        assert [e["evaluation_id"] for e in seen] == [made["evaluation_id"]]

    # --- 6. disclosure --------------------------------------------------------------------

    async def disclose(self) -> None:
        """DIS-2: the annual disclosure report lists the authorization, the product and
        its price, and the caps and the max allowed revenue."""
        product = self.ids["product"]

        async def complete() -> Any:
            # every fact the checks below read has reached disclosure
            report = await self.call("GET", f"/disclosure/annual-reports/{YEAR}", "")
            prices = [p for o in report["operators"] for p in o["prices"]]
            agencies = report["implementing_agencies"]
            caps = [c for a in agencies for c in a["fee_caps"]]
            ceilings = [m for a in agencies for m in a["max_allowed_revenue"]]
            arrived = (
                any(p["product_id"] == product for p in prices)
                and any(c["product_id"] == product for c in caps)
                and ceilings
            )
            return report if arrived else None

        report = await eventually(complete, timeout=90, interval=0.5)
        assert report["year"] == YEAR and report["due_on"] == f"{YEAR + 1}-03-31"
        assert not report["provisional"] and not report["late"], report
        assert len(report["content_hash"]) == 64

        [agency] = [
            a
            for a in report["implementing_agencies"]
            if a["agency"]["org_id"] == f"org-{self.walk.region}-bureau"
        ]
        [authorization] = agency["authorizations"]
        assert authorization["agreement_id"] == self.ids["agreement"]
        assert authorization["operator_org_id"] == self.ids["operator"]
        assert authorization["status"] == "active"
        assert {(c["product_id"], c["unit"], c["cap_fen"]) for c in agency["fee_caps"]} == {
            (product, "product", CAP_FEN)
        }
        assert [
            (m["operator_org_id"], m["max_revenue_fen"]) for m in agency["max_allowed_revenue"]
        ] == [(self.ids["operator"], MAX_REVENUE_FEN)]

        [section] = [
            o for o in report["operators"] if o["operator"]["org_id"] == self.ids["operator"]
        ]
        assert section["operator"]["credit_code"] == full_path.OPERATOR_CODE
        products = {p["product_id"]: p for p in section["products"]}
        dataset = products[product]
        assert dataset["registration_code"] == self.seen["dataset"]["registration_code"]
        assert dataset["name"] == DATASET and dataset["status"] == "released"
        assert self.seen["verification"]["product_id"] in products
        [price] = [p for p in section["prices"] if p["product_id"] == product]
        assert (price["price_id"], price["unit"], price["unit_price_fen"]) == (
            self.ids["price"],
            "product",
            PRICE_FEN,
        )
        resources = {r["resource_id"] for r in section["authorized_resources"]}
        assert {self.ids["tax_resource"], self.ids["market_resource"]} <= resources
        html = await self.walk.http.get(f"/disclosure/annual-reports/{YEAR}.html")
        assert html.status_code == 200 and DATASET in html.text

    async def signed_head(self, *, at_least: int) -> dict[str, Any]:
        async def probe() -> dict[str, Any] | None:
            response = await self.walk.http.get("/disclosure/log/tree-head")
            if response.status_code != 200:
                return None
            head: dict[str, Any] = response.json()
            return head if head["tree_size"] >= at_least else None

        return await eventually(probe, timeout=90, interval=0.3)

    async def verify_log(self) -> None:
        """DIS-3: a citizen downloads the price's record, its inclusion proof, two signed
        tree heads, the consistency proof between them and the public key, and checks
        them offline with ``pdo verify``."""
        price_id = self.ids["price"]

        async def price_record() -> Any:
            page = await self.call("GET", "/disclosure/records/?kind=price&limit=200", "")
            return next(
                (r for r in page["items"] if r["record"]["content"].get("price_id") == price_id),
                None,
            )

        found = await eventually(price_record, timeout=90, interval=0.3)
        record = await self.call("GET", f"/disclosure/records/{found['record_id']}", "")
        assert record["record"]["content"]["unit_price_fen"] == PRICE_FEN
        early = self.seen["early_head"]
        head = await self.signed_head(
            at_least=max(record["leaf_index"] + 1, early["tree_size"] + 1)
        )
        size = head["tree_size"]
        inclusion = await self.call(
            "GET",
            f"/disclosure/log/proofs/inclusion?index={record['leaf_index']}&tree_size={size}",
            "",
        )
        consistency = await self.call(
            "GET",
            f"/disclosure/log/proofs/consistency?first={early['tree_size']}&second={size}",
            "",
        )
        key = await self.call("GET", "/disclosure/log/public-key", "")
        files = self.tmp / "citizen"
        files.mkdir(exist_ok=True)
        args = [
            "--public-key",
            write_json(files / "public-key.json", key),
            "--tree-head",
            write_json(files / "sth-early.json", early),
            "--tree-head",
            write_json(files / "sth.json", head),
            "--record",
            write_json(files / "record.json", record),
            "--inclusion",
            write_json(files / "inclusion.json", inclusion),
            "--consistency",
            write_json(files / "consistency.json", consistency),
        ]
        verifier = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "libs.cli", "verify", *map(str, args)),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=REPO,
        )
        output, _ = await asyncio.wait_for(verifier.communicate(), timeout=60)
        out = output.decode()
        assert verifier.returncode == 0, out
        assert out.count("OK  signature") == 2, out
        assert "OK  inclusion: record" in out and "OK  consistency" in out, out
        assert out.strip().endswith("VALID: every check passed"), out

    # --- the whole of it ------------------------------------------------------------------

    def steps(self) -> list[Callable[[], Awaitable[None]]]:
        """The steps in order (the chart smoke test times each)."""
        return [
            self.walk_to_release,
            self.price,
            self.exchange,
            self.trade,
            self.invoice,
            self.distribute,
            self.evaluate,
            self.disclose,
            self.verify_log,
        ]

    async def run(self) -> None:
        for step in self.steps():
            await step()
