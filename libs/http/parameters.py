"""Checks every request makes before its handler runs: path and query strings, and the
``Allow`` header of ``OPTIONS``.

- Path and query parameters obey the same rules as body strings (``contracts.text``): a
  parameter named like an id (``product_id``) is an id, any other is free text, so
  ``/billing/caps/%00/call`` or a 5,000-character id is refused with 400 naming it.
- Litestar makes one ``OPTIONS`` handler per path when the first handler of that path is
  registered; a later handler on the same path (``GET /prices`` beside ``POST /prices``)
  is then missing from its ``Allow``. ``OPTIONS`` is answered here from the final routes.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, Response
from litestar.exceptions import ValidationException
from litestar.routes import HTTPRoute
from litestar.status_codes import HTTP_204_NO_CONTENT

from contracts import text


def edge_checks(app_ref: list[Litestar]) -> Any:
    """A ``before_request`` hook for the app in ``app_ref`` (filled once it is built)."""
    allowed: dict[str, str] = {}

    async def before(request: Request[Any, Any, Any]) -> Response[None] | None:
        if request.method == "OPTIONS":
            if not allowed:
                allowed.update(_allowed_methods(app_ref[0]))
            paths: set[str] = getattr(request.route_handler, "paths", set())
            methods = next((allowed[p] for p in paths if p in allowed), None)
            if methods is not None:
                return Response(None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": methods})
            return None
        check_parameters(request.path_params, request.query_params.dict())
        return None

    return before


def _allowed_methods(app: Litestar) -> dict[str, str]:
    return {
        route.path: ", ".join(sorted(route.methods))
        for route in app.routes
        if isinstance(route, HTTPRoute)
    }


def check_parameters(path: dict[str, Any], query: dict[str, list[str]]) -> None:
    """Refuse (400) a path or query string that breaks its kind's rule."""
    errors: list[dict[str, str]] = []
    values = [(name, value) for name, value in path.items()]
    values += [(name, v) for name, vs in query.items() for v in vs]
    for name, value in values:
        if not isinstance(value, str):
            continue
        wrong = text.problem_with(text.kind_of(name), value)
        if wrong is not None:
            errors.append({"key": name, "message": wrong})
    if errors:
        raise ValidationException(detail="Invalid input", extra=errors)


__all__ = ["check_parameters", "edge_checks"]
