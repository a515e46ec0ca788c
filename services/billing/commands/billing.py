"""Billing commands: load, decide in the domain, save state and events in one write
(transactional outbox), audit. A write that meets a newer version reads and decides
again (most often the relay clearing published events)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from contracts.envelope import SYSTEM_ACTOR, Actor, Role
from contracts.errors import Conflict, Forbidden, NotFound
from contracts.events import (
    InvoiceIssued,
    MaxRevenueSet,
    Payload,
    PriceCapSet,
    PriceListed,
    PriceTier,
    RevenueAlert,
    RevenueDistributed,
)
from libs import aggregate
from libs.auth.principal import Principal
from libs.sequences import next_value
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument
from services.billing.domain import distribution as dist
from services.billing.domain import jurisdiction
from services.billing.domain.free_use import (
    Confirmation,
    CultivationPeriod,
    FreeUseFacts,
    OperatorTerm,
    Supply,
    check_confirmation,
    cultivation_period,
)
from services.billing.domain.invoice import (
    check_period,
    check_period_over,
    invoice_id,
    price_uses,
)
from services.billing.domain.jurisdiction import BillingSettings, Maker
from services.billing.domain.price_model import (
    PriceVersion,
    Tier,
    check_cap,
    check_cap_change,
    check_effective_from,
    check_max_revenue,
    check_unit,
    in_force,
    validate_price,
)
from services.billing.domain.revenue import alerts_due
from services.billing.repository import (
    AGREEMENTS,
    CAPS,
    DISTRIBUTIONS,
    GRANTS,
    INVOICES,
    KEY_SCENARIOS,
    PRICES,
    PRODUCTS,
    PUBLIC_INTEREST,
    RESOURCES,
    REVENUE_YEARS,
    SCENARIOS,
    SETTINGS,
    SHARES,
    USES,
    cap_id,
    line_to_doc,
    price_from_doc,
    price_to_doc,
    revenue_year_id,
    shares_from_doc,
    shares_to_doc,
    use_from_doc,
)

OVERSIGHT = frozenset({Role.BUREAU, Role.SUPERVISOR, Role.OPERATOR})
"""Who sees every invoice: the bureau and supervisors, and the operator who bills."""


async def _audit(
    ctx: ServiceContext, actor: Actor, action: str, subject: str, detail: dict[str, Any]
) -> None:
    await aggregate.audit(ctx, actor, action, subject, detail)


async def _save(
    ctx: ServiceContext,
    collection: str,
    doc_id: str,
    decide: Callable[[Document | None], tuple[Document, list[Payload]]],
    actor: Actor,
) -> Document:
    """Read, decide, write the new state with its events at the version read."""
    return await aggregate.upsert(ctx, collection, doc_id, decide, actor=actor)


def require_jurisdiction(ctx: ServiceContext, principal: Principal, rule: str) -> None:
    """A bureau decides for its own region and those inside it: a county bureau on the
    city platform does not set the city's caps, shares or settings."""
    if not principal.within(ctx.region):
        raise Forbidden(
            f"the bureau of region {principal.region} does not govern region {ctx.region}",
            rule=rule,
        )


# -- the operator and the cultivation period ---------------------------------------------


@dataclass(frozen=True, slots=True)
class Agreement:
    operator_org_id: str
    starts_on: date
    ends_on: date


async def agreements(ctx: ServiceContext) -> list[Agreement]:
    docs = await ctx.store.find(AGREEMENTS)
    found = [
        Agreement(
            d["operator_org_id"],
            date.fromisoformat(d["starts_on"]),
            date.fromisoformat(d["ends_on"]),
        )
        for d in docs
    ]
    return sorted(found, key=lambda a: (a.starts_on, a.operator_org_id))


def operator_on(signed: Sequence[Agreement], on: date) -> str:
    """The operator whose agreement covers ``on``; else the one signed last; else ""."""
    covering = [a for a in signed if a.starts_on <= on <= a.ends_on]
    chosen = covering or list(signed)
    return chosen[-1].operator_org_id if chosen else ""


