"""RFC 9457 problem responses (``application/problem+json``) for every error path.

Domain errors, validation errors, oversized bodies, auth failures and an unreachable
database all leave as one shape: ``type``, ``title``, ``status``, ``detail``,
``instance``, plus ``errors`` (each naming the offending field) and ``rule``. A problem
that names a rule also carries its Chinese title (``rule_title``) and the link to its
public page (``rule_url``, ``/rules/<id>``) from the rule catalogue (``contracts.rules``).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap, Scope
from opentelemetry import trace

from contracts import rules
from contracts.errors import DomainError
from libs.store.port import StoreUnavailable, VersionConflict

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

_STATUS_BY_KIND = {"invalid": 422, "not_found": 404, "conflict": 409, "forbidden": 403}
_TITLES = {
    400: "Invalid input",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Rule violated",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}
_FIELD = re.compile(r"at `\$\.?([^`]*)`")
_NAMED = re.compile(r"(?:unknown|missing required) field `([^`]*)`")


def problem(
    request: Request[Any, Any, Any],
    status: int,
    detail: str,
    *,
    slug: str,
    errors: list[dict[str, str]] | None = None,
    rule: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": _full_path(request),
    }
    if errors:
        body["errors"] = errors
    if rule:
        body["rule"] = rule
        known = rules.rule(rule)
        if known is not None:
            body["rule_title"] = known.title_zh
            body["rule_url"] = known.url
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        body["trace_id"] = format(span.trace_id, "032x")
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def sent_path(scope: Scope) -> str:
    """The path as the client sent it, including the ``/<service>`` mount prefix."""
    raw = scope.get("raw_path")
    if isinstance(raw, bytes) and raw:
        return raw.decode("latin-1")
    return str(scope.get("path", ""))


def _full_path(request: Request[Any, Any, Any]) -> str:
    return sent_path(request.scope) or request.url.path


def _validation_errors(exc: ValidationException) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        key = str(item.get("key") or "")
        key = "" if key == "data" else key  # litestar names the whole body "data"
        located = _FIELD.search(message)
        named = _NAMED.search(message)
        field = key
        if located and located.group(1):
            suffix = located.group(1)
            field = (
                f"{key}{suffix}"
                if suffix.startswith("[")
                else ".".join(p for p in (key, suffix) if p)
            )
        if named:
            field = ".".join(p for p in (field, named.group(1)) if p)
        errors.append({"field": field or "(body)", "message": message})
    return errors


def on_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = _validation_errors(exc)
    named = ", ".join(e["field"] for e in errors if e["field"] != "(body)")
    detail = f"Invalid input: {named}" if named else f"Invalid input: {exc.detail}"
    return problem(request, 400, detail, slug="validation", errors=errors)


def on_domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    status = _STATUS_BY_KIND.get(exc.kind, 422)
    errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
    return problem(
        request, status, exc.detail, slug=exc.kind.replace("_", "-"), errors=errors, rule=exc.rule
    )


def on_http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    if isinstance(exc, NotAuthorizedException):
        headers.setdefault("WWW-Authenticate", 'Bearer realm="pdo"')
    return problem(request, status, str(exc.detail), slug=f"http-{status}", headers=headers)


def on_store_down(request: Request[Any, Any, Any], exc: StoreUnavailable) -> Response[Any]:
    log.warning("store unavailable: %s", exc)
    return problem(
        request,
        503,
        "The database is not reachable; try again shortly.",
        slug="store-unavailable",
        headers={"Retry-After": "2"},
    )


def on_version_conflict(request: Request[Any, Any, Any], exc: VersionConflict) -> Response[Any]:
    return problem(
        request,
        409,
        "Someone else changed this record at the same time; read it again and retry.",
        slug="concurrent-change",
    )


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s", request.url.path)
    return problem(
        request, HTTP_500_INTERNAL_SERVER_ERROR, "An unexpected error occurred.", slug="internal"
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ValidationException: on_validation,
    DomainError: on_domain,
    StoreUnavailable: on_store_down,
    VersionConflict: on_version_conflict,
    HTTPException: on_http,
    Exception: on_unexpected,
}

__all__ = ["EXCEPTION_HANDLERS", "PROBLEM_JSON", "MediaType", "problem"]
