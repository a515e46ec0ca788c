"""What happens to the operator's products when its authorization ends (AUTH-7), in
embedded mode through HTTP and events.

Our reading of the seeds. On termination, revocation or expiry the operator's data-use
permissions end at once and the authorized data is deleted (001 art.24: "及时撤销授权运营
单位的公共数据使用权限,及时删除所有授权的相关公共数据"; 000 §3.3: "终止运营机构的公共数据使用
权限"), and its permissions on the operation platform are closed (002 §4(五): "應當及時關閉
運營機構在市運營平臺中的相關權限"). The authorization is what gave the operator its product
operation rights (004: "获取公共数据加工使用权益、产品经营权益"), so offering the products
ends with it: their exchange listings are withdrawn, a verification product (answered from
authorized data inside the platform) stops answering, and no new listing is taken. What
does not end on the platform's say: the products' ownership is settled by the agreement's
asset-ownership section (000 §3.2(3): "资产权属,包括软硬件设备、公共数据产品和服务的权属"),
so their records, certificates and registration codes are kept, and they stay on the public
product list showing that they are no longer offered and why; trades already executed
stand (the exchange settles them). Suspension (AUTH-6) does not end the products: it closes
data use for now; this file is about the end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.events import AgreementTerminated
from libs.runtime import Platform
from tests.support.platform import eventually, platform, token
from tests.support.product_release import (
    OPERATOR,
    OPERATOR_ORG,
    agreement,
    publish,
    published,
    released_product,
    service_client,
)

Client = AsyncTestClient[Any]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = platform(tmp_path, services=("product_release",))
    async with service_client(p) as client:
        yield p, client


async def test_AUTH_7_on_termination_the_products_stop_and_the_list_shows_their_status(
    running: tuple[Platform, Client],
) -> None:
    """001 art.24: "经大数据主管部门评估审核后决定终止或撤销运营协议的,应当及时撤销授权运营单位
    的公共数据使用权限,及时删除所有授权的相关公共数据"; 000 §3.2(3): "资产权属,包括软硬件设备、
    公共数据产品和服务的权属"。 See the module docstring for what continues and what stops."""
    p, client = running
    await agreement(p)
    product = await released_product(p, client, "grant-ends")
    product_id = product["product_id"]
    before = (await client.get("/products/list")).json()["items"]
    assert [(i["product_id"], i["status"]) for i in before] == [(product_id, "released")]

    ended = AgreementTerminated(
        agreement_id="agr-1", operator_org_id=OPERATOR_ORG, reason="严重违约,取消授权"
    )
    await publish(p, ended, subject="agr-1")

    async def withdrawn() -> Any:
        r = await client.get(f"/products/{product_id}", headers=await token(p, OPERATOR))
        return r.json() if r.json()["state"] == "withdrawn" else None

    await eventually(withdrawn)
    [event] = await published(p, "product.withdrawn")
    assert event.payload.product_id == product_id  # type: ignore[union-attr]
    assert event.payload.rule == "AUTH-7"  # type: ignore[union-attr]
    assert "严重违约" in event.payload.reason  # type: ignore[union-attr]
    assert event.causation_id is not None

    listed = (await client.get("/products/list")).json()
    assert listed["total"] == 1
    [entry] = listed["items"]
    assert entry["product_id"] == product_id and entry["status"] == "authorization_ended"
    assert "AUTH-7" in entry["status_reason"]
    assert entry["registration_code"] == product["registration_code"]  # the record stays