async def jurisdiction_settings(ctx: ServiceContext) -> BillingSettings:
    """The pricing regime (BIL-1) and cultivation period (BIL-4) of this platform's region:
    the source text's values with whatever the bureau recorded on top."""
    return jurisdiction.apply(
        jurisdiction.from_sources(ctx.region), await ctx.store.get(SETTINGS, ctx.region)
    )


async def cultivation(ctx: ServiceContext) -> CultivationPeriod | None:
    """BIL-4: from the implementation plan's publication (a jurisdiction date, 自方案发布起)
    for the jurisdiction's years — not from any agreement."""
    settings = await jurisdiction_settings(ctx)
    return cultivation_period(settings.cultivation_starts_on, settings.cultivation_years)


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What the bureau records; a field left None keeps its value. ``clear_cultivation``
    records that the jurisdiction has no cultivation period."""

    pricing_regime: str | None = None
    cultivation_starts_on: date | None = None
    clear_cultivation: bool = False
    cultivation_years: int | None = None


async def define_settings(
    ctx: ServiceContext, principal: Principal, change: SettingsChange
) -> BillingSettings:
    """The bureau records its jurisdiction's pricing regime (BIL-1), the day its plan was
    published and the cultivation years (BIL-4), over the source values."""
    require_jurisdiction(ctx, principal, "BIL-4")
    recorded: dict[str, Any] = {}
    if change.pricing_regime is not None:
        recorded["pricing_regime"] = jurisdiction.check_regime(change.pricing_regime).value
    if change.clear_cultivation:
        recorded["cultivation_starts_on"] = jurisdiction.UNSET_DAY
    elif change.cultivation_starts_on is not None:
        recorded["cultivation_starts_on"] = change.cultivation_starts_on.isoformat()
    if change.cultivation_years is not None:
        recorded["cultivation_years"] = jurisdiction.check_cultivation_years(
            change.cultivation_years
        )

    def decide(doc: Document | None) -> tuple[Document, list[Payload]]:
        kept = {k: v for k, v in (doc or {}).items() if not k.startswith("_")}
        return {**kept, **recorded, "set_by_org_id": principal.org_id}, []

    await _save(ctx, SETTINGS, ctx.region, decide, principal.actor())
    await _audit(ctx, principal.actor(), "settings.define", ctx.region, recorded)
    return await jurisdiction_settings(ctx)


# -- caps, prices, key scenarios -----------------------------------------------------------


async def prices(ctx: ServiceContext) -> list[PriceVersion]:
    return [price_from_doc(d) for d in await ctx.store.find(PRICES)]


async def caps(ctx: ServiceContext) -> list[Document]:
    return await ctx.store.find(CAPS, sort=[("product_id", 1), ("unit", 1)])


async def _require_known(
    ctx: ServiceContext, collection: str, doc_id: str, *, field: str, what: str, rule: str
) -> None:
    """A command names only what billing has learned from other services' events."""
    if await ctx.store.get(collection, doc_id) is None:
        raise NotFound(f"no {what} {doc_id!r} is known to billing", rule=rule, field=field)


async def set_cap(
    ctx: ServiceContext, principal: Principal, product_id: str, unit: str, cap_fen: int
) -> Document:
    """The bureau's cap for a product and unit (BIL-2); never below a price under it."""
    require_jurisdiction(ctx, principal, "BIL-2")
    await _require_known(
        ctx, PRODUCTS, product_id, field="product_id", what="released product", rule="BIL-2"
    )
    unit_ = check_unit(unit)
    check_cap(cap_fen)
    now = ctx.clock.now()
    versions = await prices(ctx)
    current = in_force(versions, product_id, unit_, now)
    later = [
        v
        for v in versions
        if v.product_id == product_id and v.unit == unit_ and v.effective_from > now
    ]
    check_cap_change(cap_fen, [*([current] if current else []), *later])

    def decide(doc: Document | None) -> tuple[Document, list[Payload]]:
        state = {
            "product_id": product_id,
            "unit": unit_.value,
            "cap_fen": cap_fen,
            "set_by_org_id": principal.org_id,
            "set_at": now.isoformat(),
        }
        return state, [PriceCapSet(product_id=product_id, unit=unit_.value, cap_fen=cap_fen)]

    saved = await _save(ctx, CAPS, cap_id(product_id, unit_), decide, principal.actor())
    await _audit(
        ctx, principal.actor(), "price_cap.set", cap_id(product_id, unit_), {"cap_fen": cap_fen}
    )
    return saved


