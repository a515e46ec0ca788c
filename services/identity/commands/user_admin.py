"""Accounts in real operation (账号管理): the bureau disables and re-enables a user, a
person changes their own password, the bureau rotates a machine client's secret (the old
secret is refused at once), and ``pdo admin bootstrap`` creates the first bureau."""

from __future__ import annotations

import dataclasses
import secrets

from contracts.envelope import Role
from contracts.errors import Conflict, Forbidden, NotFound
from libs import aggregate
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document
from services.identity.adapters import passwords
from services.identity.commands.common import audit
from services.identity.commands.organizations import create_user, register_organization
from services.identity.domain import account
from services.identity.domain.account import Client, User
from services.identity.domain.organization import Organization, RegisterOrganization
from services.identity.repository import CLIENTS, ORGANIZATIONS, USERS, from_doc

BOOTSTRAP = Principal(
    user_id="system:bootstrap", org_id="system", role=Role.BUREAU, region="000000"
)


async def _user(ctx: ServiceContext, username: str) -> User:
    doc = await ctx.store.get(USERS, username)
    if doc is None:
        raise NotFound(f"no user {username}", field="username")
    return from_doc(doc, User)


async def _write(ctx: ServiceContext, collection: str, doc_id: str, fields: Document) -> None:
    """Set ``fields`` on an account document through the shared writer (at the version
    read, retried on a concurrent write)."""
    await aggregate.project(ctx.store, collection, doc_id, lambda doc: {**(doc or {}), **fields})


async def set_disabled(
    ctx: ServiceContext, principal: Principal, username: str, *, disabled: bool
) -> User:
    """The bureau of the user's jurisdiction disables (停用) or re-enables (启用) an account;
    a disabled user's sign-in is refused. Nobody disables their own account."""
    user = await _user(ctx, username)
    if principal.role is not Role.BUREAU or not principal.within(user.region):
        raise Forbidden("only the bureau of the user's jurisdiction may disable or enable it")
    if disabled and user.username == principal.user_id:
        raise Conflict("you cannot disable your own account", field="username")
    changed = dataclasses.replace(user, disabled=disabled)
    await _write(ctx, USERS, username, {"disabled": disabled})
    await audit(ctx, principal, "user.disable" if disabled else "user.enable", username)
    return changed


async def change_password(
    ctx: ServiceContext, principal: Principal, *, current: str, new: str
) -> User:
    """A person changes their own password, proving the current one."""
    user = await _user(ctx, principal.user_id)
    if not await passwords.verify(user.password_hash, current):
        raise Forbidden("the current password is not correct", field="current_password")
    account.check_new_password(user.username, new)
    changed = dataclasses.replace(user, password_hash=await passwords.hash_secret(new))
    await _write(ctx, USERS, user.username, {"password_hash": changed.password_hash})
    await audit(ctx, principal, "user.password", user.username)
    return changed


async def rotate_client_secret(
    ctx: ServiceContext, principal: Principal, client_id: str
) -> tuple[Client, str]:
    """A new secret for a machine client, shown once; the old one is refused from now on."""
    doc = await ctx.store.get(CLIENTS, client_id)
    if doc is None:
        raise NotFound(f"no client {client_id}", field="client_id")
    client = from_doc(doc, Client)
    if principal.role is not Role.BUREAU or not principal.within(client.region):
        raise Forbidden("only the bureau of the client's jurisdiction may rotate its secret")
    secret = secrets.token_urlsafe(32)
    rotated = dataclasses.replace(client, secret_hash=await passwords.hash_secret(secret))
    await _write(ctx, CLIENTS, client_id, {"secret_hash": rotated.secret_hash})
    await audit(ctx, principal, "client.rotate", client_id, {"org_id": client.org_id})
    return rotated, secret


async def bootstrap(
    ctx: ServiceContext,
    *,
    name: str,
    credit_code: str,
    username: str,
    password: str | None,
) -> tuple[Organization, User, str]:
    """The first bureau organization (实施机构) of this region and its administrator, in
    a deployment with no bureau yet; refused once one exists. Returns the password (the
    one given, or a generated one-time password to change at first sign-in)."""
    bureaus = await ctx.store.find(ORGANIZATIONS, {"role": Role.BUREAU.value})
    if bureaus:
        raise Conflict(
            f"a bureau organization exists already ({bureaus[0]['_id']}); bootstrap runs once"
        )
    chosen = password or secrets.token_urlsafe(18)
    actor = dataclasses.replace(BOOTSTRAP, region=ctx.region)
    org = await register_organization(
        ctx,
        actor,
        RegisterOrganization(
            name=name, role=Role.BUREAU.value, region=ctx.region, credit_code=credit_code
        ),
    )
    user = await create_user(
        ctx, actor, org.org_id, username=username, password=chosen, roles=(Role.BUREAU.value,)
    )
    return org, user, chosen
