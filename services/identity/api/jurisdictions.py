"""``/identity/jurisdictions/{region}``: the settings of a jurisdiction (辖区设置); the
bureau of the region changes its own."""

from __future__ import annotations

import msgspec
from litestar import Controller, get, patch
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.views import converted
from services.identity.api.bodies import JurisdictionChange
from services.identity.api.guards import SIGNED_IN, bureau_only
from services.identity.api.views import JurisdictionView
from services.identity.commands import jurisdictions


class JurisdictionController(Controller):
    path = "/jurisdictions"
    tags = ["jurisdictions"]

    @get("/{region:str}", guards=[roles(*SIGNED_IN)], summary="Settings of a region")
    async def read(self, call: NamedDependency[Call], region: FromPath[str]) -> JurisdictionView:
        found = await call(jurisdictions.read, region)
        return converted(found, JurisdictionView)

    @patch(
        "/{region:str}",
        guards=[bureau_only()],
        summary="Change the settings of the bureau's own region",
    )
    async def change(
        self, call: NamedDependency[Call], region: FromPath[str], data: JSONBody[JurisdictionChange]
    ) -> JurisdictionView:
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        updated = await call(jurisdictions.update, region, changes)
        return converted(updated, JurisdictionView)
