"""A verification product (核验) through the operator's suspension, reinstatement and
exit, embedded: while the agreement is suspended calls are refused naming AUTH-6 and
answered again after reinstatement; once the authorization ended calls are refused naming
AUTH-7 (the data is deleted; the product withdrawn with that rule)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from litestar.testing import AsyncTestClient

from contracts.events import (
    AgreementReinstated,
    AgreementSuspended,
    AgreementTerminated,
    ProductReleased,
    VerificationSpec,
)
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import eventually
from tests.support.sandbox_broker import (
    BANK,
    DEV_A,
    OPERATOR,
    auth,
    broker_platform,
    grant_issued,
    granted,
    make_source,
    register_demo_resources,
    send,
)

Client = AsyncTestClient[Any]
GRANT = "g-verify-life"
PRO = f"sbx-pro-{GRANT}"


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client, Path]]:
    source = make_source(tmp_path)
    with broker_platform(tmp_path, source) as p:
        async with AsyncTestClient(app=gateway(p)) as client:
            await register_demo_resources(client, p)
            resources = [granted("market_registration", ["credit_code", "entity_status"])]
            await send(client, p, grant_issued(GRANT, resources=resources), subject=GRANT)

            async def ready() -> bool:
                r = await client.get(
                    f"/sandbox_broker/sandboxes/{PRO}", headers=await auth(client, p, DEV_A)
                )
                return r.status_code == 200 and r.json()["state"] == "ready"

            await eventually(ready, timeout=60)
            made = await client.post(
                f"/sandbox_broker/sandboxes/{PRO}/jobs",
                json={
                    "sql": "CREATE TABLE output_status AS SELECT credit_code, CASE WHEN "
                    "entity_status = '存续' THEN 'A' ELSE 'B' END AS grade "
                    "FROM market_registration"
                },
                headers=await auth(client, p, DEV_A),
            )
            assert made.json()["status"] == "succeeded", made.text
            spec = VerificationSpec(
                sandbox_id=PRO,
                output_name="output_status",
                key_column="credit_code",
                answer_column="grade",
                answers=["A", "B"],
            )
            released = ProductReleased(
                product_id="prod-status",
                version=1,
                name="企业存续核验",
                kind="verification",
                developer_org_id=DEV_A.org_id,
                registration_code="370300P9",
                certificate_id="cert-9",
                verification=spec,
                grant_id=GRANT,
            )
            await send(client, p, released, subject="prod-status")
            yield p, client, source


async def call(p: Platform, client: Client, key: str) -> Any:
    return await client.post(
        "/sandbox_broker/verifications/prod-status",
        json={"key": key},
        headers=await auth(client, p, BANK),
    )


async def answered(p: Platform, client: Client, key: str) -> Any:
    async def probe() -> Any:
        r = await call(p, client, key)
        return r if r.status_code == 200 else None

    return await eventually(probe, timeout=30)


async def refused_with(p: Platform, client: Client, key: str, rule: str) -> Any:
    async def probe() -> Any:
        r = await call(p, client, key)
        return r if r.status_code == 409 and r.json().get("rule") == rule else None

    return await eventually(probe, timeout=60)


async def test_AUTH_6_verification_calls_pause_with_the_suspension_and_resume_after_it(
    env: tuple[Platform, Client, Path],
) -> None:
    """000 §3.4(3): "暂时关闭其数据使用权限"; the correction accepted, the permission is back."""
    p, client, source = env
    with duckdb.connect(str(source), read_only=True) as con:
        row = con.execute("SELECT credit_code FROM market_registration LIMIT 1").fetchone()
    assert row is not None
    first = await answered(p, client, row[0])
    suspended = AgreementSuspended(
        agreement_id="agr-v",
        operator_org_id=OPERATOR.org_id,
        reason="违规",
        correction_due=date(2030, 1, 1),
    )
    await send(client, p, suspended, subject="agr-v")
    paused = await refused_with(p, client, row[0], "AUTH-6")
    assert "suspended" in paused.json()["detail"]
    await send(
        client,
        p,
        AgreementReinstated(agreement_id="agr-v", operator_org_id=OPERATOR.org_id),
        subject="agr-v",
    )
    again = await answered(p, client, row[0])
    assert again.json()["answer"] == first.json()["answer"]


async def test_AUTH_7_verification_calls_are_refused_once_the_authorization_ended(
    env: tuple[Platform, Client, Path],
) -> None:
    """001 art.24: "及时撤销授权运营单位的公共数据使用权限,及时删除所有授权的相关公共数据"。
    The product answers from authorized data that is deleted at the exit: every call is
    refused naming AUTH-7."""
    p, client, source = env
    with duckdb.connect(str(source), read_only=True) as con:
        row = con.execute("SELECT credit_code FROM market_registration LIMIT 1").fetchone()
    assert row is not None
    await answered(p, client, row[0])
    ended = AgreementTerminated(
        agreement_id="agr-v", operator_org_id=OPERATOR.org_id, reason="取消授权"
    )
    await send(client, p, ended, subject="agr-v")
    refused = await refused_with(p, client, row[0], "AUTH-7")
    assert "ended" in refused.json()["detail"]
