"""Every service's OpenAPI document as published under ``contracts/openapi/``:
what a third party (the data exchange, a county) integrates against without running the
platform. ``pdo contracts`` writes them, ``pdo contracts --check`` fails when stale."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.serialization import encode_json

from contracts.topics import SERVICES
from libs.config import Settings
from libs.http.rate_limit import RATE_LIMIT_ENV

DOCUMENT_REGION = "370300"
"""The region the documents are built for (the demo city; nothing in them depends on it)."""

SCOPE_OPTION = "scope"
"""A route handler's ``opt`` key naming the scope a machine client needs for it (the
service checks it; the document states it)."""

CLIENT_CREDENTIALS = (
    "Machine clients (the data exchange): the bureau issues a client with "
    "`POST /identity/organizations/{org_id}/clients` (scopes chosen from the list; "
    "`client_id` and `client_secret` are shown once). The client then obtains a bearer "
    'token from `POST /identity/tokens` with `{"grant_type": "client_credentials", '
    '"client_id": ..., "client_secret": ..., "scope": "orders:write settlements:write"}`.'
)

IDEMPOTENCY = (
    "Idempotent by the exchange's own id (`order_id`, `trade_id`, `settlement_id`): the "
    "same request sent again answers the first result (201, header "
    "`Idempotent-Replayed: true`) and publishes nothing; the same id with other content "
    "is 409. Without the scope `{scope}` the call is refused 403 with a problem naming it."
)


def documents() -> dict[str, dict[str, Any]]:
    """The OpenAPI document of each service, built from its app without starting it,
    as a deployment with the default rate limit serves it (whatever this process's
    ``PDO_RATE_LIMIT_PER_MINUTE``: the published contract must not depend on it)."""
    from libs.runtime import Platform

    with tempfile.TemporaryDirectory(prefix="pdo-openapi-") as tmp, _default_rate_limit():
        settings = Settings(
            mode="embedded",
            region=DOCUMENT_REGION,
            http_host="127.0.0.1",
            http_port=0,
            data_dir=Path(tmp),
            keyring_passphrase="openapi-export-only",  # noqa: S106 - a throwaway keyring
        )
        built = Platform(settings).build()
        apps = {name: built.running[name].parts.app for name in SERVICES}
        scoped = {name: _scoped_routes(app) for name, app in apps.items()}
        scopes = {
            scope: "Needed by "
            + ", ".join(
                f"{method.upper()} /{name}{path}"
                for name, routes in scoped.items()
                for (path, method), wanted in routes.items()
                if wanted == scope
            )
            for scope in sorted({s for routes in scoped.values() for s in routes.values()})
        }
        return {
            name: _published(_plain(app.openapi_schema), scoped[name], scopes)
            for name, app in apps.items()
        }


@contextlib.contextmanager
def _default_rate_limit() -> Iterator[None]:
    """``PDO_RATE_LIMIT_PER_MINUTE`` unset while the apps are built, restored after."""
    saved = os.environ.pop(RATE_LIMIT_ENV, None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ[RATE_LIMIT_ENV] = saved


def _scoped_routes(app: Litestar) -> dict[tuple[str, str], str]:
    """(path, method) → scope of every route handler that names one in its ``opt``."""
    found: dict[tuple[str, str], str] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            scope = handler.opt.get(SCOPE_OPTION)
            if isinstance(scope, str):
                for method in handler.http_methods:
                    found[(route.path, method.lower())] = scope
    return found


def _plain(schema: Any) -> dict[str, Any]:
    """The document as served at ``/<service>/schema/openapi.json`` (examples encoded
    by Litestar's own encoder), as plain JSON data."""
    plain: dict[str, Any] = json.loads(encode_json(schema.to_schema()))
    return plain


def _published(
    doc: dict[str, Any], routes: dict[tuple[str, str], str], scopes: dict[str, str]
) -> dict[str, Any]:
    """Scopes and client provisioning stated in the document (OAuth2 client credentials
    next to the bearer scheme), and on each scoped route its scope and idempotency."""
    schemes = doc.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["clientCredentials"] = {
        "type": "oauth2",
        "description": CLIENT_CREDENTIALS,
        "flows": {"clientCredentials": {"tokenUrl": "/identity/tokens", "scopes": scopes}},
    }
    for (path, method), scope in sorted(routes.items()):
        operation = doc["paths"][path][method]
        operation["security"] = [{"clientCredentials": [scope]}]
        note = IDEMPOTENCY.format(scope=scope)
        operation["description"] = (operation.get("description", "") + "\n\n" + note).strip()
        operation["x-pdo-scope"] = scope
    return doc


def rendered() -> dict[str, str]:
    """Every document, relative to ``contracts/``, with its exact text."""
    return {
        f"openapi/{name}.json": json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        for name, doc in documents().items()
    }
