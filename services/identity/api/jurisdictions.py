"""``/identity/jurisdictions/{region}``: the settings of a jurisdiction (辖区设置); the
bureau of the region changes its own."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from libs.auth.guard import roles
from libs.auth.principal import Principal
from libs.service import ServiceContext
from services.identity.api.bodies import JurisdictionChange
from services.identity.api.guards import SIGNED_IN, bureau_only
from services.identity.api.views import JurisdictionView, as_view
from services.identity.commands import jurisdictions


class JurisdictionController(Controller):
    path = "/jurisdictions"
    tags = ["jurisdictions"]

    @get("/{region:str}", guards=[roles(*SIGNED_IN)], summary="Settings of a region")
    async def read(
        self,
        ctx: NamedDependency[ServiceContext],
        principal: NamedDependency[Principal],
        region: FromPath[str],
    ) -> JurisdictionView:
        found = await jurisdictions.read(ctx, principal, region)
        return as_view(found, JurisdictionView)

    @patch(
        "/{region:str}",
        guards=[bureau_only()],
        summary="Change the settings of the bureau's own region",
    )
    async def change(
        self,
        ctx: NamedDependency[ServiceContext],
        principal: NamedDependency[Principal],
        region: FromPath[str],
        data: JSONBody[JurisdictionChange],
    ) -> JurisdictionView:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        updated = await jurisdictions.update(ctx, principal, region, changes)
        return as_view(updated, JurisdictionView)
