"""billing in other jurisdictions through HTTP (embedded): the pricing regime of each
source text (BIL-1) and the cultivation period only where a text has one (BIL-4), as
settings of the platform's region — Weifang 370700, Guizhou 520000 (a city of it),
Xianning 421200 and Yinchuan 640100."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from contracts.envelope import SYSTEM_ACTOR, Envelope, Role, new_envelope, to_builtins
from contracts.events import AgreementSigned, Payload, ProductReleased
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.outbox import to_message
from libs.runtime import Platform
from tests.support.billing import START
from tests.support.platform import eventually, keyring, settings

Client = AsyncTestClient[Any]


class City:
    """Billing alone for one region, its bureau and its operator."""

    def __init__(self, tmp: Path, region: str) -> None:
        self.region = region
        self.p = Platform(
            settings(tmp, region=region),
            ("billing",),
            clock=FixedClock(START),
            secrets=keyring(tmp),
        ).build()
        self.operator_org = f"org-{region}-operator"
        self.bureau = Principal(
            user_id="u-b", org_id=f"org-{region}-bureau", role=Role.BUREAU, region=region
        )
        self.operator = Principal(
            user_id="u-o", org_id=self.operator_org, role=Role.OPERATOR, region=region
        )

    async def auth(self, who: Principal) -> dict[str, str]:
        assert self.p.secrets is not None
        issuer = TokenIssuer(self.p.secrets, self.p.clock, region=self.region)
        return {"Authorization": f"Bearer {await issuer.issue(who, ttl_seconds=3600)}"}

    async def publish(self, payload: Payload, subject: str) -> Envelope:
        env = new_envelope(payload, region=self.region, actor=SYSTEM_ACTOR, subject=subject)
        assert self.p.bus is not None
        await self.p.bus.publish(to_message({"envelope": to_builtins(env), "headers": {}}))
        return env

    async def launch(self, *products: tuple[str, str]) -> None:
        """An operator agreement, and products released by the makers named."""
        await self.publish(
            AgreementSigned(
                agreement_id="agr-1",
                operator_org_id=self.operator_org,
                mode="whole",
                starts_on=date(2026, 1, 1),
                ends_on=date(2028, 12, 31),
            ),
            "agr-1",
        )
        for product_id, maker in products:
            await self.publish(
                ProductReleased(
                    product_id=product_id,
                    version=1,
                    name=product_id,
                    kind="api",
                    developer_org_id=maker,
                    registration_code=f"reg-{product_id}",
                    certificate_id=f"cert-{product_id}",
                ),
                product_id,
            )
        store = self.p.running["billing"].store

        async def projected() -> bool:
            return (await store.count("agreements"), await store.count("products")) == (
                1,
                len(products),
            )

        await eventually(projected)

    async def list_price(self, client: Client, product_id: str) -> Any:
        return await client.post(
            "/billing/prices",
            json={"product_id": product_id, "unit": "call", "unit_price_fen": 20},
            headers=await self.auth(self.operator),
        )

    async def cap(self, client: Client, product_id: str) -> None:
        r = await client.put(
            f"/billing/caps/{product_id}/call",
            json={"cap_fen": 30},
            headers=await self.auth(self.bureau),
        )
        assert r.status_code == 200, r.text


async def test_BIL_1_weifang_refuses_a_price_with_no_cap(tmp_path: Path) -> None:
    """潍坊 001 第二十一条（二）：“用于产业发展、行业发展的公共数据资源经营性产品和服务，确需
    收费的，实行政府指导定价管理”: no uncapped price."""
    city = City(tmp_path, "370700")
    async with AsyncTestClient(app=gateway(city.p)) as client:
        await city.launch(("prod-credit", "org-370700-dev"))
        refused = await city.list_price(client, "prod-credit")
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["rule"] == "BIL-1" and problem["errors"][0]["field"] == "unit_price_fen"
        await city.cap(client, "prod-credit")
        assert (await city.list_price(client, "prod-credit")).status_code == 201
        shown = (
            await client.get("/billing/settings", headers=await city.auth(city.operator))
        ).json()
        assert shown["pricing_regime"] == "guided_required" and "001 art.21" in shown["source"]
        assert shown["cultivation_starts_on"] is None
        period = await client.get(
            "/billing/cultivation-period?on=2026-06-01", headers=await city.auth(city.operator)
        )
        assert (period.json()["starts_on"], period.json()["inside"]) == (None, False)


async def test_BIL_1_guizhou_caps_the_operators_products_and_not_developers_redeveloped_ones(
    tmp_path: Path,
) -> None:
    """贵州 004（解读）：“授权运营机构提供的数据产品和服务执行政务指导价管理，开发利用机构再开发
    的数据产品和服务按照市场定价。” Guiyang (520100) takes the province's setting."""
    city = City(tmp_path, "520100")
    async with AsyncTestClient(app=gateway(city.p)) as client:
        await city.launch(("prod-own", city.operator_org), ("prod-redev", "org-520100-dev"))
        assert (await city.list_price(client, "prod-redev")).status_code == 201
        refused = await city.list_price(client, "prod-own")
        assert refused.status_code == 422 and refused.json()["rule"] == "BIL-1"
        # A product billing never saw released is not priced at all: refused naming it.
        unknown = await city.list_price(client, "prod-never-released")
        assert unknown.status_code == 404 and "prod-never-released" in unknown.json()["detail"]
        await city.cap(client, "prod-own")
        assert (await city.list_price(client, "prod-own")).status_code == 201


async def test_BIL_1_xianning_and_yinchuan_fall_to_the_national_guided_price(
    tmp_path: Path,
) -> None:
    """咸宁 002 五：“運營機構要嚴格執行國家、省關於公共數據資源授權運營價格相關政策和收費標準”；
    银川 003 names no pricing regime (“授权运营主体可以收取数据产品或者数据服务的收益”)."""
    for region in ("421200", "640100"):
        city = City(tmp_path / region, region)
        async with AsyncTestClient(app=gateway(city.p)) as client:
            await city.launch(("prod-1", f"org-{region}-dev"))
            refused = await city.list_price(client, "prod-1")
            assert refused.status_code == 422 and refused.json()["rule"] == "BIL-1", region
