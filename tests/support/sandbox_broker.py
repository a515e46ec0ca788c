"""Helpers for sandbox-broker end-to-end tests: a small demo source wired through
``PDO_SANDBOX_SOURCES``, a sandbox root every sandbox user can traverse, principals,
catalog and request-review events published straight onto the bus, and reading what the
broker published.

``AsyncTestClient`` runs the app (and so the platform: bus, stores, keyring) on its own
event loop in a portal thread; everything that touches the platform from a test goes
through that portal (``in_app``), never from the test's own loop."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import (
    SYSTEM_ACTOR,
    Actor,
    Envelope,
    Role,
    decode,
    new_envelope,
    to_builtins,
)
from contracts.events import DataItem, GrantedResource, GrantIssued, Payload, ResourceRegistered
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.bus.embedded import EmbeddedBus
from libs.outbox import to_message
from libs.runtime import Platform
from services.sandbox_broker.adapters.demo_data import DEMO_TABLES, DemoScale, generate
from services.sandbox_broker.adapters.sources import DEMO_SOURCES, ROOT_ENV, SOURCES_ENV
from tests.support.platform import REGION, platform, token

SCALE = DemoScale(enterprises=2000, tax_months=2, persons=2000)
OPERATOR_ORG = "org-370300-operator"

DEV_A = Principal(user_id="u-dev-a", org_id="org-370300-dev-a", role=Role.DEVELOPER, region=REGION)
DEV_B = Principal(user_id="u-dev-b", org_id="org-370300-dev-b", role=Role.DEVELOPER, region=REGION)
OPERATOR = Principal(user_id="u-op-1", org_id=OPERATOR_ORG, role=Role.OPERATOR, region=REGION)
BUREAU = Principal(user_id="u-bur-1", org_id="org-370300-bureau", role=Role.BUREAU, region=REGION)
BANK = Principal(user_id="u-bank-1", org_id="org-370300-bank", role=Role.EXCHANGE, region=REGION)
PUBLIC = Principal(user_id="u-pub-1", org_id="public", role=Role.PUBLIC, region=REGION)

TABLE_OF_KEY = DEMO_SOURCES
RESOURCE_IDS = {table: f"res-{table.replace('_', '-')}" for table in DEMO_TABLES}


def make_source(directory: Path) -> Path:
    """A small demo source (the same generator as the demo city, fewer rows)."""
    path = directory / "source.duckdb"
    if not path.exists():
        generate(path, SCALE)
    return path


def sandbox_root() -> Path:
    """A directory every sandbox user can traverse (pytest's own tmp is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="pdo-e2e-sandboxes-", dir="/tmp"))
    os.chmod(path, 0o711)
    return path


ROOTS: dict[int, Path] = {}
"""The sandbox root of each platform ``broker_platform`` built."""


@contextmanager
def broker_platform(tmp: Path, source: Path) -> Iterator[Platform]:
    """The sandbox-broker alone, its sources mapped onto ``source`` by the env file."""
    mapping = {key: {"path": str(source), "table": table} for key, table in TABLE_OF_KEY.items()}
    sources = tmp / "sources.json"
    sources.write_text(json.dumps(mapping, ensure_ascii=False))
    root = sandbox_root()
    try:
        with pytest.MonkeyPatch.context() as env:
            env.setenv(SOURCES_ENV, str(sources))
            env.setenv(ROOT_ENV, str(root))
            p = platform(tmp, services=("sandbox_broker",))
        ROOTS[id(p)] = root
        yield p
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def in_app(client: AsyncTestClient[Any], fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` (sync or async) on the app's event loop."""
    return await asyncio.to_thread(client.blocking_portal.call, fn, *args)


_TOKENS: dict[tuple[int, str], dict[str, str]] = {}


async def auth(client: AsyncTestClient[Any], p: Platform, who: Principal) -> dict[str, str]:
    """Bearer headers for ``who`` (signed once per platform, valid an hour)."""
    key = (id(p), who.user_id)
    if key not in _TOKENS:
        _TOKENS[key] = await in_app(client, functools.partial(token, p, who, ttl=3600))
    return _TOKENS[key]


async def send(client: AsyncTestClient[Any], p: Platform, payload: Payload, **kw: Any) -> Envelope:
    """``publish`` on the app's loop."""
    envelope: Envelope = await in_app(client, functools.partial(publish, p, payload, **kw))
    return envelope


async def seen(
    client: AsyncTestClient[Any], p: Platform, event_type: str, **where: Any
) -> list[Any]:
    """``payloads`` read on the app's loop."""
    found: list[Any] = await in_app(client, functools.partial(payloads, p, event_type, **where))
    return found


async def publish(
    p: Platform,
    payload: Payload,
    *,
    subject: str,
    actor: Actor = SYSTEM_ACTOR,
    again: Envelope | None = None,
) -> Envelope:
    """Put an event on the bus as its producer's relay would (``again``: redeliver it)."""
    envelope = again or new_envelope(payload, region=REGION, actor=actor, subject=subject)
    assert p.bus is not None
    await p.bus.publish(to_message({"envelope": to_builtins(envelope), "headers": {}}))
    return envelope


def published(p: Platform, event_type: str) -> list[Envelope]:
    """Every event of ``event_type`` on its topic, in order."""
    assert isinstance(p.bus, EmbeddedBus)
    topic = topic_for(event_type).name(REGION)
    found = (decode(m.value) for m in p.bus.read_topic(topic))
    return [e for e in found if e.type == event_type]


def payloads(p: Platform, event_type: str, **where: Any) -> list[Any]:
    """Payloads of ``event_type`` whose fields equal ``where``."""
    return [
        e.payload
        for e in published(p, event_type)
        if all(getattr(e.payload, k) == v for k, v in where.items())
    ]


async def register_demo_resources(client: AsyncTestClient[Any], p: Platform) -> None:
    """The four demo resources as catalog registers them (CAT-1), on the app's loop."""
    await in_app(client, register_resources, p)


async def register_resources(p: Platform) -> None:
    """The four demo resources as catalog registers them (CAT-1)."""
    for key, table in TABLE_OF_KEY.items():
        provider, name = key.split("/", 1)
        event = ResourceRegistered(
            resource_id=RESOURCE_IDS[table],
            provider_org_id=provider,
            name=name,
            description=name,
            category="demo",
            update_frequency="monthly",
            source_system="demo",
            items=[
                DataItem(name=i.name, type=i.type, grade=i.grade, description=i.description)
                for i in DEMO_TABLES[table]
            ],
            registration_code=f"370300R{table}",
            evidence_hash="0" * 64,
        )
        await publish(p, event, subject=event.resource_id)


def granted(table: str, items: list[str], **extra: Any) -> GrantedResource:
    return GrantedResource(resource_id=RESOURCE_IDS[table], items=items, **extra)


def grant_issued(
    grant_id: str,
    developer: Principal = DEV_A,
    resources: list[GrantedResource] | None = None,
    *,
    valid_days: int = 30,
    operator_org_id: str = OPERATOR_ORG,
) -> GrantIssued:
    now = datetime.now(UTC)
    return GrantIssued(
        grant_id=grant_id,
        application_id=f"app-{grant_id}",
        scenario_id=f"scn-{grant_id}",
        developer_org_id=developer.org_id,
        purpose="普惠金融信用评估",
        resources=resources
        or [
            granted(
                "market_registration",
                [
                    "credit_code",
                    "entity_name",
                    "legal_rep_name",
                    "legal_rep_id",
                    "registered_capital_fen",
                    "region_code",
                ],
            ),
            granted("housing_provident_fund", ["person_id", "person_name", "deposit_base_fen"]),
        ],
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=valid_days),
        scenario_class="commercial",
        operator_org_id=operator_org_id,
    )
