"""The developer's data products (数据产品) and their circulation certificates (流通凭证):
each product version with its state (drafted, certified, filed, released, withdrawn), its
filing number and registration code; for a draft, the certificate form (EXP-3) — the
data sources are the granted resources as the catalog registered them, the interaction
flow is provider → developer → operator — after which the bureau files (备案) it and the
operator releases it onto the public list."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from services.console.refusals import Refusal, refusal
from services.console.session import Session
from services.console.web import BASE, Form, Platform, page

API = "/product_release/products"


@get("/developer/products")
async def products(who: NamedDependency[Session], platform: NamedDependency[Platform]) -> Template:
    items, refused = await platform.items(API + "/")
    return page("products/list.html", who, items=items, refused=refused)


async def _product(platform: NamedDependency[Platform], product_id: str) -> dict[str, Any]:
    found = await platform.get(f"{API}/{quote(product_id)}")
    product = found.body if found.ok else None
    sources: list[dict[str, Any]] = []
    if product is not None and product.get("state") == "drafted":
        catalog, _ = await platform.items("/catalog/resources/?limit=200")
        sources = [r for r in catalog if r.get("registration_code")]
    return {
        "product": product,
        "product_id": product_id,
        "sources": sources,
        "listing_refused": None if found.ok else refusal(found.status, found.body),
    }


@get("/developer/products/{product_id:str}")
async def product_detail(
    who: NamedDependency[Session], platform: NamedDependency[Platform], product_id: FromPath[str]
) -> Template:
    context = await _product(platform, product_id)
    return page("products/detail.html", who, form={}, refused=None, **context)


async def _operator_of(platform: NamedDependency[Platform], export_id: str) -> str:
    """The operator of the sandbox the product's export came from."""
    export = await platform.get(f"/product_release/exports/{quote(export_id)}")
    if not export.ok:
        return ""
    sandbox_id = quote(str(export.body.get("sandbox_id", "")))
    sandbox = await platform.get(f"/sandbox_broker/sandboxes/{sandbox_id}")
    return str(sandbox.body.get("operator_org_id", "")) if sandbox.ok else ""


@post("/developer/products/{product_id:str}/certificate", status_code=303)
async def attach_certificate(
    who: NamedDependency[Session],
    platform: NamedDependency[Platform],
    product_id: FromPath[str],
    data: Form,
) -> Response[Any] | Template:
    product_answer = await platform.get(f"{API}/{quote(product_id)}")
    product = product_answer.body if product_answer.ok else {}
    chosen = data.get("source_resource_id", "")
    resource, operator_org_id = await asyncio.gather(
        platform.get(f"/catalog/resources/{quote(chosen)}"),
        _operator_of(platform, str(product.get("export_id", ""))),
    )
    source = resource.body if resource.ok else {}
    provider = str(source.get("provider_org_id", ""))
    body = {
        "data_sources": [
            {
                "resource_id": chosen,
                "provider_org_id": provider,
                "registration_code": str(source.get("registration_code", "")),
            }
        ],
        "attributes": [{"name": "format", "value": data.get("format", "JSON") or "JSON"}],
        "business_logic": data.get("business_logic", "").strip(),
        "governance_rules": data.get("governance_rules", "").strip(),
        "cryptographic_agreement": data.get("cryptographic_agreement", "").strip(),
        "interaction_flow": [
            {"from_org_id": provider, "to_org_id": who.org_id, "action": "供数"},
            {"from_org_id": who.org_id, "to_org_id": operator_org_id, "action": "出域审核"},
        ],
    }
    answer = await platform.post(f"{API}/{quote(product_id)}/certificate", body)
    if answer.ok:
        return Redirect(f"{BASE}/developer/products/{quote(product_id)}", status_code=303)
    told: Refusal = refusal(answer.status, answer.body)
    context = await _product(platform, product_id)
    return page(
        "products/detail.html", who, status=answer.status, form=data, refused=told, **context
    )


ROUTES = [products, product_detail, attach_certificate]
