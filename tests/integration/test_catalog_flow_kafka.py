"""The catalog in distributed mode on the real Kafka broker and MongoDB-wire server: the
operation catalog, the negative list and objections through HTTP, the search index kept
from the catalog's own events on Kafka, and rebuilt from the database by a new process.
State is checked through HTTP only (the test client runs the app in its own loop)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from libs.secrets.keyring import LocalKeyring
from tests.support.platform import eventually, keyring, resource_body, settings
from tests.support.regions import fresh_region

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]


class Node:
    """One catalog process of a fresh region, on a clock the test moves."""

    def __init__(
        self, tmp: Path, region: str, kafka: str, mongo: str, secrets: LocalKeyring
    ) -> None:
        self.region = region
        self.clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
        self.secrets = secrets
        self.platform = Platform(
            settings(tmp, mode="distributed", kafka=kafka, mongo=mongo, region=region),
            ("catalog",),
            clock=self.clock,
            secrets=secrets,
        ).build()
        self.provider = self.principal("tax", Role.PROVIDER)
        self.bureau = self.principal("bureau", Role.BUREAU)
        self.developer = self.principal("dev", Role.DEVELOPER)

    def principal(self, name: str, role: Role) -> Principal:
        org = f"org-{self.region}-{name}"
        return Principal(user_id=f"{org}:u", org_id=org, role=role, region=self.region)

    async def as_(self, who: Principal) -> dict[str, str]:
        issuer = TokenIssuer(self.secrets, self.clock, region=self.region)
        return {"Authorization": f"Bearer {await issuer.issue(who, ttl_seconds=900)}"}


@pytest.fixture
async def node(tmp_path: Path, kafka_bootstrap: str, mongo_uri: str) -> AsyncIterator[Node]:
    yield Node(tmp_path, fresh_region(), kafka_bootstrap, mongo_uri, keyring(tmp_path))


async def _search(client: AsyncTestClient[Any], headers: dict[str, str], query: str) -> Any:
    r = await client.get(f"/catalog/resources/?{query}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_CAT_3_CAT_2_operation_catalog_and_negative_list_over_kafka_index_follows(
    node: Node, tmp_path: Path, kafka_bootstrap: str, mongo_uri: str
) -> None:
    async with AsyncTestClient(app=gateway(node.platform)) as client:
        tax, bureau, dev = [await node.as_(w) for w in (node.provider, node.bureau, node.developer)]
        ids = []
        for name in ("企业纳税信息", "纳税信用评价结果", "发票开具汇总"):
            r = await client.post("/catalog/resources/", json=resource_body(name), headers=tax)
            assert r.status_code == 201, r.text
            ids.append(r.json()["resource_id"])
        first = ids[0]
        assert (await client.post(f"/catalog/resources/{first}/proposal", headers=tax)).json()[
            "status"
        ] == "proposed"
        published = await client.post(f"/catalog/resources/{first}/publication", headers=bureau)
        assert published.status_code == 200, published.text

        async def operation_catalog() -> list[str] | None:
            page = await _search(client, dev, "status=published")
            return [i["resource_id"] for i in page["items"]] or None

        assert await eventually(operation_catalog, timeout=60) == [first]
        texts = await eventually(lambda: _total_if(client, dev, "q=纳税", 3), timeout=60)
        assert texts == 3

        listed = await client.post(
            "/catalog/negative-list/",
            json={"resource_id": first, "reason": "涉及国家安全"},
            headers=bureau,
        )
        assert listed.status_code == 201, listed.text

        async def withdrawn() -> bool:
            return bool((await _search(client, dev, "status=published"))["total"] == 0)

        assert await eventually(withdrawn, timeout=60)
        refused = await client.post(f"/catalog/resources/{first}/proposal", headers=tax)
        assert refused.status_code == 422 and refused.json()["rule"] == "CAT-2"

    # A new catalog process builds its index from the database before it serves.
    again = Node(tmp_path / "again", node.region, kafka_bootstrap, mongo_uri, node.secrets)
    async with AsyncTestClient(app=gateway(again.platform)) as client:
        dev = await again.as_(again.developer)
        page = await _search(client, dev, "limit=10")
        assert page["total"] == 3
        assert [i["resource_id"] for i in page["items"]] == ids
        assert (await _search(client, dev, "status=negative_listed"))["total"] == 1


async def _total_if(
    client: AsyncTestClient[Any], headers: dict[str, str], query: str, wanted: int
) -> int | None:
    total: int = (await _search(client, headers, query))["total"]
    return total if total == wanted else None


async def test_CAT_5_objections_and_the_deadline_sweep_on_mongo(node: Node) -> None:
    async with AsyncTestClient(app=gateway(node.platform)) as client:
        tax, bureau = await node.as_(node.provider), await node.as_(node.bureau)
        rid = (await client.post("/catalog/resources/", json=resource_body(), headers=tax)).json()[
            "resource_id"
        ]
        raised = await client.post(
            "/catalog/objections/",
            json={"resource_id": rid, "description": "税额有误"},
            headers=await node.as_(node.developer),
        )
        assert raised.status_code == 201, raised.text
        objection = raised.json()
        assert objection["provider_org_id"] == node.provider.org_id

        node.clock.advance(timedelta(days=17))
        bureau = await node.as_(node.bureau)
        sweeps = []
        for _ in range(2):
            r = await client.post("/catalog/objections/deadline-sweep", headers=bureau)
            assert r.status_code == 200, r.text
            sweeps.append(r.json()["escalated"])
        assert sweeps == [1, 0]
        read = await client.get(f"/catalog/objections/{objection['objection_id']}", headers=bureau)
        assert read.json()["status"] == "escalated"
        corrected = await client.post(
            f"/catalog/objections/{objection['objection_id']}/correction",
            json={"resolution": "已更正"},
            headers=await node.as_(node.provider),
        )
        assert corrected.json()["status"] == "corrected"
        verified = await client.post(
            f"/catalog/objections/{objection['objection_id']}/verification",
            json={"verified": True, "finding": "已核实"},
            headers=await node.as_(node.bureau),
        )
        assert verified.json()["status"] == "resolved", verified.text
        assert "已办结" in verified.json()["objector_notice"]
