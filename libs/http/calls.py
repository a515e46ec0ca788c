"""The one controller shape: authorize, call the service layer, convert the view.

A route's guard authorizes the caller (``libs.auth.guard.roles``); the app-wide
``principal`` dependency (``PRINCIPAL``, registered by ``libs.http.app`` next to ``ctx`` and
``paging``) hands the established caller to the handler; the handler calls one function
of its service's ``commands/`` (which loads the aggregate, decides in ``domain/`` and writes
through ``libs.aggregate``) and answers its view:

    async def read(self, ctx: NamedDependency[ServiceContext],
                   principal: NamedDependency[Principal], grant_id: FromPath[str]) -> GrantView:
        return await viewed(grant_view, commands.get_grant(ctx, principal, grant_id))

``viewed`` answers one aggregate's view, ``paged`` one page of a listing's views (the
command returns ``(found, total)`` already windowed in the store). Domain refusals raised
by the command leave as RFC 9457 problems (``libs.http.problems``); nothing here catches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from litestar import Request
from litestar.di import Provide

from libs.auth.guard import principal_of
from libs.auth.principal import Principal
from libs.http.paging import Page, Paging

T = TypeVar("T")
V = TypeVar("V")


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The ``principal`` dependency: the caller the route's guard established (401 when
    the route has no guard that establishes one)."""
    return principal_of(request)


PRINCIPAL = {"principal": Provide(provide_principal, sync_to_thread=False)}
"""The app-wide dependency (``libs.http.app`` registers it): a handler takes ``principal``."""


async def viewed(view: Callable[[T], V], call: Awaitable[T]) -> V:
    """The view of what the service-layer ``call`` returns."""
    return view(await call)


async def paged(
    paging: Paging, view: Callable[[T], V], call: Awaitable[tuple[Sequence[T], int]]
) -> Page[V]:
    """One page of views from a service-layer listing returning ``(found, total)``."""
    found, total = await call
    return paging.page_of(found, total, view)


__all__ = ["PRINCIPAL", "paged", "provide_principal", "viewed"]
