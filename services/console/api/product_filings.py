"""Product filing (产品备案) by the bureau: the products whose certificates (产品证书) await
filing, each certificate read in full, filed with a number or returned with the reason."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from services.console.refusals import Refusal
from services.console.session import Session
from services.console.web import Form, Platform, decide_on_page, page, refused_by

API = "/product_release/products"
STATES = ("certified", "filed", "released", "drafted", "withdrawn")


@get("/product-filings")
async def product_filings(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    in_state: Annotated[str, QueryParameter(name="state")] = "certified",
) -> Template:
    query = urlencode({"state": in_state, "limit": 100} if in_state else {"limit": 100})
    items, refused = await platform.items(f"{API}/?{query}")
    return page(
        "product_filings/list.html",
        who,
        items=items,
        state=in_state,
        states=STATES,
        refused=refused,
    )


async def _product_page(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    product_id: str,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    refused: Refusal | None = None,
) -> Template:
    answer = await platform.get(f"{API}/{quote(product_id)}")
    return page(
        "product_filings/detail.html",
        who,
        status=status,
        product_id=product_id,
        product=answer.body if answer.ok else None,
        form=form or {},
        refused=refused or refused_by(answer),
    )


@get("/product-filings/{product_id:str}")
async def product_filing(
    who: NamedDependency[Session], platform: NamedDependency[Platform], product_id: FromPath[str]
) -> Template:
    return await _product_page(who, platform, product_id)


@post("/product-filings/{product_id:str}/filing", status_code=303)
async def file_product(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    product_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    body = {"accept": data.get("decision") == "accept", "reason": data.get("reason", "")}
    return await decide_on_page(
        platform,
        "POST",
        f"{API}/{quote(product_id)}/filing",
        body,
        done=f"/product-filings/{quote(product_id)}",
        rerender=partial(_product_page, who, platform, product_id),
        form=data,
    )


ROUTES = [product_filings, product_filing, file_product]
