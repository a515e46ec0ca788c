"""Makes a service's OpenAPI document say what its routes really answer.

Litestar documents errors in its own default shape (``status_code``, ``detail``,
``extra`` as ``application/json``) and gives every operation the document-wide bearer
requirement, but this platform answers every error as an RFC 9457 problem
(``libs.http.problems``) and its public routes (``opt={"public": True}``) need no token.
``document_problems`` corrects the generated document once, when the app is built:

- every operation: error responses are ``application/problem+json`` ``Problem``
  bodies, and a ``default`` response covers the rest (404, 409, 413, 422, 503, ...);
- guarded operations: ``401`` (with ``WWW-Authenticate``) and ``403``;
- operations that need no token (``opt={"public": True}``, or ``security=[]`` on the
  route handler): ``security: []``. Litestar drops an empty list, so the document would
  otherwise claim they need the bearer token;
- rate-limited operations: ``429`` with ``Retry-After``.

``document_edges`` then states what the shared edge enforces (``libs.http.bodies``,
``libs.http.parameters``): request bodies refuse unknown fields
(``additionalProperties: false``), and every string of a request body, path or query
carries the pattern (and, for ids, the length) of its kind in ``contracts.text``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from litestar import Litestar
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)
from litestar.routes import HTTPRoute

from contracts import text
from libs.http.problems import PROBLEM_JSON

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_STRING = Schema(type=OpenAPIType.STRING)

PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    title="Problem",
    description="An RFC 9457 problem: why a request was refused or failed.",
    required=["type", "title", "status", "detail", "instance"],
    properties={
        "type": Schema(
            type=OpenAPIType.STRING, description="Problem type, e.g. /problems/validation"
        ),
        "title": _STRING,
        "status": Schema(type=OpenAPIType.INTEGER, minimum=400, maximum=599),
        "detail": _STRING,
        "instance": Schema(type=OpenAPIType.STRING, description="The path that was requested"),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["field", "message"],
                properties={"field": _STRING, "message": _STRING},
            ),
            description="Each offending field and what is wrong with it",
        ),
        "rule": Schema(type=OpenAPIType.STRING, description="The rule id, e.g. CAT-1"),
        "rule_title": Schema(
            type=OpenAPIType.STRING, description="The rule's title in Chinese (规则名称)"
        ),
        "rule_url": Schema(
            type=OpenAPIType.STRING,
            pattern="^/rules/[A-Z]+-[0-9]+$",
            description="The rule's public page, e.g. /rules/CAT-1",
        ),
        "trace_id": Schema(type=OpenAPIType.STRING, pattern="^[0-9a-f]{32}$"),
    },
)
_PROBLEM_REF = Reference(ref="#/components/schemas/Problem")

_DESCRIPTIONS = {
    401: "No valid bearer access token",
    403: "The caller's role or region may not do this",
    429: "Too many requests from this client; retry after Retry-After seconds",
}
_HEADERS = {
    401: {"WWW-Authenticate": OpenAPIHeader(schema=_STRING, required=True)},
    429: {
        "Retry-After": OpenAPIHeader(
            schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
            required=True,
            description="Seconds until the client's window resets",
        )
    },
}


def problem_response(status: int | None, description: str) -> OpenAPIResponse:
    """A documented problem response; a known ``status`` pins the body's ``status``."""
    schema: Schema | Reference = _PROBLEM_REF
    if status is not None:
        schema = Schema(all_of=[_PROBLEM_REF, Schema(properties={"status": Schema(const=status)})])
    return OpenAPIResponse(
        description=description,
        content={PROBLEM_JSON: OpenAPIMediaType(schema=schema)},
        headers=dict(_HEADERS[status]) if status in _HEADERS else None,
    )


def document_problems(app: Litestar, *, unlimited_paths: Iterable[str] | None) -> None:
    """Correct ``app``'s OpenAPI document in place (see the module docstring).

    ``unlimited_paths``: patterns of paths the rate limit skips, or ``None`` when
    the app has no rate limit.
    """
    openapi = app.openapi_schema
    public: set[tuple[str, str]] = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                if _needs_no_token(handler):
                    path = route.path_format or "/"
                    public.update((path, _verb(v)) for v in handler.http_methods)
    skip = None if unlimited_paths is None else re.compile("|".join(unlimited_paths) or "(?!)")
    openapi.components.schemas["Problem"] = PROBLEM_SCHEMA
    for path, item in (openapi.paths or {}).items():
        for method in _METHODS:
            operation: Operation | None = getattr(item, method, None)
            if operation is not None:
                limited = skip is not None and not skip.search(path)
                _document(operation, public=(path, method) in public, limited=limited)