async def _maker(ctx: ServiceContext, product_id: str) -> Maker:
    """Who made the product (BIL-1, 004): an operator holding an agreement, a developer
    (开发利用机构, re-developing), or unknown when billing has not seen it released."""
    product = await ctx.store.get(PRODUCTS, product_id)
    if product is None:
        return Maker.UNKNOWN
    operators = {a.operator_org_id for a in await agreements(ctx)}
    return Maker.OPERATOR if product.get("developer_org_id") in operators else Maker.DEVELOPER


async def _require_authorized_operator(ctx: ServiceContext, principal: Principal) -> None:
    signed = await agreements(ctx)
    if principal.org_id not in {a.operator_org_id for a in signed}:
        raise Forbidden(
            f"organization {principal.org_id} holds no operator agreement (授权运营协议); "
            "only the authorized operator sets concrete prices",
            rule="BIL-2",
        )


async def list_price(
    ctx: ServiceContext,
    principal: Principal,
    *,
    product_id: str,
    unit: str,
    unit_price_fen: int,
    tiers: Sequence[Tier],
    key_scenario_discount_percent: int,
    effective_from: datetime | None,
) -> PriceVersion:
    """The operator publishes a price (明码标价, BIL-5), refused above the cap (BIL-2)."""
    await _require_authorized_operator(ctx, principal)
    await _require_known(
        ctx, PRODUCTS, product_id, field="product_id", what="released product", rule="BIL-5"
    )
    unit_ = check_unit(unit)
    now = ctx.clock.now()
    starts = effective_from or now
    check_effective_from(starts, now)
    cap = await ctx.store.get(CAPS, cap_id(product_id, unit_))
    jurisdiction.check_priced_under_regime(
        await jurisdiction_settings(ctx),
        await _maker(ctx, product_id),
        product_id=product_id,
        unit=unit_.value,
        cap_fen=None if cap is None else int(cap["cap_fen"]),
    )
    validate_price(
        unit_price_fen=unit_price_fen,
        tiers=tiers,
        key_scenario_discount_percent=key_scenario_discount_percent,
        cap_fen=None if cap is None else int(cap["cap_fen"]),
    )
    price = PriceVersion(
        price_id=f"price-{uuid.uuid4().hex[:16]}",
        product_id=product_id,
        unit=unit_,
        unit_price_fen=unit_price_fen,
        tiers=tuple(tiers),
        key_scenario_discount_percent=key_scenario_discount_percent,
        effective_from=starts,
        listed_seq=await next_value(ctx.store, "price-list"),
    )
    event = PriceListed(
        price_id=price.price_id,
        product_id=product_id,
        unit=unit_.value,
        unit_price_fen=unit_price_fen,
        tiers=[
            PriceTier(from_quantity=t.from_quantity, unit_price_fen=t.unit_price_fen) for t in tiers
        ],
        key_scenario_discount_percent=key_scenario_discount_percent,
    )
    doc = price_to_doc(price, principal.org_id)
    await aggregate.save(ctx, PRICES, doc, [event], actor=principal.actor(), previous=None)
    await _audit(
        ctx,
        principal.actor(),
        "price.list",
        price.price_id,
        {"product_id": product_id, "unit": unit_.value, "unit_price_fen": unit_price_fen},
    )
    return price


@dataclass(frozen=True, slots=True)
class ListedPrice:
    price: PriceVersion
    cap_fen: int | None
    in_force: bool


