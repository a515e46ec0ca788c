"""Sandbox isolation fails closed in distributed mode (SBX-2): on a host (or pod) that
cannot give job processes a network namespace and a user of their own, the broker does
not fall back to DuckDB-level blocking: provisioning fails and every job is refused,
each with the reason."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from libs.bus.embedded import EmbeddedBus
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.sandbox_broker.adapters import duckdb_executor
from tests.support.platform import eventually, keyring, settings
from tests.support.sandbox_broker import (
    DEV_A,
    OPERATOR,
    TABLE_OF_KEY,
    auth,
    grant_issued,
    make_source,
    register_demo_resources,
    sandbox_root,
    send,
)

pytestmark = [pytest.mark.mongo]
GRANT = "g-fail-closed"
PRO = f"sbx-pro-{GRANT}"


@pytest.mark.parametrize("distributed", [True, False])
async def test_SBX_2_distributed_broker_without_isolation_refuses_jobs_with_the_reason(
    tmp_path: Path, mongo_uri: str, monkeypatch: pytest.MonkeyPatch, distributed: bool
) -> None:
    # A pod without the privileges (non-root, no CAP_SYS_ADMIN): nothing is isolable.
    monkeypatch.setattr(
        duckdb_executor.isolation,
        "supported",
        lambda: {"network_namespace": False, "separate_user": False},
    )
    source = make_source(tmp_path)
    mapping = tmp_path / "sources.json"
    mapping.write_text(
        json.dumps({k: {"path": str(source), "table": t} for k, t in TABLE_OF_KEY.items()})
    )
    monkeypatch.setenv("PDO_SANDBOX_SOURCES", str(mapping))
    monkeypatch.setenv("PDO_SANDBOX_ROOT", str(sandbox_root()))
    chosen = settings(tmp_path)
    if distributed:
        chosen = dataclasses.replace(
            chosen, mode="distributed", mongo_uri=mongo_uri, region=chosen.region
        )
    p = Platform(
        chosen,
        ("sandbox_broker",),
        bus=EmbeddedBus(tmp_path / "bus.sqlite"),
        secrets=keyring(tmp_path),
    ).build()
    async with AsyncTestClient(app=gateway(p)) as client:
        await register_demo_resources(client, p)
        await send(client, p, grant_issued(GRANT), subject=GRANT)
        headers = await auth(client, p, OPERATOR)

        async def settled() -> dict[str, Any] | None:
            r = await client.get(f"/sandbox_broker/sandboxes/{PRO}", headers=headers)
            body: dict[str, Any] = r.json()
            return body if r.status_code == 200 and body["state"] in ("ready", "failed") else None

        sandbox = await eventually(settled, timeout=90)
        job = await client.post(
            f"/sandbox_broker/sandboxes/{PRO}/jobs",
            json={"sql": "SELECT 1 AS one"},
            headers=await auth(client, p, DEV_A),
        )
    if not distributed:
        # Embedded mode may fall back, and says so in the sandbox's isolation report.
        assert sandbox["state"] == "ready"
        return
    assert sandbox["state"] == "failed"
    assert "cannot be isolated" in sandbox["failure_reason"]
    assert "network namespace" in sandbox["failure_reason"]
    assert job.status_code == 409, job.text
    problem = job.json()
    assert "cannot be isolated" in problem["detail"]
    assert problem.get("rule") == "SBX-2" or "SBX-2" in job.text
