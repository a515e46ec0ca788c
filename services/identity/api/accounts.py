"""``/identity/users/…`` and ``/identity/clients/…``: accounts in real operation — the
bureau disables and re-enables users and rotates a machine client's secret; a person
changes their own password."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.views import converted
from services.identity.api.guards import SIGNED_IN, bureau_only
from services.identity.api.views import ClientView, UserView
from services.identity.commands import user_admin

Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class ChangePasswordBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    current_password: Password
    new_password: Password


class AccountStateView(msgspec.Struct, kw_only=True):
    username: str
    disabled: bool


class AccountController(Controller):
    path = "/"
    tags = ["accounts"]

    @post(
        "/users/{username:str}/disable",
        guards=[bureau_only()],
        status_code=200,
        summary="Disable a user (停用): their sign-in is refused",
    )
    async def disable(
        self, call: NamedDependency[Call], username: FromPath[str]
    ) -> AccountStateView:
        user = await call(user_admin.set_disabled, username, disabled=True)
        return AccountStateView(username=user.username, disabled=user.disabled)

    @post(
        "/users/{username:str}/enable",
        guards=[bureau_only()],
        status_code=200,
        summary="Re-enable a disabled user (启用)",
    )
    async def enable(
        self, call: NamedDependency[Call], username: FromPath[str]
    ) -> AccountStateView:
        user = await call(user_admin.set_disabled, username, disabled=False)
        return AccountStateView(username=user.username, disabled=user.disabled)

    @post(
        "/users/me/password",
        guards=[roles(*SIGNED_IN)],
        status_code=200,
        summary="Change your own password, proving the current one",
    )
    async def change_password(
        self, call: NamedDependency[Call], data: JSONBody[ChangePasswordBody]
    ) -> UserView:
        user = await call(
            user_admin.change_password, current=data.current_password, new=data.new_password
        )
        return converted(user, UserView)

    @post(
        "/clients/{client_id:str}/secret",
        guards=[bureau_only()],
        status_code=200,
        summary="Rotate a machine client's secret (shown once; the old one is refused)",
    )
    async def rotate(self, call: NamedDependency[Call], client_id: FromPath[str]) -> ClientView:
        client, secret = await call(user_admin.rotate_client_secret, client_id)
        return converted(client, ClientView, client_secret=secret)
