"""``/billing/invoices``, ``/billing/revenue-shares``, ``/billing/distributions`` and
``/billing/revenue``: monthly invoices, revenue distribution (BIL-7) and the operator's
revenue against its max allowed revenue (BIL-8)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter, QueryParameter

from contracts.envelope import Role
from contracts.errors import Forbidden
from libs.auth.guard import roles
from libs.auth.principal import Principal
from libs.http.calls import Call
from libs.service import ServiceContext
from libs.store.port import Document
from services.billing.api.prices import revenue_view
from services.billing.api.schemas import (
    PERIOD_PATTERN,
    DistributionBody,
    DistributionView,
    InvoiceLineView,
    InvoiceRunBody,
    InvoiceSummaryView,
    InvoiceView,
    LedgerEntryView,
    MerchantShareView,
    RevenueYearView,
    SharesBody,
    SharesView,
)
from services.billing.commands import billing as commands
from services.billing.domain.distribution import Shares
from services.billing.domain.free_use import FREE_REASONS

BILLERS = (Role.BUREAU, Role.OPERATOR)
OVERSIGHT = (Role.BUREAU, Role.SUPERVISOR, Role.OPERATOR)
CUSTOMERS = (*OVERSIGHT, Role.DEVELOPER, Role.PROVIDER, Role.EXCHANGE)
"""Customers see their own invoices (the object check is in ``commands``)."""


def summary(doc: Document) -> InvoiceSummaryView:
    return InvoiceSummaryView(
        invoice_id=doc["_id"],
        customer_org_id=doc["customer_org_id"],
        period=doc["period"],
        operator_org_id=doc["operator_org_id"],
        issued_at=doc["issued_at"],
        total_fen=int(doc["total_fen"]),
        line_count=int(doc["line_count"]),
    )


def invoice_view(doc: Document) -> InvoiceView:
    head = summary(doc)
    return InvoiceView(
        invoice_id=head.invoice_id,
        customer_org_id=head.customer_org_id,
        period=head.period,
        operator_org_id=head.operator_org_id,
        issued_at=head.issued_at,
        total_fen=head.total_fen,
        line_count=head.line_count,
        lines=[
            InvoiceLineView(**line, free_reason_text=FREE_REASONS.get(line["free_reason"], ""))
            for line in doc["lines"]
        ],
    )


def shares_view(doc: Document) -> SharesView:
    return SharesView(
        government_bp=int(doc["government_bp"]),
        operator_bp=int(doc["operator_bp"]),
        merchants_bp=int(doc["merchants_bp"]),
        effective_from=doc["effective_from"],
        set_by_org_id=doc["set_by_org_id"],
    )


def distribution_view(doc: Document) -> DistributionView:
    return DistributionView(
        distribution_id=doc["_id"],
        period=doc["period"],
        total_fen=int(doc["total_fen"]),
        government_fen=int(doc["government_fen"]),
        operator_fen=int(doc["operator_fen"]),
        merchants_fen=int(doc["merchants_fen"]),
        merchants=[MerchantShareView(**m) for m in doc["merchants"]],
        shares=shares_view(doc["shares"]),
        ledger=[LedgerEntryView(**e) for e in doc["ledger"]],
        invoice_ids=list(doc["invoice_ids"]),
        distributed_at=doc["distributed_at"],
    )


class InvoiceController(Controller):
    path = "/"
    tags = ["invoices"]

    @post(
        "/invoices",
        guards=[roles(*BILLERS)],
        status_code=200,
        summary="Issue the monthly invoices of an ended period (once per customer)",
    )
    async def issue(
        self, call: NamedDependency[Call], data: JSONBody[InvoiceRunBody]
    ) -> list[InvoiceView]:
        docs = await call(commands.issue_invoices, data.period, data.customer_org_id)
        return [invoice_view(d) for d in docs]

    @get("/invoices", guards=[roles(*CUSTOMERS)], summary="Invoices the caller may see")
    async def browse(
        self,
        call: NamedDependency[Call],
        period: Annotated[
            str | None, QueryParameter(required=False, pattern=PERIOD_PATTERN)
        ] = None,
        customer_org_id: Annotated[
            str | None, QueryParameter(required=False, max_length=64)
        ] = None,
    ) -> list[InvoiceSummaryView]:
        docs = await call(commands.list_invoices, period=period, customer_org_id=customer_org_id)
        return [summary(d) for d in docs]

    @get(
        "/invoices/{invoice_id:str}",
        guards=[roles(*CUSTOMERS)],
        summary="One invoice with its lines",
    )
    async def read(self, call: NamedDependency[Call], invoice_id: FromPath[str]) -> InvoiceView:
        return await call.view(invoice_view, commands.get_invoice, invoice_id)

    @get("/revenue-shares", guards=[roles(*OVERSIGHT)], summary="Agreed revenue shares (BIL-7)")
    async def shares(self, ctx: NamedDependency[ServiceContext]) -> list[SharesView]:
        return [shares_view(d) for d in await commands.list_shares(ctx)]

    @put(
        "/revenue-shares",
        guards=[roles(Role.BUREAU)],
        summary="The bureau agrees or adjusts the shares from a date on (BIL-7)",
    )
    async def set_shares(
        self, call: NamedDependency[Call], data: JSONBody[SharesBody]
    ) -> SharesView:
        shares = Shares(
            government_bp=data.government_bp,
            operator_bp=data.operator_bp,
            merchants_bp=data.merchants_bp,
            effective_from=data.effective_from,
        )
        return await call.view(shares_view, commands.set_shares, shares)

    @post(
        "/distributions",
        guards=[roles(*BILLERS)],
        status_code=200,
        summary="Distribute an ended period's revenue (收益分配, BIL-7), once",
    )
    async def distribute(
        self, call: NamedDependency[Call], data: JSONBody[DistributionBody]
    ) -> DistributionView:
        return await call.view(distribution_view, commands.distribute, data.period)

    @get(
        "/distributions/{period:str}",
        guards=[roles(*OVERSIGHT)],
        summary="The distribution of a period, with the non-tax revenue ledger",
    )
    async def distribution(
        self,
        ctx: NamedDependency[ServiceContext],
        period: Annotated[str, Parameter(pattern=PERIOD_PATTERN)],
    ) -> DistributionView:
        return distribution_view(await commands.get_distribution(ctx, period))

    @get(
        "/revenue/{year:int}",
        guards=[roles(*OVERSIGHT)],
        summary="The operator's revenue of a year against its max (BIL-2, BIL-8)",
    )
    async def revenue(
        self,
        ctx: NamedDependency[ServiceContext],
        principal: NamedDependency[Principal],
        year: FromPath[int],
        operator_org_id: Annotated[str, QueryParameter(min_length=1, max_length=64)],
    ) -> RevenueYearView:
        if principal.role is Role.OPERATOR and principal.org_id != operator_org_id:
            raise Forbidden("an operator sees only its own revenue")
        return revenue_view(await commands.revenue_year(ctx, operator_org_id, year))
