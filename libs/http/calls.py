"""The one controller shape: authorize, call the service layer, convert the view.

A route's guard authorizes the caller (``libs.auth.guard.roles``). The app-wide ``call``
dependency (``CALL``, registered by ``libs.http.app`` next to ``ctx`` and ``paging``) is a
``Call``: the service context and the caller the guard established, bound once. A handler
hands it one function of its service's ``commands/`` — which loads the aggregate, decides
in ``domain/`` and writes through ``libs.aggregate`` — with the request's own arguments,
and answers the view::

    async def read(self, call: NamedDependency[Call], grant_id: FromPath[str]) -> GrantView:
        return await call.view(grant_view, commands.get_grant, grant_id)

``call(command, …)`` is ``command(ctx, principal, …)``; ``call.view(view, command, …)`` its
result's view; ``call.page(paging, view, command, …)`` one page of a listing whose command
takes ``offset``/``limit`` and returns ``(found, total)`` already windowed in the store.
Domain refusals raised by the command leave as RFC 9457 problems (``libs.http.problems``);
nothing here catches. ``principal`` alone is a dependency too (``PRINCIPAL``) for handlers
that read the caller without calling the service layer through ``call``; a view is
converted from its domain record by ``libs.http.views.converted``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from litestar import Request
from litestar.di import NamedDependency, Provide

from libs.auth.guard import principal_of
from libs.auth.principal import Principal
from libs.http.paging import Page, Paging
from libs.service import ServiceContext

P = ParamSpec("P")
T = TypeVar("T")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Call:
    """The service context and the authorized caller of one request, bound once."""

    ctx: ServiceContext
    principal: Principal

    async def __call__(
        self,
        command: Callable[Concatenate[ServiceContext, Principal, P], Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """``command(ctx, principal, *args, **kwargs)``: one call of the service layer."""
        return await command(self.ctx, self.principal, *args, **kwargs)

    async def view(
        self,
        view: Callable[[T], V],
        command: Callable[Concatenate[ServiceContext, Principal, P], Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> V:
        """The view of what the service-layer ``command`` returns."""
        return view(await command(self.ctx, self.principal, *args, **kwargs))

    async def page(
        self,
        paging: Paging,
        view: Callable[[T], V],
        command: Callable[..., Awaitable[tuple[Sequence[T], int]]],
        /,
        *args: Any,
        **kwargs: Any,
    ) -> Page[V]:
        """One page of views of a service-layer listing; the command is given the window
        as ``offset``/``limit`` keywords and pages in the store. (Typed loosely: a
        ``ParamSpec`` cannot say "the command's parameters but the window".)"""
        found, total = await command(
            self.ctx, self.principal, *args, offset=paging.offset, limit=paging.limit, **kwargs
        )
        return paging.page_of(found, total, view)


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The ``principal`` dependency: the caller the route's guard established (401 when
    the route has no guard that establishes one)."""
    return principal_of(request)


def provide_call(ctx: NamedDependency[ServiceContext], request: Request[Any, Any, Any]) -> Call:
    """The ``call`` dependency: this service's context and the authorized caller."""
    return Call(ctx=ctx, principal=principal_of(request))


PRINCIPAL = {"principal": Provide(provide_principal, sync_to_thread=False)}
CALL = {"call": Provide(provide_call, sync_to_thread=False)}
"""The app-wide dependencies (``libs.http.app`` registers them)."""


__all__ = ["CALL", "PRINCIPAL", "Call", "provide_call", "provide_principal"]