async def price_list(ctx: ServiceContext) -> list[ListedPrice]:
    """The published price list (BIL-5): each product and unit's price in force now,
    then versions announced for later."""
    now = ctx.clock.now()
    versions = await prices(ctx)
    cap_of = {cap_id(d["product_id"], d["unit"]): int(d["cap_fen"]) for d in await caps(ctx)}
    keys = sorted({(v.product_id, v.unit.value) for v in versions})
    listed: list[ListedPrice] = []
    for product_id, unit in keys:
        current = in_force(versions, product_id, unit, now)
        cap = cap_of.get(cap_id(product_id, unit))
        if current is not None:
            listed.append(ListedPrice(current, cap, True))
        upcoming = sorted(
            (
                v
                for v in versions
                if v.product_id == product_id and v.unit == unit and v.effective_from > now
            ),
            key=lambda v: (v.effective_from, v.listed_seq),
        )
        listed += [ListedPrice(v, cap, False) for v in upcoming]
    return listed


async def set_key_scenario(
    ctx: ServiceContext, principal: Principal, scenario_id: str, *, key: bool
) -> bool:
    """The bureau names (or un-names) a key supported scenario (重点支持场景, BIL-3)."""
    require_jurisdiction(ctx, principal, "BIL-3")
    await _require_known(
        ctx, SCENARIOS, scenario_id, field="scenario_id", what="scenario", rule="BIL-3"
    )

    def decide(doc: Document | None) -> tuple[Document, list[Payload]]:
        return {"key": key, "set_by_org_id": principal.org_id}, []

    await _save(ctx, KEY_SCENARIOS, scenario_id, decide, principal.actor())
    await _audit(ctx, principal.actor(), "key_scenario.set", scenario_id, {"key": key})
    return key


# -- max allowed revenue and alerts --------------------------------------------------------


def _with_alerts(doc: Document) -> tuple[Document, list[Payload]]:
    """BIL-8: stage an alert for each threshold newly reached this year."""
    revenue = sum(int(b["total_fen"]) for b in doc.get("booked", []))
    ceiling = doc.get("max_revenue_fen")
    due = alerts_due(revenue, int(ceiling or 0), doc.get("alerted", []))
    doc["revenue_fen"] = revenue
    doc["alerted"] = sorted([*doc.get("alerted", []), *due])
    events: list[Payload] = [
        RevenueAlert(
            operator_org_id=doc["operator_org_id"],
            year=int(doc["year"]),
            threshold_percent=t,
            revenue_fen=revenue,
            max_revenue_fen=int(ceiling or 0),
        )
        for t in due
    ]
    return doc, events


def _fresh_year(operator_org_id: str, year: int) -> Document:
    return {
        "operator_org_id": operator_org_id,
        "year": year,
        "max_revenue_fen": None,
        "booked": [],
        "alerted": [],
        "revenue_fen": 0,
    }


async def set_max_revenue(
    ctx: ServiceContext, principal: Principal, year: int, operator_org_id: str, max_revenue_fen: int
) -> Document:
    """The bureau sets the operator's max allowed revenue for a year (BIL-2); a revenue
    already past a threshold of the new max alerts at once (BIL-8)."""
    require_jurisdiction(ctx, principal, "BIL-2")
    check_max_revenue(year, max_revenue_fen)
    if operator_org_id not in {a.operator_org_id for a in await agreements(ctx)}:
        raise NotFound(
            f"organization {operator_org_id!r} holds no operator agreement known to billing",
            rule="BIL-2",
            field="operator_org_id",
        )

    def decide(doc: Document | None) -> tuple[Document, list[Payload]]:
        state = doc or _fresh_year(operator_org_id, year)
        state["max_revenue_fen"] = max_revenue_fen
        state, alerts = _with_alerts(state)
        first: Payload = MaxRevenueSet(
            operator_org_id=operator_org_id, year=year, max_revenue_fen=max_revenue_fen
        )
        return state, [first, *alerts]

    doc_id = revenue_year_id(operator_org_id, year)
    saved = await _save(ctx, REVENUE_YEARS, doc_id, decide, principal.actor())
    await _audit(
        ctx, principal.actor(), "max_revenue.set", doc_id, {"max_revenue_fen": max_revenue_fen}
    )
    return saved


async def _book(
    ctx: ServiceContext, operator_org_id: str, year: int, inv_id: str, total: int
) -> None:
    """Count an invoice into the operator's revenue of the year, once (keyed by invoice)."""

    def decide(doc: Document | None) -> tuple[Document, list[Payload]]:
        state = doc or _fresh_year(operator_org_id, year)
        if any(b["invoice_id"] == inv_id for b in state["booked"]):
            return state, []
        state["booked"] = [*state["booked"], {"invoice_id": inv_id, "total_fen": total}]
        return _with_alerts(state)

    await _save(ctx, REVENUE_YEARS, revenue_year_id(operator_org_id, year), decide, SYSTEM_ACTOR)


