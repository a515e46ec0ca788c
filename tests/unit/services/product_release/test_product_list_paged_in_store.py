"""The product and service list (EXP-5) pages in the store on the ``on_public_list`` flag:
released products, and those withdrawn because the operator's authorization ended
(AUTH-7) with their registration code; a product stored before the flag gets it at start.
SQLite and MongoDB/FerretDB alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest

from libs.service import ServiceContext
from services.product_release.commands.products import flag_public_list, published_list
from services.product_release.domain.product import ProductState, ProductVersion
from services.product_release.domain.product_list import ENDS_WITH_AUTHORIZATION
from services.product_release.repository import ON_PUBLIC_LIST, PRODUCTS, product_to_doc
from tests.support.stores import ADAPTERS, Windowed, windowed_store

BASE = ProductVersion(
    product_id="prd-0",
    version=1,
    export_id="exp-0",
    name="企业纳税规模统计",
    kind="table",
    developer_org_id="org-dev-1",
)


def product(n: int, state: ProductState, code: str) -> ProductVersion:
    return replace(
        BASE, product_id=f"prd-{n}", export_id=f"exp-{n}", state=state, registration_code=code
    )


@pytest.fixture(params=ADAPTERS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Windowed]:
    async for each in windowed_store(request, tmp_path):
        yield each


async def test_EXP_5_AUTH_7_the_product_list_pages_in_the_store(store: Windowed) -> None:
    ctx = cast(ServiceContext, SimpleNamespace(store=store))
    ended = {"withdrawn_rule": ENDS_WITH_AUTHORIZATION, "withdrawn_reason": "授权终止"}
    docs = [
        product_to_doc(product(1, ProductState.RELEASED, "370300P03"), region="370300"),
        product_to_doc(product(2, ProductState.RELEASED, "370300P01"), region="370300"),
        product_to_doc(product(3, ProductState.FILED, "370300P02"), region="370300"),
        product_to_doc(product(4, ProductState.WITHDRAWN, "370300P04"), region="370300"),
        product_to_doc(
            product(5, ProductState.WITHDRAWN, "370300P05"), region="370300", extra=ended
        ),
        product_to_doc(product(6, ProductState.WITHDRAWN, ""), region="370300", extra=ended),
    ]
    assert [d[ON_PUBLIC_LIST] for d in docs] == [True, True, False, False, True, False]
    for doc in docs:
        await store.insert(PRODUCTS, doc)

    store.windows.clear()
    page, total = await published_list(ctx, offset=1, limit=1)
    assert total == 3
    assert store.windows == [(PRODUCTS, 1, 1)]
    assert [p.product_id for p in page] == ["prd-1"]
    whole, _ = await published_list(ctx, offset=0, limit=10)
    assert [p.registration_code for p in whole] == ["370300P01", "370300P03", "370300P05"]


async def test_EXP_5_a_product_stored_before_the_flag_is_flagged_at_start(
    store: Windowed,
) -> None:
    ctx = cast(ServiceContext, SimpleNamespace(store=store))
    old = product_to_doc(product(1, ProductState.RELEASED, "370300P01"), region="370300")
    del old[ON_PUBLIC_LIST]
    await store.insert(PRODUCTS, old)
    assert (await published_list(ctx, offset=0, limit=10))[1] == 0
    await flag_public_list(ctx)
    listed, total = await published_list(ctx, offset=0, limit=10)
    assert total == 1 and [p.product_id for p in listed] == ["prd-1"]
