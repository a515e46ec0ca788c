"""Helpers of product-release end-to-end tests: principals, the facts other services
publish (grants, sandboxes, staged outputs, appeals) put straight onto the bus, and the
request bodies of an export's and a product's life."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

from litestar.testing import AsyncTestClient

from contracts.canonical import sha256_hex
from contracts.envelope import (
    SYSTEM_ACTOR,
    Actor,
    Envelope,
    Role,
    decode,
    encode,
    new_envelope,
)
from contracts.events import (
    AgreementSigned,
    AppealDecided,
    AppealFiled,
    Cell,
    ExportStaged,
    ExportUnavailable,
    GrantedResource,
    GrantIssued,
    GrantRevoked,
    Payload,
    SandboxReady,
    StagedColumn,
    StagedItem,
)
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.bus.embedded import EmbeddedBus
from libs.bus.port import Message
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import eventually, token

T = TypeVar("T")
REGION = "370300"
OPERATOR_ORG = "org-370300-operator"
DEVELOPER = Principal(user_id="u-dev-1", org_id="org-dev-1", role=Role.DEVELOPER, region=REGION)
COLLEAGUE = Principal(user_id="u-dev-2", org_id="org-dev-1", role=Role.DEVELOPER, region=REGION)
OTHER_DEVELOPER = Principal(
    user_id="u-dev-9", org_id="org-dev-2", role=Role.DEVELOPER, region=REGION
)
AFFILIATE = Principal(
    user_id="u-sub-1", org_id="org-370300-operator-sub", role=Role.DEVELOPER, region=REGION
)
OPERATOR = Principal(user_id="u-op-1", org_id=OPERATOR_ORG, role=Role.OPERATOR, region=REGION)
BUREAU = Principal(
    user_id="u-bureau-1", org_id="org-370300-bureau", role=Role.BUREAU, region=REGION
)
SUPERVISOR = Principal(
    user_id="u-sup-1", org_id="org-370300-supervisor", role=Role.SUPERVISOR, region=REGION
)
BUREAU_ACTOR = Actor(org_id=BUREAU.org_id, user_id=BUREAU.user_id, role=Role.BUREAU)
GRANT_ITEMS = [
    StagedItem(name="district", grade=1, resource_id="res-1"),
    StagedItem(name="industry", grade=1, resource_id="res-1"),
    StagedItem(name="resident_id", grade=4, resource_id="res-2"),
    StagedItem(name="name", grade=3, resource_id="res-2"),
]


_CLIENTS: dict[int, AsyncTestClient[Any]] = {}
"""The client serving each platform: ``AsyncTestClient`` runs the app (and so the bus
and the stores) on its own event loop in a portal thread."""


async def on_app(p: Platform, fn: Callable[[], Awaitable[T]]) -> T:
    """Run ``fn()`` on the app's event loop, never on the test's own: the embedded bus
    and the stores are not to be touched from two threads at once."""
    client = _CLIENTS[id(p)]
    result: T = await asyncio.to_thread(client.blocking_portal.call, fn)
    return result


async def _publish_here(p: Platform, payload: Payload, subject: str, actor: Actor) -> Any:
    assert p.bus is not None
    envelope = new_envelope(payload, region=REGION, actor=actor, subject=subject)
    topic = topic_for(envelope.type).name(REGION)
    await p.bus.publish(Message(topic=topic, key=subject, value=encode(envelope)))
    return envelope


async def publish(
    p: Platform, payload: Payload, *, subject: str, actor: Actor = SYSTEM_ACTOR
) -> Any:
    """Put one event on the bus as its producer's relay would; returns the envelope."""
    return await on_app(p, functools.partial(_publish_here, p, payload, subject, actor))


