"""``/trading_bridge/listings``: the operator lists released products on a licensed
exchange at their published price and withdraws them (TRD-1, TRD-3, BIL-5); every
signed-in party reads them. (Routes without a token are disclosure's alone; it publishes
the listings from the exchange-facing topic.)"""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.auth.principal import Principal
from libs.http.calls import Call
from libs.http.paging import Paging
from libs.service import ServiceContext
from services.trading_bridge.api.schemas import (
    Id,
    ListingBody,
    ListingPage,
    ListingView,
    WithdrawalBody,
)
from services.trading_bridge.api.views import listing_view
from services.trading_bridge.commands import trading as commands
from services.trading_bridge.domain.listing import ListProduct

READERS = tuple(r for r in Role if r is not Role.SYSTEM)


class ListingController(Controller):
    path = "/listings"
    tags = ["listings"]

    @post(
        "/",
        guards=[roles(Role.OPERATOR)],
        summary="List a released product on a licensed exchange (挂牌)",
        description=(
            "Refused (422, naming the rule) for an exchange not registered with the "
            "role `exchange` (TRD-1), a product not released or withdrawn (TRD-1), a "
            "product touching state secrets or national security, or personal privacy "
            "or others' rights without the holder's permission (TRD-3), a product "
            "without a published price per `unit`, or a `price_fen` other than the "
            "published one (BIL-5). 409 when the product is already listed per that "
            "unit on that exchange. Emits `listing.created` on the exchange-facing "
            "topic `pdo.<region>.trading.trades.v1`."
        ),
    )
    async def create(self, call: NamedDependency[Call], data: JSONBody[ListingBody]) -> ListingView:
        cmd = ListProduct(
            product_id=data.product_id,
            exchange_org_id=data.exchange_org_id,
            unit=data.unit,
            price_fen=data.price_fen,
        )
        return await call.view(listing_view, commands.list_product, cmd)

    @post(
        "/{listing_id:str}/withdrawal",
        guards=[roles(Role.OPERATOR)],
        status_code=200,
        summary="Withdraw a listing (摘牌) → listing.withdrawn",
    )
    async def withdraw(
        self,
        ctx: NamedDependency[ServiceContext],
        principal: NamedDependency[Principal],
        listing_id: FromPath[str],
        data: JSONBody[WithdrawalBody],
    ) -> ListingView:
        actor = principal.actor()
        return listing_view(await commands.withdraw_listing(ctx, actor, listing_id, data.reason))

    @get(
        "/",
        guards=[roles(*READERS)],
        summary="Listings; active ones unless `state` says otherwise",
    )
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
        product_id: Annotated[Id | None, QueryParameter(max_length=128)] = None,
        exchange_org_id: Annotated[Id | None, QueryParameter(max_length=128)] = None,
        in_state: Annotated[
            Literal["active", "withdrawn"], QueryParameter(name="state")
        ] = "active",
    ) -> ListingPage:
        where: dict[str, str] = {"state": in_state}
        if product_id is not None:
            where["product_id"] = product_id
        if exchange_org_id is not None:
            where["exchange_org_id"] = exchange_org_id
        found, total = await commands.listings(ctx, where, offset=paging.offset, limit=paging.limit)
        return paging.page(
            items=[listing_view(x) for x in found],
            total=total,
        )

    @get("/{listing_id:str}", guards=[roles(*READERS)], summary="One listing")
    async def read(
        self, ctx: NamedDependency[ServiceContext], listing_id: FromPath[str]
    ) -> ListingView:
        return listing_view(await commands.get_listing(ctx, listing_id))
