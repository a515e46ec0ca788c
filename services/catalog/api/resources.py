"""``/catalog/resources``: registration (登记), the operation catalog (运营目录) and search.

Providers register, change and cancel their own resources and propose them; the bureau
publishes or rejects; signed-in users read and search. Search answers from the
process's search read model (``read_model``), whose hits are each resource's view
encoded once per change. A command's own change is searchable when it returns; changes
made through other processes arrive within milliseconds (eventual consistency).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import principal_of, roles
from libs.http.paging import Paging
from libs.http.views import converted
from libs.service import ServiceContext
from services.catalog.adapters.read_model import SearchReadModel
from services.catalog.api.schemas import (
    ReasonBody,
    RegisterResourceBody,
    ResourcePage,
    ResourceView,
)
from services.catalog.commands import resources as commands
from services.catalog.domain.lifecycle import State, in_operation_catalog
from services.catalog.domain.resource import RegisterResource, Resource
from services.catalog.domain.search import Query

_ENCODER = msgspec.json.Encoder()

READERS = (Role.BUREAU, Role.PROVIDER, Role.OPERATOR, Role.DEVELOPER, Role.SUPERVISOR)

Region = Annotated[str | None, QueryParameter(pattern=r"^\d{6}$")]


def view(resource: Resource) -> ResourceView:
    """The resource as answered, converted by msgspec; only what the view names otherwise
    or computes is given: the home region, its place in the operation catalog and the
    negative-list entries."""
    return converted(
        resource,
        ResourceView,
        provider_region=resource.home_region,
        in_operation_catalog=in_operation_catalog(resource.status),
        negative_list=resource.negative_entries,
    )


def encoded_view(resource: Resource) -> msgspec.Raw:
    """The resource's view as JSON, made once per change and served by every search."""
    return msgspec.Raw(_ENCODER.encode(view(resource)))


def declaration(request: Request[Any, Any, Any], data: RegisterResourceBody) -> RegisterResource:
    """The body as the domain's declaration, converted by msgspec, by the caller's
    organization in the caller's region."""
    principal = principal_of(request)
    return converted(
        data,
        RegisterResource,
        provider_org_id=principal.org_id,
        provider_region=principal.region,
    )


class ResourceController(Controller):
    path = "/resources"
    tags = ["resources"]

    @post("/", guards=[roles(Role.PROVIDER)], summary="First registration (首次登记)")
    async def register(
        self,
        ctx: NamedDependency[ServiceContext],
        search: NamedDependency[SearchReadModel[msgspec.Raw]],
        request: Request[Any, Any, Any],
        data: JSONBody[RegisterResourceBody],
    ) -> ResourceView:
        cmd = declaration(request, data)
        resource = await commands.register_resource(ctx, principal_of(request), cmd)
        await search.took_effect(resource.resource_id)
        return view(resource)

    @get("/{resource_id:str}", guards=[roles(*READERS)], summary="One resource")
    async def read(
        self,
        ctx: NamedDependency[ServiceContext],
        search: NamedDependency[SearchReadModel[msgspec.Raw]],
        resource_id: FromPath[str],
    ) -> ResourceView:
        return view(await commands.get_resource(ctx, resource_id))

    @get(
        "/",
        guards=[roles(*READERS)],
        summary="Search the catalog (目录检索)",
        description=(
            "All filters combine. `q`: words that must all occur in the name, "
            "description or data items (Chinese matched by characters). `grade`: the "
            "resource's grade, the highest of its items' (就高从严). `region`: the "
            "provider's region or any inside it. Without `status`, cancelled resources "
            "are left out; `status=published` is the operation catalog. Results are in "
            "registration order. A change made through this process is searchable when "
            "its request returns; one made elsewhere, within milliseconds."
        ),
        responses={
            200: ResponseSpec(
                data_container=ResourcePage, description="One page", generate_examples=False
            )
        },
    )
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        search: NamedDependency[SearchReadModel[msgspec.Raw]],
        paging: NamedDependency[Paging],
        q: Annotated[str, QueryParameter(max_length=100)] = "",
        category: Annotated[str | None, QueryParameter(max_length=64)] = None,
        provider_org_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
        grade: Annotated[int | None, QueryParameter(ge=1, le=4)] = None,
        region: Region = None,
        status: FromQuery[State | None] = None,
    ) -> Response[bytes]:
        query = Query(
            text=q,
            category=category,
            provider_org_id=provider_org_id,
            grade=grade,
            region=region,
            status=status.value if status is not None else None,
            offset=paging.offset,
            limit=paging.limit,
        )
        found, total = await search.search(query)
        page = paging.page(items=found, total=total)
        return Response(_ENCODER.encode(page), media_type=MediaType.JSON)

    @put(
        "/{resource_id:str}",
        guards=[roles(Role.PROVIDER)],
        summary="Change registration (变更登记) of one's own resource",
    )
    async def change(
        self,
        ctx: NamedDependency[ServiceContext],
        search: NamedDependency[SearchReadModel[msgspec.Raw]],
        request: Request[Any, Any, Any],
        resource_id: FromPath[str],
        data: JSONBody[RegisterResourceBody],
    ) -> ResourceView:
        cmd = declaration(request, data)
        principal = principal_of(request)
        resource = await commands.change_registration(ctx, principal, resource_id, cmd)
        await search.took_effect(resource_id)
        return view(resource)

    @post(
        "/{resource_id:str}/cancellation",
        guards=[roles(Role.PROVIDER)],
        status_code=200,
        summary="Cancellation registration (注销登记) of one's own resource",
    )
    async def cancel(
        self,
        ctx: NamedDependency[ServiceContext],
        search: NamedDependency[SearchReadModel[msgspec.Raw]],
        request: Request[Any, Any, Any],
        resource_id: FromPath[str],
        data: JSONBody[ReasonBody],
    ) -> ResourceView:
        principal = principal_of(request)
        resource = await commands.cancel_registration(ctx, principal, resource_id, data.reason)
        await search.took_effect(resource_id)
        return view(resource)

    @post(
        "/{resource_id:str}/proposal",
        guards=[roles(Role.PROVIDER)],
        status_code=200,
        summary="Propose one's own resource for the operation catalog (编制申报)",
    )
    async def propose(
        self,
        ctx: NamedDependency[ServiceContext],
        search: NamedDependency[SearchReadModel[msgspec.Raw]],
        request: Request[Any, Any, Any],
        resource_id: FromPath[str],
    ) -> ResourceView:
        resource = await commands.propose(ctx, principal_of(request), resource_id)
        await search.took_effect(resource_id)
        return view(resource)

    @post(
        "/{resource_id:str}/publication",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="Approve and publish in the operation catalog (审核发布)",
    )
    async def publish(
        self,
        ctx: NamedDependency[ServiceContext],
        search: NamedDependency[SearchReadModel[msgspec.Raw]],
        request: Request[Any, Any, Any],
        resource_id: FromPath[str],
    ) -> ResourceView:
        resource = await commands.publish(ctx, principal_of(request), resource_id)
        await search.took_effect(resource_id)
        return view(resource)

    @post(
        "/{resource_id:str}/rejection",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="Reject the proposal, with the reason (驳回)",
    )
    async def reject(
        self,
        ctx: NamedDependency[ServiceContext],
        search: NamedDependency[SearchReadModel[msgspec.Raw]],
        request: Request[Any, Any, Any],
        resource_id: FromPath[str],
        data: JSONBody[ReasonBody],
    ) -> ResourceView:
        principal = principal_of(request)
        resource = await commands.reject(ctx, principal, resource_id, data.reason)
        await search.took_effect(resource_id)
        return view(resource)