async def grant_with_sandboxes(
    p: Platform,
    grant_id: str,
    developer_org_id: str = DEVELOPER.org_id,
    *,
    operator_org_id: str = OPERATOR_ORG,
    agreement_id: str = "",
) -> str:
    """A live grant with its development and production sandboxes; the production id."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    await publish(
        p,
        GrantIssued(
            grant_id=grant_id,
            application_id=f"app-{grant_id}",
            scenario_id=f"scn-{grant_id}",
            developer_org_id=developer_org_id,
            purpose="普惠金融授信",
            resources=[GrantedResource(resource_id="res-1", items=["district", "industry"])],
            valid_from=now - timedelta(days=1),
            valid_until=now + timedelta(days=365),
            operator_org_id=operator_org_id,
            agreement_id=agreement_id,
        ),
        subject=grant_id,
    )
    for environment in ("development", "production"):
        await publish(
            p,
            SandboxReady(
                sandbox_id=f"sbx-{environment[:3]}-{grant_id}",
                grant_id=grant_id,
                developer_org_id=developer_org_id,
                environment=environment,
            ),
            subject=f"sbx-{environment[:3]}-{grant_id}",
        )
    return f"sbx-pro-{grant_id}"


async def agreement(p: Platform) -> None:
    from datetime import date

    await publish(
        p,
        AgreementSigned(
            agreement_id="agr-1",
            operator_org_id=OPERATOR_ORG,
            mode="whole",
            starts_on=date(2026, 1, 1),
            ends_on=date(2028, 12, 31),
        ),
        subject="agr-1",
    )


async def revoke(p: Platform, grant_id: str, developer_org_id: str = DEVELOPER.org_id) -> None:
    await publish(
        p,
        GrantRevoked(grant_id=grant_id, developer_org_id=developer_org_id, reason="违规"),
        subject=grant_id,
    )


def staged(
    export_id: str,
    sandbox_id: str,
    output_name: str,
    columns: list[tuple[str, str]],
    rows: list[list[Cell]],
) -> ExportStaged:
    """``export.staged`` as sandbox-broker sends it, with the digest it computes."""
    return ExportStaged(
        export_id=export_id,
        sandbox_id=sandbox_id,
        output_name=output_name,
        columns=[StagedColumn(name=n, type=t) for n, t in columns],
        rows=rows,
        row_count=len(rows),
        content_sha256=sha256_hex({"columns": [list(c) for c in columns], "rows": rows}),
        grant_items=GRANT_ITEMS,
    )


async def stage_output(
    p: Platform,
    export: dict[str, Any],
    columns: list[tuple[str, str]],
    rows: list[list[Cell]],
) -> Any:
    payload = staged(
        export["export_id"], export["sandbox_id"], export["output_name"], columns, rows
    )
    return await publish(p, payload, subject=export["export_id"])


async def unavailable(p: Platform, export: dict[str, Any], reason: str) -> None:
    await publish(
        p,
        ExportUnavailable(
            export_id=export["export_id"],
            sandbox_id=export["sandbox_id"],
            reason=reason,
            rule="SBX-1",
        ),
        subject=export["export_id"],
    )


async def appeal(p: Platform, export_id: str, appeal_id: str) -> None:
    await publish(
        p,
        AppealFiled(
            appeal_id=appeal_id,
            subject_kind="export",
            subject_id=export_id,
            appellant_org_id=DEVELOPER.org_id,
            grounds="单元格均已满足最小计数",
        ),
        subject=appeal_id,
        actor=Actor(org_id=DEVELOPER.org_id, user_id=DEVELOPER.user_id, role=Role.DEVELOPER),
    )


async def appeal_decided(p: Platform, export_id: str, appeal_id: str, decision: str) -> None:
    await publish(
        p,
        AppealDecided(
            appeal_id=appeal_id,
            decision=decision,
            reasoning="经复核",
            subject_kind="export",
            subject_id=export_id,
        ),
        subject=appeal_id,
        actor=BUREAU_ACTOR,
    )


TABLE_COLUMNS = [
    {"name": "district", "role": "dimension"},
    {"name": "industry", "role": "dimension"},
    {"name": "firms", "role": "count"},
]
TABLE_STAGED = [("district", "VARCHAR"), ("industry", "VARCHAR"), ("firms", "BIGINT")]
PASSING_ROWS: list[list[Cell]] = [
    ["张店区", "制造业", 42],
    ["张店区", "批发零售", 37],
    ["淄川区", "制造业", 25],
    ["淄川区", "批发零售", 19],
]


def table_request(sandbox_id: str, output_name: str = "firms_by_district") -> dict[str, Any]:
    return {
        "sandbox_id": sandbox_id,
        "output_name": output_name,
        "kind": "table",
        "columns": TABLE_COLUMNS,
        "universe": "grant@2026-06",
    }


def certificate_body(developer_org_id: str = DEVELOPER.org_id) -> dict[str, Any]:
    return {
        "data_sources": [
            {
                "resource_id": "res-1",
                "provider_org_id": "org-370300-market",
                "registration_code": "370300R00000000017",
            }
        ],
        "attributes": [{"name": "format", "value": "CSV"}, {"name": "更新频率", "value": "月"}],
        "business_logic": "按区县、行业汇总企业数，小于10的单元格抑制",
        "governance_rules": "仅用于普惠金融授信场景；不得再识别",
        "cryptographic_agreement": "SHA-256 over canonical JSON; Ed25519 signature",
        "interaction_flow": [
            {"from_org_id": "org-370300-market", "to_org_id": developer_org_id, "action": "供数"},
            {"from_org_id": developer_org_id, "to_org_id": OPERATOR_ORG, "action": "出域审核"},
        ],
    }


@contextlib.asynccontextmanager
async def service_client(p: Platform) -> AsyncIterator[AsyncTestClient[Any]]:
    """A client of the gateway whose relative paths go to product-release, wherever the
    gateway mounts it (``/product-release``, or the service name ``/product_release``)."""
    async with AsyncTestClient(app=gateway(p)) as client:
        for prefix in ("/product-release", "/product_release"):
            if (await client.get(f"{prefix}/healthz")).status_code == 200:
                client.base_url = f"{client.base_url}{prefix}"
                break
        else:
            raise AssertionError("product-release is not mounted")
        _CLIENTS[id(p)] = client
        try:
            yield client
        finally:
            del _CLIENTS[id(p)]


async def request_export(
    client: AsyncTestClient[Any], headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    """POST /exports once the sandbox projection has caught up with the broker's event."""

    async def attempt() -> dict[str, Any] | None:
        response = await client.post("/exports/", json=body, headers=headers)
        if response.status_code == 404:
            return None
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return await eventually(attempt)