async def revenue_year(ctx: ServiceContext, operator_org_id: str, year: int) -> Document:
    doc = await ctx.store.get(REVENUE_YEARS, revenue_year_id(operator_org_id, year))
    return doc or _fresh_year(operator_org_id, year)


# -- invoices --------------------------------------------------------------------------------


async def _facts(ctx: ServiceContext) -> tuple[FreeUseFacts, frozenset[str], dict[str, str]]:
    classes = {d["_id"]: d["scenario_class"] for d in await ctx.store.find(SCENARIOS)}
    grants = {d["_id"]: d for d in await ctx.store.find(GRANTS)}
    providers = {d["_id"]: d["provider_org_id"] for d in await ctx.store.find(RESOURCES)}
    supply: dict[str, Supply] = {}
    merchants: dict[str, str] = {}
    for product in await ctx.store.find(PRODUCTS):
        merchants[product["_id"]] = product.get("developer_org_id", "")
        grant = grants.get(product.get("grant_id", ""), {})
        issued_on = grant.get("issued_on")
        supply[product["_id"]] = Supply(
            providers=frozenset(
                providers[r] for r in grant.get("resource_ids", []) if r in providers
            ),
            supplied_on=date.fromisoformat(issued_on) if issued_on else None,
        )
    keys = frozenset(d["_id"] for d in await ctx.store.find(KEY_SCENARIOS, {"key": True}))
    facts = FreeUseFacts(
        scenario_classes=classes,
        confirmations={
            d["_id"]: confirmations_from_doc(d) for d in await ctx.store.find(PUBLIC_INTEREST)
        },
        product_supply=supply,
        operators=tuple(
            OperatorTerm(a.operator_org_id, a.starts_on, a.ends_on) for a in await agreements(ctx)
        ),
        cultivation=await cultivation(ctx),
    )
    return facts, keys, merchants


# -- public-interest conditions (有条件无偿) ---------------------------------------------------


def confirmations_from_doc(doc: Document) -> tuple[Confirmation, ...]:
    return tuple(
        Confirmation(
            at=datetime.fromisoformat(h["at"]),
            confirmed=bool(h["confirmed"]),
            conditions=h["conditions"],
            by_org_id=h["by_org_id"],
        )
        for h in doc.get("history", [])
    )


async def confirm_public_interest(
    ctx: ServiceContext, principal: Principal, scenario_id: str, *, confirmed: bool, conditions: str
) -> Document:
    """BIL-1: the bureau confirms (or withdraws) the conditions on which a public-interest
    scenario's uses are free (有条件无偿), from now on; the decision is kept in order. The
    record names the bureau of the latest decision (SEC-3, ``confirmed_by_org_id``)."""
    require_jurisdiction(ctx, principal, "BIL-1")
    scenario = await ctx.store.get(SCENARIOS, scenario_id)
    check_confirmation(
        None if scenario is None else str(scenario["scenario_class"]), conditions, confirmed
    )
    now = ctx.clock.now()
    entry = {
        "at": now.isoformat(),
        "confirmed": confirmed,
        "conditions": conditions,
        "by_org_id": principal.org_id,
    }

    def decide(doc: Document | None) -> tuple[Document, list[Payload]]:
        history = list((doc or {}).get("history", []))
        return {
            "scenario_id": scenario_id,
            "history": [*history, entry],
            "confirmed_by_org_id": principal.org_id,
        }, []

    saved = await _save(ctx, PUBLIC_INTEREST, scenario_id, decide, principal.actor())
    await _audit(ctx, principal.actor(), "public_interest.confirm", scenario_id, entry)
    return saved


async def public_interest_decisions(ctx: ServiceContext) -> list[Document]:
    return await ctx.store.find(PUBLIC_INTEREST, sort=[("_id", 1)])


