"""Wires billing: its HTTP app, its event handlers (metering and projections), the
periodic monthly close and the collections whose outbox the relay drains."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.billing.api import invoices, prices
from services.billing.commands.monthly_close import monthly_close
from services.billing.handlers import batch_handlers, handlers
from services.billing.repository import OUTBOX_COLLECTIONS


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "billing — 计费与收益分配",
        [prices.PriceController, invoices.InvoiceController],
        description="Price caps (上限收费标准), the published price list (明码标价), free use, "
        "metering, monthly invoices, revenue distribution (收益分配) and revenue alerts.",
    )
    monthly = monthly_close(ctx)
    return ServiceParts(
        name="billing",
        app=app,
        handlers=handlers(ctx),
        batch_handlers=batch_handlers(ctx),
        outbox_collections=OUTBOX_COLLECTIONS,
        on_start=(monthly.start,),
        on_stop=(monthly.stop,),
    )