async def export_in(
    client: AsyncTestClient[Any], headers: dict[str, str], export_id: str, state: str
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        found: dict[str, Any] = (await client.get(f"/exports/{export_id}", headers=headers)).json()
        return found if found["state"] == state else None

    return await eventually(probe)


async def checked_export(
    p: Platform,
    client: AsyncTestClient[Any],
    grant_id: str,
    developer: Principal = DEVELOPER,
    rows: list[list[Cell]] | None = None,
    **grant: str,
) -> dict[str, Any]:
    """A table export of ``developer``'s production sandbox, staged and checked
    (``grant``: the grant's ``operator_org_id`` and ``agreement_id``)."""
    dev = await token(p, developer)
    sandbox = await grant_with_sandboxes(p, grant_id, developer.org_id, **grant)
    export = await request_export(client, dev, table_request(sandbox))
    await stage_output(p, export, TABLE_STAGED, PASSING_ROWS if rows is None else rows)
    state = "checks_passed" if rows is None else "checks_failed"
    return await export_in(client, dev, export["export_id"], state)


async def decide(
    p: Platform, client: AsyncTestClient[Any], export_id: str, approve: bool, reason: str = ""
) -> Any:
    return await client.post(
        f"/exports/{export_id}/decision",
        json={"approve": approve, "reason": reason},
        headers=await token(p, OPERATOR),
    )


async def approved_export(
    p: Platform,
    client: AsyncTestClient[Any],
    grant_id: str,
    output_name: str = "firms_by_district",
    developer: Principal = DEVELOPER,
) -> dict[str, Any]:
    dev, op = await token(p, developer), await token(p, OPERATOR)
    sandbox = await grant_with_sandboxes(p, grant_id, developer.org_id)
    export = await request_export(client, dev, table_request(sandbox, output_name))
    await stage_output(p, export, TABLE_STAGED, PASSING_ROWS)
    await export_in(client, dev, export["export_id"], "checks_passed")
    decided = await client.post(
        f"/exports/{export['export_id']}/decision",
        json={"approve": True, "reason": "检查通过"},
        headers=op,
    )
    assert decided.status_code == 200, decided.text
    return dict(decided.json())


async def released_product(
    p: Platform,
    client: AsyncTestClient[Any],
    grant_id: str,
    certificate: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A dataset of an approved table export, certified, filed and released."""
    dev, op, bureau = [await token(p, w) for w in (DEVELOPER, OPERATOR, BUREAU)]
    output_name = "firms_" + grant_id.replace("-", "_")
    export = await approved_export(p, client, grant_id, output_name=output_name)
    drafted = await client.post(
        "/products/",
        json={"export_id": export["export_id"], "name": f"企业数 {grant_id}", "kind": "dataset"},
        headers=dev,
    )
    assert drafted.status_code == 201, drafted.text
    product_id = drafted.json()["product_id"]
    certified = await client.post(
        f"/products/{product_id}/certificate",
        json=certificate or certificate_body(),
        headers=dev,
    )
    assert certified.status_code == 200, certified.text
    filed = await client.post(
        f"/products/{product_id}/filing", json={"accept": True}, headers=bureau
    )
    assert filed.status_code == 200, filed.text
    released = await client.post(f"/products/{product_id}/release", headers=op)
    assert released.status_code == 200, released.text
    return dict(released.json())


async def published(p: Platform, event_type: str, count: int = 1) -> list[Envelope]:
    """Events of one type published on the embedded bus, in log order, once the relay
    has published at least ``count`` of them (read on the app's loop)."""
    bus = p.bus
    assert isinstance(bus, EmbeddedBus)
    topic = topic_for(event_type).name(REGION)

    async def read() -> list[Envelope]:
        envelopes = (decode(m.value) for m in bus.read_topic(topic))
        return [e for e in envelopes if e.type == event_type]

    async def probe() -> list[Envelope] | None:
        found = await on_app(p, read)
        return found if len(found) >= count else None

    return await eventually(probe)


async def audit_actions(p: Platform) -> list[str]:
    """The actions product-release recorded in its audit chain, in order."""
    audit = p.running["product_release"].ctx.audit
    return [e.action for e in await on_app(p, audit.entries)]


async def stored(p: Platform, collection: str, doc_id: str) -> dict[str, Any] | None:
    store = p.running["product_release"].store
    return await on_app(p, functools.partial(store.get, collection, doc_id))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