async def issue_invoices(
    ctx: ServiceContext,
    principal: Principal | None,
    period: str,
    customer_org_id: str | None = None,
) -> list[Document]:
    """Monthly invoices (BIL-1..BIL-6) for every customer with uses in ``period`` (or the
    one named), each issued once → ``invoice.issued``; the revenue is booked for the
    operator's year (BIL-8)."""
    check_period_over(period, ctx.clock.now())
    actor = principal.actor() if principal else SYSTEM_ACTOR
    where: dict[str, Any] = {"period": period}
    if customer_org_id:
        where["customer_org_id"] = customer_org_id
    by_customer: dict[str, list[Document]] = {}
    for use in await ctx.store.find(USES, where):
        by_customer.setdefault(use["customer_org_id"], []).append(use)
    versions = await prices(ctx)
    facts, keys, merchants = await _facts(ctx)
    year, month = (int(x) for x in period.split("-"))
    operator = operator_on(await agreements(ctx), date(year, month, 1))
    issued: list[Document] = []
    for customer in sorted(by_customer):
        inv_id = invoice_id(customer, period)
        existing = await ctx.store.get(INVOICES, inv_id)
        if existing is None:
            lines = price_uses(
                (use_from_doc(d) for d in by_customer[customer]),
                versions,
                facts,
                key_scenarios=keys,
                merchants=merchants,
            )
            total = sum(line.amount_fen for line in lines)
            doc: Document = {
                "_id": inv_id,
                "customer_org_id": customer,
                "period": period,
                "operator_org_id": operator,
                "issued_at": ctx.clock.now().isoformat(),
                "lines": [line_to_doc(line) for line in lines],
                "total_fen": total,
                "line_count": len(lines),
            }
            event = InvoiceIssued(
                invoice_id=inv_id,
                customer_org_id=customer,
                period=period,
                total_fen=total,
                line_count=len(lines),
            )
            existing = await _issue_invoice(ctx, actor, doc, event, len(lines))
        if existing["operator_org_id"]:
            # Idempotent: a crash after the invoice and before booking is repaired here.
            await _book(ctx, existing["operator_org_id"], year, inv_id, int(existing["total_fen"]))
        issued.append(existing)
    return issued


def may_see_invoice(principal: Principal, doc: Document) -> bool:
    return principal.role in OVERSIGHT or doc["customer_org_id"] == principal.org_id


async def get_invoice(ctx: ServiceContext, principal: Principal, inv_id: str) -> Document:
    doc = await ctx.store.get(INVOICES, inv_id)
    if doc is None:
        raise NotFound(f"no invoice {inv_id}")
    if not may_see_invoice(principal, doc):
        raise Forbidden(f"invoice {inv_id} belongs to another customer")
    return doc


async def list_invoices(
    ctx: ServiceContext, principal: Principal, *, period: str | None, customer_org_id: str | None
) -> list[Document]:
    """Everything for the bureau, supervisors and the operator; a customer's own else."""
    if principal.role not in OVERSIGHT:
        if customer_org_id and customer_org_id != principal.org_id:
            raise Forbidden("a customer sees only its own invoices")
        customer_org_id = principal.org_id
    where: dict[str, Any] = {}
    if period:
        where["period"] = check_period(period)
    if customer_org_id:
        where["customer_org_id"] = customer_org_id
    return await ctx.store.find(INVOICES, where, sort=[("period", 1), ("_id", 1)])


# -- revenue distribution ------------------------------------------------------------------


async def set_shares(ctx: ServiceContext, principal: Principal, shares: dist.Shares) -> Document:
    """The bureau agrees or adjusts the shares from a date on (BIL-7)."""
    require_jurisdiction(ctx, principal, "BIL-7")
    dist.check_shares(shares)
    doc_id = shares.effective_from.isoformat()

    def decide(doc: Document | None) -> tuple[Document, list[Payload]]:
        return shares_to_doc(shares, principal.org_id), []

    saved = await _save(ctx, SHARES, doc_id, decide, principal.actor())
    await _audit(
        ctx,
        principal.actor(),
        "revenue_shares.set",
        doc_id,
        shares_to_doc(shares, principal.org_id),
    )
    return saved


