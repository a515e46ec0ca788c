"""Wires request-review: its HTTP app, its subscriptions (identity, catalog, exports),
the start-up repairs and the collections whose outbox the relay drains."""

from __future__ import annotations

from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.request_review.api import appeals, applications, grants, scenarios, settings
from services.request_review.commands import appeals as appeal_commands
from services.request_review.commands import applications as application_commands
from services.request_review.domain.operating_zone import parse_zones
from services.request_review.handlers import handlers
from services.request_review.repository import OUTBOX_COLLECTIONS


def build(ctx: ServiceContext) -> ServiceParts:
    parse_zones(ctx.operating_zones, ctx.region)  # FED-3: an inconsistent scope stops start-up
    app = service_app(
        ctx,
        "request-review — 场景申请与审核",
        [
            scenarios.ScenarioController,
            applications.ApplicationController,
            applications.RiskController,
            grants.GrantController,
            appeals.AppealController,
            settings.SettingsController,
        ],
        description=(
            "Scenarios (应用场景), data-use applications (一场景一申请), multi-party reviews, "
            "risks, grants usable only in a sandbox, and appeals (申诉)."
        ),
    )

    async def repair() -> None:
        await application_commands.ensure_grants(ctx)
        await appeal_commands.ensure_reopened(ctx)

    return ServiceParts(
        name="request_review",
        app=app,
        handlers=handlers(ctx),
        outbox_collections=OUTBOX_COLLECTIONS,
        on_start=(repair,),
    )
