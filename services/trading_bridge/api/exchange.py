"""The exchange's door (TRD-1): orders, executions (成交) and settlements (结算) reported by
the licensed data exchange, a machine client with a client-credential token
(``orders:write`` for orders and executions, ``settlements:write`` for settlements).

These are the only routes that create trades; nothing else on the platform does. Every
POST is idempotent by the exchange's own id: the same request sent again answers the
first result (201, header ``Idempotent-Replayed: true``) and publishes nothing; the same
id with other content is a 409. An exchange acts only on its own listings, orders and
trades (403). The trades are read by the operator, the bureau and supervisors, and by an
exchange for its own.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.paging import Paging
from libs.http.published import SCOPE_OPTION
from services.trading_bridge.api.schemas import (
    ExecutionBody,
    Id,
    OrderBody,
    OrderView,
    SettlementBody,
    TradePage,
    TradeView,
)
from services.trading_bridge.api.views import order_view, trade_view
from services.trading_bridge.commands import trading as commands
from services.trading_bridge.domain.trade import ExecuteTrade, PlaceOrder, SettleTrade

READERS = (Role.OPERATOR, Role.BUREAU, Role.SUPERVISOR, Role.EXCHANGE)
REPLAYED = "Idempotent-Replayed"


def _answer(view: Any, fresh: bool) -> Response[Any]:
    return Response(view, status_code=201, headers={REPLAYED: "false" if fresh else "true"})


class OrderController(Controller):
    path = "/orders"
    tags = ["exchange"]

    @post(
        "/",
        guards=[roles(Role.EXCHANGE)],
        opt={SCOPE_OPTION: commands.ORDERS_SCOPE},
        summary="The exchange passes on an order for its own listing → order.received",
    )
    async def receive(
        self, call: NamedDependency[Call], data: JSONBody[OrderBody]
    ) -> Response[OrderView]:
        cmd = PlaceOrder(
            order_id=data.order_id,
            listing_id=data.listing_id,
            buyer_org_id=data.buyer_org_id,
            quantity=data.quantity,
        )
        order, fresh = await call(commands.place_order, cmd)
        return _answer(order_view(order), fresh)


class TradeController(Controller):
    path = "/trades"
    tags = ["exchange"]

    @post(
        "/",
        guards=[roles(Role.EXCHANGE)],
        opt={SCOPE_OPTION: commands.ORDERS_SCOPE},
        summary="The exchange reports an order's execution → trade.executed",
        description="`amount_fen` must be the listing's published price of `quantity`, "
        "progressive tiers applied (BIL-5); one trade per order, for at most its "
        "quantity.",
    )
    async def execute(
        self, call: NamedDependency[Call], data: JSONBody[ExecutionBody]
    ) -> Response[TradeView]:
        cmd = ExecuteTrade(
            trade_id=data.trade_id,
            order_id=data.order_id,
            quantity=data.quantity,
            amount_fen=data.amount_fen,
        )
        trade, fresh = await call(commands.execute_trade, cmd)
        return _answer(trade_view(trade), fresh)

    @get(
        "/",
        guards=[roles(*READERS)],
        summary="Trades (an exchange sees its own)",
    )
    async def browse(
        self,
        call: NamedDependency[Call],
        paging: NamedDependency[Paging],
        listing_id: Annotated[Id | None, QueryParameter(max_length=128)] = None,
        product_id: Annotated[Id | None, QueryParameter(max_length=128)] = None,
    ) -> TradePage:
        where: dict[str, Any] = {}
        if listing_id is not None:
            where["listing_id"] = listing_id
        if product_id is not None:
            where["product_id"] = product_id
        return await call.page(paging, trade_view, commands.trades, where)

    @get("/{trade_id:str}", guards=[roles(*READERS)], summary="One trade")
    async def read(self, call: NamedDependency[Call], trade_id: FromPath[str]) -> TradeView:
        return await call.view(trade_view, commands.get_trade, trade_id)


class SettlementController(Controller):
    path = "/settlements"
    tags = ["exchange"]

    @post(
        "/",
        guards=[roles(Role.EXCHANGE)],
        opt={SCOPE_OPTION: commands.SETTLEMENTS_SCOPE},
        summary="The exchange reports a trade's settlement → trade.settled",
        description="Once per trade, for exactly the trade's amount (BIL-5); "
        "`settled_at` defaults to the time received.",
    )
    async def settle(
        self, call: NamedDependency[Call], data: JSONBody[SettlementBody]
    ) -> Response[TradeView]:
        cmd = SettleTrade(
            settlement_id=data.settlement_id,
            trade_id=data.trade_id,
            amount_fen=data.amount_fen,
            settled_at=data.settled_at,
        )
        trade, fresh = await call(commands.settle_trade, cmd)
        return _answer(trade_view(trade), fresh)
