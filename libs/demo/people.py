"""The demo city's people (演示账号): one signed-in person per role for the console, with
one demo password, so that after ``make run`` each role opens ``/console/`` at once.

Embedded demo only (``pdo up``): never in a deployment (``pdo admin bootstrap`` creates
the first real account there)."""

from __future__ import annotations

from datetime import timedelta

from contracts.errors import Conflict
from libs.demo.zibo import BUREAU, DEVELOPERS, OPERATOR, PROVIDERS, principal_for
from libs.service import ServiceContext
from services.identity.commands import staff
from services.identity.commands.organizations import create_user

DEMO_PASSWORD = "zibo-demo-2026"  # noqa: S105  (the demo's published password, README)
PEOPLE: tuple[tuple[str, str], ...] = (
    ("bureau.demo", BUREAU.org_id),
    ("provider.demo", PROVIDERS[0].org_id),
    ("operator.demo", OPERATOR.org_id),
    ("developer.demo", DEVELOPERS[0].org_id),
)
"""(username, organization): the bureau, the tax bureau, the operator, the developer."""


async def load(ctx: ServiceContext) -> int:
    """Create the demo people that do not exist yet, each with security training and a
    confidentiality agreement valid for a year (SEC-4); idempotent across restarts."""
    bureau = principal_for(BUREAU)
    today = ctx.clock.now().date()
    added = 0
    for username, org_id in PEOPLE:
        try:
            await create_user(
                ctx, bureau, org_id, username=username, password=DEMO_PASSWORD, roles=()
            )
        except Conflict:
            continue
        for kind, reference in (
            ("training", "岗前安全培训（演示）"),
            ("confidentiality", "保密协议（演示）"),
        ):
            await staff.record(
                ctx,
                bureau,
                username,
                kind=kind,
                valid_from=today,
                valid_until=today + timedelta(days=365),
                reference=reference,
            )
        added += 1
    return added
