"""The developer's sandboxes (授权运营空间), updating in place while they are provisioned."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template

from services.console.session import Session
from services.console.web import Platform, page


@get("/sandboxes")
async def sandboxes(who: NamedDependency[Session], platform: NamedDependency[Platform]) -> Template:
    items, refused = await platform.items("/sandbox_broker/sandboxes")
    return page("sandboxes.html", who, items=items, refused=refused)


@get("/sandboxes/rows")
async def sandbox_rows(
    who: NamedDependency[Session], platform: NamedDependency[Platform]
) -> Template:
    """The rows alone, polled by htmx every two seconds while a sandbox is provisioning."""
    items, _ = await platform.items("/sandbox_broker/sandboxes")
    return page("sandbox_rows.html", who, items=items)


ROUTES = [sandboxes, sandbox_rows]
