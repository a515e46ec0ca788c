"""Builds a real platform for tests (embedded or on Kafka + MongoDB wire) and signs tokens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from contracts.envelope import Role
from contracts.topics import SERVICES
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.clock import SystemClock
from libs.config import Mode, Settings
from libs.runtime import Platform
from libs.secrets.keyring import LocalKeyring

T = TypeVar("T")

REGION = "370300"
TAX = Principal(user_id="u-tax-1", org_id="org-370300-tax", role=Role.PROVIDER, region=REGION)
MARKET = Principal(user_id="u-mkt-1", org_id="org-370300-market", role=Role.PROVIDER, region=REGION)
DEVELOPER = Principal(user_id="u-dev-1", org_id="org-dev-1", role=Role.DEVELOPER, region=REGION)
COUNTY_PROVIDER = Principal(
    user_id="u-c-1", org_id="org-370303-tax", role=Role.PROVIDER, region="370303"
)
OTHER_CITY = Principal(
    user_id="u-x-1", org_id="org-370100-tax", role=Role.PROVIDER, region="370100"
)


def settings(
    tmp: Path, *, mode: Mode = "embedded", kafka: str = "", mongo: str = "", region: str = REGION
) -> Settings:
    """Settings for a test platform; on Kafka the region's topics are provisioned first,
    as the chart's pre-install Job does (the test broker never auto-creates topics)."""
    if mode == "distributed" and kafka:
        from tests.support.kafka_topics import provision_region

        provision_region(kafka, region)
    return Settings(
        mode=mode,
        region=region,
        http_host="127.0.0.1",
        http_port=0,
        data_dir=tmp,
        kafka_bootstrap=kafka,
        mongo_uri=mongo,
        keyring_passphrase="test-only-passphrase",
    )


def keyring(tmp: Path) -> LocalKeyring:
    return LocalKeyring(tmp / "keyring.bin", "test-only-passphrase", scrypt_log2_n=10)


def platform(tmp: Path, services: tuple[str, ...] | None = None, **kwargs: Any) -> Platform:
    chosen = services or SERVICES
    return Platform(settings(tmp, **kwargs), chosen, secrets=keyring(tmp)).build()


def distributed(
    tmp: Path,
    services: tuple[str, ...],
    *,
    kafka: str,
    mongo: str,
    region: str,
    secrets: LocalKeyring,
) -> Platform:
    """Services as one distributed process would run them: Kafka, MongoDB wire, and a
    keyring shared with the other processes the way Vault would be."""
    chosen = settings(tmp, mode="distributed", kafka=kafka, mongo=mongo, region=region)
    return Platform(chosen, services, secrets=secrets).build()


async def token(p: Platform, who: Principal, *, ttl: int = 600) -> dict[str, str]:
    assert p.secrets is not None
    issuer = TokenIssuer(p.secrets, SystemClock(), region=p.settings.region)
    return {"Authorization": f"Bearer {await issuer.issue(who, ttl_seconds=ttl)}"}


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 20.0, interval: float = 0.05
) -> T:
    """Poll until ``probe`` returns something truthy; fail with the last value after timeout."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not reached within {timeout}s (last: {last!r})")


def resource_body(name: str = "企业纳税信息", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "description": "全市企业月度纳税汇总",
        "category": "tax",
        "update_frequency": "monthly",
        "source_system": "金税三期",
        "items": [
            {"name": "credit_code", "type": "string", "grade": 2},
            {"name": "tax_paid_fen", "type": "integer", "grade": 3},
        ],
    }
    body.update(overrides)
    return body
