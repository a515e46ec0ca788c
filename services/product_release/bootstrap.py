"""Wires product-release: its HTTP app (exports, products, administration), the handlers
of the events it consumes, the collections whose outbox the relay drains, and at start
the product list's ``on_public_list`` flag on products stored before it existed."""

from __future__ import annotations

from functools import partial

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.product_release.api import administration, exports, products
from services.product_release.commands.products import flag_public_list
from services.product_release.handlers import handlers
from services.product_release.repository import EXPORTS, PRODUCTS


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "product-release — 出域审核与产品",
        [
            exports.ExportController,
            products.ProductController,
            administration.AdministrationController,
        ],
        description=(
            "Export requests (出域申请) with automated disclosure checks and human review "
            "(出域审核), products with circulation certificates (流通凭证), filing (备案), "
            "registration codes (登记) and the public product and service list "
            "(产品和服务清单)."
        ),
    )
    return ServiceParts(
        name="product_release",
        app=app,
        handlers=handlers(ctx),
        outbox_collections=(EXPORTS, PRODUCTS),
        on_start=(partial(flag_public_list, ctx),),
    )
