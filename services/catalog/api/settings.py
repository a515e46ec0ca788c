"""``/catalog/settings/{region}``: the catalog's jurisdiction settings (辖区设置)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter

from contracts.envelope import Role
from libs.auth.guard import principal_of, roles
from libs.http.views import converted
from libs.service import ServiceContext
from services.catalog.api.resources import READERS
from services.catalog.api.schemas import SettingsBody, SettingsView
from services.catalog.commands import objections as objection_commands
from services.catalog.domain.jurisdiction import CatalogSettings

RegionPath = Annotated[str, PathParameter(pattern=r"^\d{6}$")]


def view(settings: CatalogSettings) -> SettingsView:
    """The settings as answered, converted by msgspec."""
    return converted(settings, SettingsView)


class SettingsController(Controller):
    path = "/settings"
    tags = ["settings"]

    @get("/{region:str}", guards=[roles(*READERS)], summary="Settings in force in a region")
    async def read(self, ctx: NamedDependency[ServiceContext], region: RegionPath) -> SettingsView:
        objection_commands.check_served(ctx, region)
        return view(await objection_commands.effective_settings(ctx, region))

    @put(
        "/{region:str}",
        guards=[roles(Role.BUREAU)],
        summary="Set a region's own values (the bureau of that region or above)",
    )
    async def define(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        region: RegionPath,
        data: JSONBody[SettingsBody],
    ) -> SettingsView:
        return view(
            await objection_commands.define_settings(
                ctx,
                principal_of(request),
                region,
                objection_deadline_days=data.objection_deadline_days,
            )
        )
