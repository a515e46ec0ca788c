"""Jurisdiction settings (辖区设置): read the effective settings of a region, and let the
bureau change its own."""

from __future__ import annotations

from dataclasses import replace

import msgspec

from contracts.errors import Forbidden
from libs import aggregate
from libs.auth.principal import Principal, covers
from libs.service import ServiceContext
from services.identity.commands.common import audit
from services.identity.domain import region as regions
from services.identity.domain.jurisdiction import (
    CHANGEABLE,
    JurisdictionSettings,
    change,
    source_of,
)
from services.identity.repository import JURISDICTIONS, from_doc, to_doc


async def effective(ctx: ServiceContext, region: str) -> JurisdictionSettings:
    """The source text's settings of the region (``source_of``), with what the bureau
    changed in its own document, else in its city's (a county follows its city). Only the
    changeable settings come from a document: the source's fixed term and FED-1 stand."""
    regions.check(region)
    source = source_of(region)
    for candidate in dict.fromkeys((region, regions.city_of(region))):
        doc = await ctx.store.get(JURISDICTIONS, candidate)
        if doc is not None:
            found = from_doc(doc, JurisdictionSettings)
            changed = {name: getattr(found, name) for name in CHANGEABLE}
            return replace(source, **changed)
    return source


async def read(ctx: ServiceContext, principal: Principal, region: str) -> JurisdictionSettings:
    """A party reads the settings that govern it: its own region's, those of the regions it
    covers, and those of the regions above it."""
    regions.check(region)
    if not (principal.within(region) or covers(region, principal.region)):
        raise Forbidden(f"region {region} is outside your jurisdiction")
    return await effective(ctx, region)


async def update(
    ctx: ServiceContext, principal: Principal, region: str, changes: dict[str, object]
) -> JurisdictionSettings:
    """The bureau of ``region`` changes its settings; a concurrent change is decided again
    on the settings it wrote (and answers 409 if the race persists). The stored settings
    name the bureau that changed them last (SEC-3, ``set_by_org_id``)."""
    decided: list[JurisdictionSettings] = []

    async def attempt() -> None:
        stored = await ctx.store.get(JURISDICTIONS, region)
        current = await effective(ctx, region) if stored is None else _own(stored, region)
        updated = change(
            current, changes, actor_role=principal.role.value, actor_region=principal.region
        )
        await aggregate.save(
            ctx,
            JURISDICTIONS,
            to_doc(updated, region, set_by_org_id=principal.org_id),
            [],
            actor=aggregate.actor_of(principal),
            previous=stored,
        )
        decided[:] = [updated]

    await aggregate.retrying(attempt, on=aggregate.WRITE_CONFLICTS)
    updated = decided[0]
    await audit(
        ctx, principal, "jurisdiction.change", region, {"changes": msgspec.to_builtins(changes)}
    )
    return updated


def _own(stored: dict[str, object], region: str) -> JurisdictionSettings:
    found = from_doc(stored, JurisdictionSettings)
    return replace(source_of(region), **{name: getattr(found, name) for name in CHANGEABLE})
