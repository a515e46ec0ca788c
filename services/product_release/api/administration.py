"""``/product-release/affiliations`` and ``/product-release/settings``: what the bureau
declares for the export review — the operator's affiliates (关联方, EXP-4) and the
region's export-check settings (辖区设置, EXP-2)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter

from contracts.envelope import Role
from libs.auth.guard import principal_of, roles
from libs.http.views import converted
from libs.service import ServiceContext
from libs.store.port import Document
from services.product_release.api.schemas import (
    AffiliationBody,
    AffiliationView,
    SettingsBody,
    SettingsView,
)
from services.product_release.commands import exports as export_commands
from services.product_release.commands import products as product_commands
from services.product_release.domain.settings import ExportCheckSettings

RegionPath = Annotated[str, PathParameter(pattern=r"^\d{6}$")]
ADMINISTRATORS = (Role.BUREAU, Role.OPERATOR, Role.SUPERVISOR)


def affiliation_view(doc: Document) -> AffiliationView:
    """The affiliation as answered, converted from its document; the organization is the
    document's id."""
    return converted(doc, AffiliationView, org_id=doc["_id"])


def settings_view(settings: ExportCheckSettings) -> SettingsView:
    return SettingsView(**settings.as_record())  # type: ignore[arg-type]


class AdministrationController(Controller):
    path = "/"
    tags = ["administration"]

    @post(
        "/affiliations",
        guards=[roles(Role.BUREAU)],
        summary="Declare an affiliate of the operator (关联方, EXP-4)",
        description=(
            "Identity does not record affiliations yet; the bureau declares them here. "
            "An affiliate may not re-develop a product delivered on the platform."
        ),
    )
    async def declare(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        data: JSONBody[AffiliationBody],
    ) -> AffiliationView:
        doc = await product_commands.declare_affiliation(
            ctx,
            principal_of(request),
            org_id=data.org_id,
            operator_org_id=data.operator_org_id,
            relation=data.relation,
        )
        return affiliation_view(doc)

    @get("/affiliations", guards=[roles(*ADMINISTRATORS)], summary="Declared affiliates")
    async def affiliations(self, ctx: NamedDependency[ServiceContext]) -> list[AffiliationView]:
        return [affiliation_view(d) for d in await product_commands.affiliations(ctx)]

    @get(
        "/settings/{region:str}",
        guards=[roles(*ADMINISTRATORS, Role.DEVELOPER)],
        summary="Export-check settings in force in a region (EXP-2)",
    )
    async def read_settings(
        self, ctx: NamedDependency[ServiceContext], region: RegionPath
    ) -> SettingsView:
        return settings_view(await export_commands.effective_settings(ctx, region))

    @put(
        "/settings/{region:str}",
        guards=[roles(Role.BUREAU)],
        summary="Set the region's export-check settings (the bureau of that region)",
    )
    async def set_settings(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        region: RegionPath,
        data: JSONBody[SettingsBody],
    ) -> SettingsView:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        return settings_view(
            await export_commands.define_settings(ctx, principal_of(request), region, changes)
        )
