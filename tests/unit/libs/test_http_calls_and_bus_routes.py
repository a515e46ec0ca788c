"""The one controller shape (``libs.http.calls.Call``) and the one handler binding
(``libs.bus.routes.bind``): a command gets the context and caller, a listing its window,
a route the context; an event type routed twice is refused."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import msgspec
import pytest
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.testing import create_test_client

from contracts.envelope import SYSTEM_ACTOR, Envelope, Role, new_envelope
from contracts.events import OrgRegistered
from libs.auth.guard import PRINCIPAL_KEY
from libs.auth.principal import Principal
from libs.bus.routes import bind
from libs.http.calls import CALL, Call
from libs.http.paging import PAGING, Paging
from libs.service import ServiceContext

NOTHING = cast(Any, None)
CTX = ServiceContext(
    name="identity",
    region="370300",
    store=NOTHING,
    bus=NOTHING,
    secrets=NOTHING,
    clock=NOTHING,
    audit=NOTHING,
    verifier=NOTHING,
)
CALLER = Principal(user_id="u-1", org_id="org-370300-bureau", role=Role.BUREAU, region="370300")


class Thing(msgspec.Struct, kw_only=True):
    name: str


async def get_thing(ctx: ServiceContext, principal: Principal, name: str, *, loud: bool) -> str:
    if ctx is not CTX or principal is not CALLER:
        raise AssertionError("the command was not given the bound context and caller")
    return name.upper() if loud else name


async def list_things(
    ctx: ServiceContext, principal: Principal, prefix: str, *, offset: int, limit: int
) -> tuple[Sequence[str], int]:
    names = [f"{prefix}{i}" for i in range(10)]
    return names[offset : offset + limit], len(names)


async def test_call_hands_the_command_the_context_and_the_caller_then_the_view() -> None:
    call = Call(ctx=CTX, principal=CALLER)
    assert await call(get_thing, "a", loud=True) == "A"
    assert await call.view(lambda s: Thing(name=s), get_thing, "b", loud=False) == Thing(name="b")


async def test_call_page_gives_the_command_the_window_and_pages_the_views() -> None:
    call = Call(ctx=CTX, principal=CALLER)
    page = await call.page(Paging(offset=8, limit=5), lambda s: Thing(name=s), list_things, "t")
    assert page.items == [Thing(name="t8"), Thing(name="t9")]
    assert (page.total, page.offset, page.limit) == (10, 8, 5)


def test_the_call_dependency_binds_the_guards_caller_and_refuses_without_one() -> None:
    async def guard(connection: Any, _: Any) -> None:
        if connection.headers.get("x-caller"):
            connection.scope["state"][PRINCIPAL_KEY] = CALLER

    class ThingController(Controller):
        path = "/things"

        @get("/", guards=[guard])
        async def browse(self, call: NamedDependency[Call], paging: NamedDependency[Paging]) -> Any:
            return await call.page(paging, lambda s: Thing(name=s), list_things, "t")

    def provide_ctx() -> ServiceContext:
        return CTX

    with create_test_client(
        [ThingController],
        dependencies={**PAGING, **CALL, "ctx": Provide(provide_ctx, sync_to_thread=False)},
    ) as client:
        shown = client.get("/things/?offset=1&limit=2", headers={"x-caller": "1"})
        assert shown.status_code == 200
        assert shown.json() == {
            "items": [{"name": "t1"}, {"name": "t2"}],
            "total": 10,
            "offset": 1,
            "limit": 2,
        }
        assert client.get("/things/").status_code == 401


async def test_bind_routes_each_event_type_to_its_command_with_the_context() -> None:
    seen: list[tuple[object, str]] = []

    async def keep(ctx: object, envelope: Envelope) -> None:
        seen.append((ctx, envelope.type))

    handlers = bind(CTX, {"org.registered": keep}, {"agreement.signed": keep})
    assert sorted(handlers) == ["agreement.signed", "org.registered"]
    event = OrgRegistered(
        org_id="o", name="o", role="provider", region="370300", credit_code="91370300MA3C7H9K2X"
    )
    await handlers["org.registered"](
        new_envelope(event, region="370300", actor=SYSTEM_ACTOR, subject="o")
    )
    assert seen == [(CTX, "org.registered")]
    with pytest.raises(ValueError, match="routed twice"):
        bind(CTX, {"org.registered": keep}, {"org.registered": keep})
