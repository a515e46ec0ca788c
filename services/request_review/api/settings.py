"""``/request-review/settings``: the platform region's settings (辖区设置): the
re-evaluation interval of scenarios (REQ-8) and the default validity of a grant (REQ-5)."""

from __future__ import annotations

from litestar import Controller, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.service import ServiceContext
from services.request_review.api.scenarios import READERS
from services.request_review.api.schemas import SettingsBody, SettingsView
from services.request_review.commands import common as commands
from services.request_review.domain import settings as rules
from services.request_review.domain.settings import ReviewSettings


def view(settings: ReviewSettings, region: str) -> SettingsView:
    return SettingsView(
        region=region,
        reevaluation_interval_days=settings.reevaluation_interval_days,
        default_grant_validity_days=settings.default_grant_validity_days,
    )


class SettingsController(Controller):
    path = "/settings"
    tags = ["settings"]

    @get("/", guards=[roles(*READERS)], summary="Settings in force")
    async def read(self, ctx: NamedDependency[ServiceContext]) -> SettingsView:
        return view(await commands.settings(ctx), ctx.region)

    @put("/", guards=[roles(Role.BUREAU)], summary="Set the region's values (the bureau)")
    async def define(
        self, call: NamedDependency[Call], data: JSONBody[SettingsBody]
    ) -> SettingsView:
        wanted = rules.define(
            reevaluation_interval_days=data.reevaluation_interval_days,
            default_grant_validity_days=data.default_grant_validity_days,
        )
        return view(await call(commands.define_settings, wanted), call.ctx.region)
