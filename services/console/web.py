"""What every console page handler shares: the signed-in person (``who``), the platform
called with that person's token (``platform``), and ``page()`` to render a template.

Handlers live in ``services/console/api/`` as module-level Litestar handlers and ask for
``who`` and ``platform`` by name; ``app.py`` provides both. A page never reads the
platform's stores: every figure on it comes from a public API answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Response
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from services.console import session as sessions
from services.console.platform_client import Answer, PlatformClient
from services.console.refusals import Refusal, refusal
from services.console.session import COOKIE, NoSession, Session

BASE = "/console"
HTMX = "htmx-2.0.10.min.js"
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""An HTML form's fields (every console form posts ``application/x-www-form-urlencoded``)."""


def address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def provide_who(request: Request[Any, Any, Any]) -> Session:
    """The person behind the session cookie; ``NoSession`` sends them to sign in."""
    return sessions.read(request.cookies.get(COOKIE), datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class Platform:
    """The public APIs as this person: their token, their browser's address."""

    client: PlatformClient
    who: Session
    address: str

    async def call(
        self, method: str, path: str, *, json: Any = None, limit_seconds: float | None = None
    ) -> Answer:
        answer = await self.client.call(
            method,
            path,
            token=self.who.token,
            address=self.address,
            json=json,
            limit_seconds=limit_seconds,
        )
        if answer.status == 401:
            raise NoSession("rejected")
        return answer

    async def get(self, path: str) -> Answer:
        return await self.call("GET", path)

    async def post(self, path: str, body: Any = None) -> Answer:
        return await self.call("POST", path, json=body if body is not None else {})

    async def items(self, path: str) -> tuple[list[dict[str, Any]], Refusal | None]:
        """A listing's items (paged ``{"items": …}`` or a bare list), or the refusal."""
        answer = await self.get(path)
        if not answer.ok:
            return [], refusal(answer.status, answer.body)
        body = answer.body
        return (list(body["items"]) if isinstance(body, dict) else list(body or [])), None


def provide_platform(request: Request[Any, Any, Any], who: NamedDependency[Session]) -> Platform:
    client: PlatformClient = request.app.state.platform_client
    return Platform(client, who, address(request))


def page(name: str, who: Session | None, status: int = 200, **context: Any) -> Template:
    return Template(
        name,
        context={"who": who, "base": BASE, "htmx": HTMX, **context},
        status_code=status,
    )


def refused_by(answer: Answer) -> Refusal | None:
    """``None`` for an answer that succeeded, else the refusal told in Chinese."""
    return None if answer.ok else refusal(answer.status, answer.body)


Rerender = Callable[..., Awaitable[Template]]
"""A page renderer taking ``status=``, ``form=`` and ``refused=`` (and its own keywords)."""


async def decide_on_page(
    platform: Platform,
    method: str,
    path: str,
    body: Any,
    *,
    done: str | Callable[[Answer], str],
    rerender: Rerender,
    form: dict[str, str],
    **where: Any,
) -> Response[Any] | Template:
    """One decision on a page (审核、决定、登记): send ``body`` to the API; once it is taken,
    back to ``done`` (below ``/console``, or made of the API's answer; 303, so a reload
    sends nothing twice); refused,
    the same page again (``rerender``, already loaded with what it shows) with the
    person's form kept and the refusal told in Chinese next to the field and the rule it
    names, under the API's own status; ``where`` tells the page which form refused."""
    answer = await platform.call(method, path, json=body)
    if answer.ok:
        where_to = done if isinstance(done, str) else done(answer)
        return Redirect(f"{BASE}{where_to}", status_code=303)
    return await rerender(
        status=answer.status, form=form, refused=refusal(answer.status, answer.body), **where
    )
