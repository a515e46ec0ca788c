"""The first cross-service flow in embedded mode, through public HTTP only: a provider
registers a resource in catalog; disclosure lists it publicly once the event arrives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from libs.http.gateway import gateway
from tests.support.platform import TAX, eventually, platform, resource_body, token


async def test_registered_resource_appears_on_the_public_disclosure_list(tmp_path: Path) -> None:
    p = platform(tmp_path)
    async with AsyncTestClient(app=gateway(p)) as client:
        created = await client.post(
            "/catalog/resources/", json=resource_body(), headers=await token(p, TAX)
        )
        assert created.status_code == 201, created.text
        resource = created.json()
        assert resource["provider_org_id"] == TAX.org_id
        assert resource["registration_code"].startswith("370300R")

        async def listed() -> dict[str, Any] | None:
            r = await client.get(f"/disclosure/resources/{resource['resource_id']}")
            return r.json() if r.status_code == 200 else None

        public = await eventually(listed)
        assert public["name"] == "企业纳税信息"
        assert public["registration_code"] == resource["registration_code"]
        assert public["evidence_hash"] == resource["evidence_hash"]
        assert public["item_names"] == ["credit_code", "tax_paid_fen"]

        page = (await client.get("/disclosure/resources/")).json()
        assert [i["resource_id"] for i in page["items"]] == [resource["resource_id"]]


async def test_healthz_reports_all_nine_services(tmp_path: Path) -> None:
    p = platform(tmp_path)
    async with AsyncTestClient(app=gateway(p)) as client:
        health = await client.get("/healthz")
        assert health.status_code == 200
        assert health.json()["services"] == {name: "up" for name in p.running}
        assert len(health.json()["services"]) == 9
        for name in p.running:
            one = await client.get(f"/{name}/healthz")
            assert one.status_code == 200 and one.json()["service"] == name
            schema = await client.get(f"/{name}/schema/openapi.json")
            assert schema.status_code == 200
            assert schema.json()["servers"] == [{"url": f"/{name}"}]


async def test_jwks_publishes_the_key_that_verifies_issued_tokens(tmp_path: Path) -> None:
    import jwt

    p = platform(tmp_path)
    async with AsyncTestClient(app=gateway(p)) as client:
        token_header = await token(p, TAX)
        keys = (await client.get("/identity/.well-known/jwks.json")).json()["keys"]
        assert [k["kid"] for k in keys] == ["identity-jwt:v1"]
        assert all("d" not in k for k in keys)  # never a private part
        raw = token_header["Authorization"].split()[1]
        key = jwt.PyJWK(keys[0]).key
        claims = jwt.decode(raw, key, algorithms=["EdDSA"], audience="pdo")
        assert claims["org"] == TAX.org_id
