"""The operator's release of filed data products (产品上架, 登记): a product the bureau
filed (备案, EXP-1, EXP-3) is released with its registration code (登记编码, CAT-4) onto
the public product and service list (产品和服务清单, EXP-5). product_release decides; the
page shows its refusal with the rule."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.console.refusals import Refusal, refusal
from services.console.session import Session
from services.console.web import BASE, Platform, page, refused_by

API = "/product_release/products"


@get("/product-releases")
async def filed_products(
    who: NamedDependency[Session], platform: NamedDependency[Platform]
) -> Template:
    items, refused = await platform.items(f"{API}/?state=filed")
    return page("product_releases/list.html", who, items=items, refused=refused)


async def _render(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    product_id: str,
    refused: Refusal | None,
    status: int,
) -> Template:
    answer = await platform.get(f"{API}/{quote(product_id)}")
    return page(
        "product_releases/detail.html",
        who,
        status=status,
        product=answer.body if answer.ok else None,
        product_id=product_id,
        refused=refused or refused_by(answer),
    )


@get("/product-releases/{product_id:str}")
async def filed_product(
    who: NamedDependency[Session], platform: NamedDependency[Platform], product_id: FromPath[str]
) -> Template:
    return await _render(who, platform, product_id, None, 200)


@post("/product-releases/{product_id:str}", status_code=303)
async def release(
    who: NamedDependency[Session], platform: NamedDependency[Platform], product_id: FromPath[str]
) -> Response[Any] | Template:
    answer = await platform.post(f"{API}/{quote(product_id)}/release")
    if answer.ok:
        return Redirect(f"{BASE}/product-releases/{quote(product_id)}", status_code=303)
    told = refusal(answer.status, answer.body)
    return await _render(who, platform, product_id, told, answer.status)


ROUTES = [filed_products, filed_product, release]