async def list_shares(ctx: ServiceContext) -> list[Document]:
    return await ctx.store.find(SHARES, sort=[("effective_from", 1)])


async def distribute(ctx: ServiceContext, principal: Principal, period: str) -> Document:
    """BIL-7: the period's invoiced revenue split by the shares in force on its first
    day → ``revenue.distributed``; done once per period. The distribution names the
    operator whose agreement covers the period (SEC-3, 谁运营谁负责), else the party that
    ran it when no agreement is on record."""
    check_period_over(period, ctx.clock.now())
    dist_id = f"dist-{period}"
    existing = await ctx.store.get(DISTRIBUTIONS, dist_id)
    if existing is not None:
        return existing
    year, month = (int(x) for x in period.split("-"))
    first_day = date(year, month, 1)
    agreed = await list_shares(ctx)
    shares = dist.shares_in_force([shares_from_doc(d) for d in agreed], first_day)
    if shares is None:
        raise Conflict(f"no revenue shares are agreed for {period}", rule="BIL-7")
    government = next(
        d["set_by_org_id"] for d in agreed if d["_id"] == shares.effective_from.isoformat()
    )
    invoices = await ctx.store.find(INVOICES, {"period": period})
    total = sum(int(i["total_fen"]) for i in invoices)
    earned: dict[str, int] = {}
    for inv in invoices:
        for line in inv["lines"]:
            if line["merchant_org_id"]:
                earned[line["merchant_org_id"]] = earned.get(line["merchant_org_id"], 0) + int(
                    line["amount_fen"]
                )
    operator = operator_on(await agreements(ctx), first_day)
    result = dist.distribute(
        period, total, shares, earned, government_org_id=government, operator_org_id=operator
    )
    doc: Document = {
        "_id": dist_id,
        "period": period,
        "total_fen": result.total_fen,
        "government_fen": result.government_fen,
        "operator_fen": result.operator_fen,
        "merchants_fen": result.merchants_fen,
        "merchants": [{"org_id": m, "amount_fen": fen} for m, fen in result.merchants],
        "shares": shares_to_doc(shares, government),
        "ledger": [
            {"account": e.account, "party": e.party, "amount_fen": e.amount_fen}
            for e in result.ledger
        ],
        "invoice_ids": sorted(i["_id"] for i in invoices),
        "distributed_at": ctx.clock.now().isoformat(),
        "operator_org_id": operator or principal.org_id,
    }
    event = RevenueDistributed(
        distribution_id=dist_id,
        period=period,
        government_fen=result.government_fen,
        operator_fen=result.operator_fen,
        merchants_fen=result.merchants_fen,
    )
    try:
        saved = await aggregate.save(
            ctx, DISTRIBUTIONS, doc, [event], actor=principal.actor(), previous=None
        )
    except DuplicateDocument:
        return await _stored(ctx, DISTRIBUTIONS, dist_id)
    await _audit(ctx, principal.actor(), "revenue.distribute", dist_id, {"total_fen": total})
    return saved


async def get_distribution(ctx: ServiceContext, period: str) -> Document:
    doc = await ctx.store.get(DISTRIBUTIONS, f"dist-{check_period(period)}")
    if doc is None:
        raise NotFound(f"no distribution for {period}")
    return doc


async def _stored(ctx: ServiceContext, collection: str, doc_id: str) -> Document:
    """The document an insert just met (a concurrent or repeated creation)."""
    found = await ctx.store.get(collection, doc_id)
    if found is None:
        raise Conflict(f"{doc_id} was created and removed meanwhile; try again")
    return found


async def _issue_invoice(
    ctx: ServiceContext, actor: Actor, doc: Document, event: InvoiceIssued, lines: int
) -> Document:
    """One invoice and its ``invoice.issued``; an invoice issued already is the answer."""
    inv_id = str(doc["_id"])
    try:
        existing = await aggregate.save(ctx, INVOICES, doc, [event], actor=actor, previous=None)
    except DuplicateDocument:
        return await _stored(ctx, INVOICES, inv_id)
    await _audit(
        ctx, actor, "invoice.issue", inv_id, {"total_fen": event.total_fen, "lines": lines}
    )
    return existing
