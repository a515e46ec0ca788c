"""``/catalog/resources``: providers register resources; signed-in users read the catalog."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import principal_of, roles
from libs.service import ServiceContext
from services.catalog import commands
from services.catalog.api.schemas import (
    DataItemView,
    RegisterResourceBody,
    ResourcePage,
    ResourceView,
)
from services.catalog.domain.resource import ItemDeclaration, RegisterResource, Resource

READERS = (Role.BUREAU, Role.PROVIDER, Role.OPERATOR, Role.DEVELOPER, Role.SUPERVISOR)


def view(resource: Resource) -> ResourceView:
    return ResourceView(
        resource_id=resource.resource_id,
        region=resource.region,
        provider_org_id=resource.provider_org_id,
        name=resource.name,
        description=resource.description,
        category=resource.category,
        update_frequency=resource.update_frequency,
        source_system=resource.source_system,
        items=[
            DataItemView(name=i.name, type=i.type, grade=i.grade, description=i.description)
            for i in resource.items
        ],
        registration_code=resource.registration_code,
        evidence_hash=resource.evidence_hash,
        status=resource.status,
    )


def controller(ctx: ServiceContext) -> type[Controller]:
    class ResourceController(Controller):
        path = "/resources"
        tags = ["resources"]

        @post("/", guards=[roles(Role.PROVIDER)], summary="Register a data resource (登记)")
        async def register(
            self, request: Request[Any, Any, Any], data: JSONBody[RegisterResourceBody]
        ) -> ResourceView:
            principal = principal_of(request)
            cmd = RegisterResource(
                provider_org_id=principal.org_id,
                name=data.name,
                description=data.description,
                category=data.category,
                update_frequency=data.update_frequency,
                source_system=data.source_system,
                items=tuple(
                    ItemDeclaration(
                        name=i.name, type=i.type, grade=i.grade, description=i.description
                    )
                    for i in data.items
                ),
            )
            return view(await commands.register_resource(ctx, principal, cmd))

        @get("/{resource_id:str}", guards=[roles(*READERS)], summary="One resource")
        async def read(self, resource_id: FromPath[str]) -> ResourceView:
            return view(await commands.get_resource(ctx, resource_id))

        @get("/", guards=[roles(*READERS)], summary="Browse the catalog")
        async def browse(
            self,
            category: FromQuery[str | None] = None,
            provider_org_id: FromQuery[str | None] = None,
            offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
            limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        ) -> ResourcePage:
            found, total = await commands.list_resources(
                ctx, category=category, provider_org_id=provider_org_id, offset=offset, limit=limit
            )
            return ResourcePage(
                items=[view(r) for r in found], total=total, offset=offset, limit=limit
            )

    return ResourceController
