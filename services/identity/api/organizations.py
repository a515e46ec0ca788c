"""``/identity/organizations``: the bureau registers organizations (机构), their users and
the exchange's machine clients; parties read what their jurisdiction covers."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.paging import Paging
from libs.http.views import converted
from services.identity.api.bodies import CreateClientBody, CreateUserBody, RegisterOrganizationBody
from services.identity.api.guards import SIGNED_IN, bureau_only
from services.identity.api.views import (
    ClientView,
    OrganizationPage,
    OrganizationView,
    UserView,
)
from services.identity.commands import organizations
from services.identity.domain.organization import RegisterOrganization


class OrganizationController(Controller):
    path = "/organizations"
    tags = ["organizations"]

    @post("/", guards=[bureau_only()], summary="Register an organization (机构)")
    async def register(
        self, call: NamedDependency[Call], data: JSONBody[RegisterOrganizationBody]
    ) -> OrganizationView:
        cmd = RegisterOrganization(
            name=data.name,
            role=data.role,
            region=data.region,
            credit_code=data.credit_code,
            org_id=data.org_id,
        )
        org = await call(organizations.register_organization, cmd)
        return converted(org, OrganizationView)

    @get("/", guards=[roles(*SIGNED_IN)], summary="Organizations within your jurisdiction")
    async def browse(
        self,
        call: NamedDependency[Call],
        paging: NamedDependency[Paging],
        role: FromQuery[str | None] = None,
    ) -> OrganizationPage:
        found, total = await call(
            organizations.list_organizations, role=role, offset=paging.offset, limit=paging.limit
        )
        items = [converted(o, OrganizationView) for o in found]
        return paging.page(items=items, total=total)

    @get("/{org_id:str}", guards=[roles(*SIGNED_IN)], summary="One organization")
    async def read(self, call: NamedDependency[Call], org_id: FromPath[str]) -> OrganizationView:
        org = await call(organizations.get_organization, org_id)
        return converted(org, OrganizationView)

    @post("/{org_id:str}/users", guards=[bureau_only()], summary="Create a user (用户)")
    async def create_user(
        self, call: NamedDependency[Call], org_id: FromPath[str], data: JSONBody[CreateUserBody]
    ) -> UserView:
        user = await call(
            organizations.create_user,
            org_id,
            username=data.username,
            password=data.password,
            roles=tuple(data.roles),
        )
        return converted(user, UserView)

    @post(
        "/{org_id:str}/clients",
        guards=[bureau_only()],
        summary="Issue a machine client to the data exchange (secret shown once)",
    )
    async def create_client(
        self, call: NamedDependency[Call], org_id: FromPath[str], data: JSONBody[CreateClientBody]
    ) -> ClientView:
        client, secret = await call(
            organizations.create_client, org_id, name=data.name, scopes=tuple(data.scopes)
        )
        return converted(client, ClientView, client_secret=secret)
