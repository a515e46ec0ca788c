"""``/billing/prices``, ``/billing/caps``, ``/billing/max-revenue``, ``/billing/key-scenarios``,
``/billing/settings``, ``/billing/cultivation-period`` and ``/billing/public-interest``: the
price model (BIL-1..BIL-5)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import UNSET

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.service import ServiceContext
from libs.store.port import Document
from services.billing.api.schemas import (
    CapBody,
    CapView,
    ConfirmationBody,
    ConfirmationEntryView,
    CultivationView,
    KeyScenarioBody,
    KeyScenarioView,
    MaxRevenueBody,
    PriceBody,
    PriceView,
    PublicInterestView,
    RevenueYearView,
    SettingsBody,
    SettingsView,
    TierView,
)
from services.billing.commands import billing as commands
from services.billing.domain.invoice import CHINA
from services.billing.domain.jurisdiction import BillingSettings
from services.billing.domain.price_model import PriceVersion, Tier

SIGNED_IN = (
    Role.BUREAU,
    Role.PROVIDER,
    Role.OPERATOR,
    Role.DEVELOPER,
    Role.SUPERVISOR,
    Role.EXCHANGE,
    Role.PUBLIC,
)


def price_view(price: PriceVersion, cap_fen: int | None, in_force: bool) -> PriceView:
    return PriceView(
        price_id=price.price_id,
        product_id=price.product_id,
        unit=price.unit.value,
        unit_price_fen=price.unit_price_fen,
        tiers=[
            TierView(from_quantity=t.from_quantity, unit_price_fen=t.unit_price_fen)
            for t in price.tiers
        ],
        key_scenario_discount_percent=price.key_scenario_discount_percent,
        effective_from=price.effective_from.isoformat(),
        in_force=in_force,
        cap_fen=cap_fen,
        government_guided=cap_fen is not None,
    )


def cap_view(doc: Document) -> CapView:
    return CapView(
        product_id=doc["product_id"],
        unit=doc["unit"],
        cap_fen=int(doc["cap_fen"]),
        set_at=doc["set_at"],
    )


def revenue_view(doc: Document) -> RevenueYearView:
    ceiling = doc.get("max_revenue_fen")
    return RevenueYearView(
        operator_org_id=doc["operator_org_id"],
        year=int(doc["year"]),
        max_revenue_fen=None if ceiling is None else int(ceiling),
        revenue_fen=int(doc.get("revenue_fen", 0)),
        alerted_percent=[int(t) for t in doc.get("alerted", [])],
        invoice_ids=[b["invoice_id"] for b in doc.get("booked", [])],
    )


def settings_view(settings: BillingSettings) -> SettingsView:
    starts = settings.cultivation_starts_on
    return SettingsView(
        region=settings.region,
        pricing_regime=settings.pricing_regime.value,
        cultivation_starts_on=starts.isoformat() if starts else None,
        cultivation_years=settings.cultivation_years,
        source=settings.source,
        defined_by=settings.defined_by,
    )


def public_interest_view(doc: Document) -> PublicInterestView:
    history = commands.confirmations_from_doc(doc)
    return PublicInterestView(
        scenario_id=doc["_id"],
        confirmed=bool(history) and history[-1].confirmed,
        history=[
            ConfirmationEntryView(
                at=h.at.isoformat(),
                confirmed=h.confirmed,
                conditions=h.conditions,
                by_org_id=h.by_org_id,
            )
            for h in history
        ],
    )


class PriceController(Controller):
    path = "/"
    tags = ["prices"]

    @get(
        "/prices",
        opt={"public": True},
        tags=["public"],
        summary="The published price list (明码标价, BIL-5): what billing charges; no sign-in",
    )
    async def price_list(self, ctx: NamedDependency[ServiceContext]) -> list[PriceView]:
        return [price_view(p.price, p.cap_fen, p.in_force) for p in await commands.price_list(ctx)]

    @post(
        "/prices",
        guards=[roles(Role.OPERATOR)],
        summary="The authorized operator lists a price, at most the cap (BIL-2, BIL-3)",
    )
    async def list_price(self, call: NamedDependency[Call], data: JSONBody[PriceBody]) -> PriceView:
        price = await call(
            commands.list_price,
            product_id=data.product_id,
            unit=data.unit,
            unit_price_fen=data.unit_price_fen,
            tiers=[Tier(t.from_quantity, t.unit_price_fen) for t in data.tiers],
            key_scenario_discount_percent=data.key_scenario_discount_percent,
            effective_from=data.effective_from,
        )
        listed = {p.price.price_id: p for p in await commands.price_list(call.ctx)}
        entry = listed.get(price.price_id)
        cap = entry.cap_fen if entry else None
        return price_view(price, cap, entry.in_force if entry else False)

    @get(
        "/caps",
        opt={"public": True},
        tags=["public"],
        summary="Price caps (上限收费标准) set by the bureau, public (BIL-2, DIS-2)",
    )
    async def caps(self, ctx: NamedDependency[ServiceContext]) -> list[CapView]:
        return [cap_view(d) for d in await commands.caps(ctx)]

    @put(
        "/caps/{product_id:str}/{unit:str}",
        guards=[roles(Role.BUREAU)],
        summary="The bureau sets the cap of a product and unit (BIL-2)",
    )
    async def set_cap(
        self,
        call: NamedDependency[Call],
        product_id: FromPath[str],
        unit: FromPath[str],
        data: JSONBody[CapBody],
    ) -> CapView:
        return await call.view(cap_view, commands.set_cap, product_id, unit, data.cap_fen)

    @put(
        "/max-revenue/{year:int}",
        guards=[roles(Role.BUREAU)],
        summary="The bureau sets the operator's max allowed revenue of a year (BIL-2)",
    )
    async def set_max_revenue(
        self, call: NamedDependency[Call], year: FromPath[int], data: JSONBody[MaxRevenueBody]
    ) -> RevenueYearView:
        doc = await call(commands.set_max_revenue, year, data.operator_org_id, data.max_revenue_fen)
        return revenue_view(doc)

    @put(
        "/key-scenarios/{scenario_id:str}",
        guards=[roles(Role.BUREAU)],
        summary="The bureau names a key supported scenario (重点支持场景, BIL-3)",
    )
    async def key_scenario(
        self,
        call: NamedDependency[Call],
        scenario_id: FromPath[str],
        data: JSONBody[KeyScenarioBody],
    ) -> KeyScenarioView:
        key = await call(commands.set_key_scenario, scenario_id, key=data.key)
        return KeyScenarioView(scenario_id=scenario_id, key=key)

    @get("/settings", guards=[roles(*SIGNED_IN)], summary="Billing settings of the jurisdiction")
    async def settings(self, ctx: NamedDependency[ServiceContext]) -> SettingsView:
        return settings_view(await commands.jurisdiction_settings(ctx))

    @put(
        "/settings",
        guards=[roles(Role.BUREAU)],
        summary=(
            "The bureau records its pricing regime (BIL-1), its plan's publication day and "
            "the cultivation years (培育期, BIL-4)"
        ),
    )
    async def define(
        self, call: NamedDependency[Call], data: JSONBody[SettingsBody]
    ) -> SettingsView:
        starts = data.cultivation_starts_on
        change = commands.SettingsChange(
            pricing_regime=None if data.pricing_regime is UNSET else data.pricing_regime,
            cultivation_starts_on=starts if isinstance(starts, date) else None,
            clear_cultivation=starts is None,
            cultivation_years=(None if data.cultivation_years is UNSET else data.cultivation_years),
        )
        return await call.view(settings_view, commands.define_settings, change)

    @get(
        "/cultivation-period",
        guards=[roles(*SIGNED_IN)],
        summary="The cultivation period (BIL-4) and whether a date lies inside it",
    )
    async def cultivation(
        self,
        ctx: NamedDependency[ServiceContext],
        on: Annotated[date | None, QueryParameter(required=False)] = None,
    ) -> CultivationView:
        day = on or ctx.clock.now().astimezone(CHINA).date()
        period = await commands.cultivation(ctx)
        settings = await commands.jurisdiction_settings(ctx)
        return CultivationView(
            on=day.isoformat(),
            years=settings.cultivation_years,
            starts_on=period.starts_on.isoformat() if period else None,
            ends_before=period.ends_before.isoformat() if period else None,
            inside=period.covers(day) if period else False,
        )

    @get(
        "/public-interest",
        guards=[roles(*SIGNED_IN)],
        summary="Public-interest scenarios the bureau decided on (有条件无偿, BIL-1)",
    )
    async def public_interest(
        self, ctx: NamedDependency[ServiceContext]
    ) -> list[PublicInterestView]:
        return [public_interest_view(d) for d in await commands.public_interest_decisions(ctx)]

    @put(
        "/public-interest/{scenario_id:str}",
        guards=[roles(Role.BUREAU)],
        summary=(
            "The bureau confirms or withdraws the conditions of a public-interest scenario: "
            "its uses are free from then on (BIL-1)"
        ),
    )
    async def confirm(
        self,
        call: NamedDependency[Call],
        scenario_id: FromPath[str],
        data: JSONBody[ConfirmationBody],
    ) -> PublicInterestView:
        doc = await call(
            commands.confirm_public_interest,
            scenario_id,
            confirmed=data.confirmed,
            conditions=data.conditions,
        )
        return public_interest_view(doc)