def _needs_no_token(handler: HTTPRouteHandler) -> bool:
    """Public (``opt={"public": True}``), or declaring ``security=[]`` itself."""
    if handler.opt.get("public") is True:
        return True
    return handler.security is not None and not handler.resolve_security()


def _verb(method: object) -> str:
    """``"get"`` from ``"GET"`` or ``HttpMethod.GET``."""
    return str(method.value if isinstance(method, HttpMethod) else method).lower()


def _document(operation: Operation, *, public: bool, limited: bool) -> None:
    responses = dict(operation.responses or {})
    for code, response in list(responses.items()):
        if code.isdigit() and int(code) >= 400:
            description = getattr(response, "description", "") or "Refused"
            responses[code] = problem_response(int(code), description)
    wanted = ([] if public else [401, 403]) + ([429] if limited else [])
    for status in wanted:
        responses.setdefault(str(status), problem_response(status, _DESCRIPTIONS[status]))
    responses["default"] = problem_response(None, "Any other refusal or failure, as a problem")
    operation.responses = responses
    if public:
        operation.security = []


def document_edges(app: Litestar) -> None:
    """State the edge's rules in ``app``'s OpenAPI document (see the module docstring)."""
    openapi = app.openapi_schema
    components = openapi.components.schemas
    done: set[str] = set()
    for item in (openapi.paths or {}).values():
        for method in _METHODS:
            operation: Operation | None = getattr(item, method, None)
            if operation is None:
                continue
            body = operation.request_body
            if body is not None and not isinstance(body, Reference):
                for media in (body.content or {}).values():
                    if media.schema is not None:
                        media.schema = _tighten(media.schema, "text", components, done)
            for parameter in operation.parameters or []:
                if isinstance(parameter, Reference) or parameter.param_in not in ("path", "query"):
                    continue
                if parameter.schema is not None:
                    kind = text.kind_of(parameter.name)
                    parameter.schema = _tighten(parameter.schema, kind, components, done)


def _is(schema: Schema, kind: OpenAPIType) -> bool:
    types = schema.type if isinstance(schema.type, list) else [schema.type]
    return kind in types


def _tighten(
    schema: Schema | Reference, kind: text.Kind, components: dict[str, Schema], done: set[str]
) -> Schema | Reference:
    """``schema`` with the rules of ``kind`` for its strings and no unknown properties."""
    if isinstance(schema, Reference):
        name = schema.ref.rsplit("/", 1)[-1]
        if name not in done and name in components:
            done.add(name)
            components[name] = _tighten_schema(components[name], kind, components, done)
        return schema
    return _tighten_schema(schema, kind, components, done)


def _tighten_schema(
    schema: Schema, kind: text.Kind, components: dict[str, Schema], done: set[str]
) -> Schema:
    changes: dict[str, Any] = {}
    for combined in ("one_of", "any_of", "all_of"):
        members = getattr(schema, combined)
        if members:
            changes[combined] = [_tighten(m, kind, components, done) for m in members]
    if schema.properties:
        changes["properties"] = {
            name: _tighten(sub, text.kind_of(name), components, done)
            for name, sub in schema.properties.items()
        }
        if schema.additional_properties is None:
            changes["additional_properties"] = False
    elif isinstance(schema.additional_properties, Schema | Reference):
        changes["additional_properties"] = _tighten(
            schema.additional_properties, "text", components, done
        )
        changes["property_names"] = Schema(min_length=1, pattern=text.NAME_PATTERN)
    if isinstance(schema.items, Schema | Reference):
        changes["items"] = _tighten(schema.items, kind, components, done)
    if _is(schema, OpenAPIType.STRING) and _free(schema):
        changes["pattern"] = text.PATTERNS[kind]
        if kind == "id":
            changes["max_length"] = min(schema.max_length or text.ID_MAX, text.ID_MAX)
    return dataclasses.replace(schema, **changes) if changes else schema


def _free(schema: Schema) -> bool:
    """A string schema with no pattern, format, enumeration or constant of its own."""
    return (
        schema.pattern is None
        and schema.format is None
        and schema.enum is None
        and schema.const is None
    )


__all__ = ["PROBLEM_SCHEMA", "document_edges", "document_problems", "problem_response"]
