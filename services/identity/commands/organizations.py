"""Organizations (机构), their users (用户) and the exchange's machine clients (接入客户端),
registered by the bureau within its jurisdiction."""

from __future__ import annotations

import secrets
import uuid

from contracts.errors import Conflict, Forbidden, NotFound
from libs.aggregate import actor_of, save
from libs.auth.principal import Principal, covers
from libs.service import ServiceContext
from libs.store.port import DuplicateDocument
from services.identity.adapters import passwords
from services.identity.commands.common import audit
from services.identity.domain import account
from services.identity.domain.account import Client, User
from services.identity.domain.organization import Organization, RegisterOrganization, register
from services.identity.repository import CLIENTS, ORGANIZATIONS, USERS, from_doc, to_doc


async def register_organization(
    ctx: ServiceContext, principal: Principal, cmd: RegisterOrganization
) -> Organization:
    org, event = register(
        cmd,
        actor_role=principal.role.value,
        actor_covers=principal.within(cmd.region),
        platform_covers=covers(ctx.region, cmd.region),
        now=ctx.clock.now(),
        actor_org_id=principal.org_id,
    )
    try:
        await save(
            ctx,
            ORGANIZATIONS,
            to_doc(org, org.org_id),
            [event],
            actor=actor_of(principal),
            previous=None,
        )
    except DuplicateDocument:
        raise Conflict(
            f"an organization with credit code {cmd.credit_code} is registered already",
            field="credit_code",
        ) from None
    detail = {"role": org.role, "region": org.region, "credit_code": org.credit_code}
    await audit(ctx, principal, "organization.register", org.org_id, detail)
    return org


async def find_organization(ctx: ServiceContext, org_id: str) -> Organization | None:
    doc = await ctx.store.get(ORGANIZATIONS, org_id)
    return None if doc is None else from_doc(doc, Organization)


async def get_organization(ctx: ServiceContext, principal: Principal, org_id: str) -> Organization:
    """An organization is seen by itself and by parties whose jurisdiction covers it."""
    org = await find_organization(ctx, org_id)
    if org is None:
        raise NotFound(f"no organization {org_id}")
    if principal.org_id != org.org_id and not principal.within(org.region):
        raise Forbidden(f"organization {org_id} is outside your jurisdiction")
    return org


async def list_organizations(
    ctx: ServiceContext, principal: Principal, *, role: str | None, offset: int, limit: int
) -> tuple[list[Organization], int]:
    where = {"role": role} if role else {}
    docs = await ctx.store.find(ORGANIZATIONS, where, sort=[("name", 1)])
    visible = [o for o in (from_doc(d, Organization) for d in docs) if principal.within(o.region)]
    return visible[offset : offset + limit], len(visible)


async def _managed_org(ctx: ServiceContext, principal: Principal, org_id: str) -> Organization:
    org = await find_organization(ctx, org_id)
    if org is None:
        raise NotFound(f"no organization {org_id}")
    if not principal.within(org.region):
        raise Forbidden(f"organization {org_id} is outside the bureau's jurisdiction")
    return org


async def create_user(
    ctx: ServiceContext,
    principal: Principal,
    org_id: str,
    *,
    username: str,
    password: str,
    roles: tuple[str, ...],
) -> User:
    org = await _managed_org(ctx, principal, org_id)
    chosen = account.check_new_user(username, password, roles, org_role=org.role)
    user = User(
        username=username,
        org_id=org.org_id,
        region=org.region,
        roles=chosen,
        password_hash=await passwords.hash_secret(password),
        created_at=ctx.clock.now(),
    )
    try:
        await ctx.store.insert(USERS, to_doc(user, username))
    except DuplicateDocument:
        raise Conflict(f"the username {username!r} is taken", field="username") from None
    await audit(ctx, principal, "user.create", username, {"org_id": org_id, "roles": chosen})
    return user


async def create_client(
    ctx: ServiceContext, principal: Principal, org_id: str, *, name: str, scopes: tuple[str, ...]
) -> tuple[Client, str]:
    """A machine client and its secret; the secret is shown once and stored hashed."""
    org = await _managed_org(ctx, principal, org_id)
    chosen = account.check_new_client(scopes, org_role=org.role)
    secret = secrets.token_urlsafe(32)
    client = Client(
        client_id=f"cli-{uuid.uuid4().hex}",
        org_id=org.org_id,
        region=org.region,
        name=name.strip() or org.name,
        scopes=chosen,
        secret_hash=await passwords.hash_secret(secret),
        created_at=ctx.clock.now(),
    )
    await ctx.store.insert(CLIENTS, to_doc(client, client.client_id))
    await audit(
        ctx, principal, "client.create", client.client_id, {"org_id": org_id, "scopes": chosen}
    )
    return client, secret
