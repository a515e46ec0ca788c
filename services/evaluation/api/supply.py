"""``/evaluation/providers/{org}/supply`` and ``/evaluation/resources/{id}/contribution``:
provider supply evaluation (EVA-4) and contribution indicators per resource (EVA-6)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from contracts.envelope import Role
from contracts.errors import Forbidden, NotFound
from libs.auth.guard import roles
from libs.auth.principal import Principal
from libs.service import ServiceContext
from services.evaluation.api import schemas as s
from services.evaluation.api import views
from services.evaluation.commands import figures
from services.evaluation.domain.supply import supply_score

READERS = (Role.BUREAU, Role.SUPERVISOR, Role.PROVIDER)
"""The bureau evaluates, supervisors oversee, a provider sees its own (EVA-4)."""


class SupplyController(Controller):
    tags = ["supply evaluation"]

    @get(
        "/providers/{provider_org_id:str}/supply",
        guards=[roles(*READERS)],
        summary="A provider's data supply evaluation (EVA-4)",
    )
    async def supply(
        self,
        ctx: NamedDependency[ServiceContext],
        principal: NamedDependency[Principal],
        provider_org_id: FromPath[str],
        year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
    ) -> s.SupplyView:
        if principal.role is Role.PROVIDER and principal.org_id != provider_org_id:
            raise Forbidden("a provider sees its own supply evaluation", rule="EVA-4")
        counts = await figures.supply_counts(ctx, provider_org_id, year)
        return views.supply(supply_score(counts), year)

    @get(
        "/resources/{resource_id:str}/contribution",
        guards=[roles(*READERS)],
        summary="Contribution indicators of one resource (EVA-6)",
    )
    async def contribution(
        self,
        ctx: NamedDependency[ServiceContext],
        principal: NamedDependency[Principal],
        resource_id: FromPath[str],
    ) -> s.ContributionView:
        found = await figures.contribution(ctx, resource_id)
        if found is None:
            raise NotFound(f"no resource {resource_id} is known to evaluation")
        if principal.role is Role.PROVIDER and principal.org_id != found.provider_org_id:
            raise Forbidden("a provider sees its own resources' contribution", rule="EVA-6")
        return views.contribution(found)
