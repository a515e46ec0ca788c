"""Product filing (产品备案) by the bureau: the products whose certificates (产品证书) await
filing, each certificate read in full, filed with a number or returned with the reason."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from litestar import Response, get, post
from litestar.params import FromPath, Parameter
from litestar.response import Redirect, Template

from services.console.refusals import Refusal, refusal
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page, refused_by

API = "/product_release/products"
STATES = ("certified", "filed", "released", "drafted", "withdrawn")


@get("/product-filings")
async def product_filings(
    who: Session,
    platform: Platform,
    in_state: Annotated[str, Parameter(query="state")] = "certified",
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
    who: Session,
    platform: Platform,
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
async def product_filing(who: Session, platform: Platform, product_id: FromPath[str]) -> Template:
    return await _product_page(who, platform, product_id)


@post("/product-filings/{product_id:str}/filing", status_code=303)
async def file_product(
    who: Session, platform: Platform, product_id: FromPath[str], data: Form
) -> Response[Any] | Template:
    body = {"accept": data.get("decision") == "accept", "reason": data.get("reason", "")}
    answer = await platform.post(f"{API}/{quote(product_id)}/filing", body)
    if answer.ok:
        return Redirect(f"{BASE}/product-filings/{quote(product_id)}", status_code=303)
    return await _product_page(
        who,
        platform,
        product_id,
        status=answer.status,
        form=data,
        refused=refusal(answer.status, answer.body),
    )


ROUTES = [product_filings, product_filing, file_product]
