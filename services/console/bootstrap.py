"""Wires the console from its settings: the gateway it calls, cookie security, the CSRF
secret (``PDO_CONSOLE_*`` environment variables under ``pdo serve console``)."""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Litestar

from services.console.app import ConsoleSettings, build_console

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def build(api_base_url: str, *, http_host: str, env: Mapping[str, str]) -> Litestar:
    """Cookies are ``Secure`` unless the console is served on loopback only (the laptop
    demo) or ``PDO_CONSOLE_COOKIE_SECURE=0`` says a TLS-terminating edge is absent.
    ``PDO_CONSOLE_SERVICE_URLS`` (``identity=http://identity:8000,catalog=…``) routes each
    service's paths to its own address when no gateway serves them all (docker-compose)."""
    secure = http_host not in LOOPBACK_HOSTS and env.get("PDO_CONSOLE_COOKIE_SECURE") != "0"
    routes = dict(
        pair.split("=", 1)
        for pair in env.get("PDO_CONSOLE_SERVICE_URLS", "").split(",")
        if "=" in pair
    )
    return build_console(
        ConsoleSettings(
            api_base_url=env.get("PDO_CONSOLE_API_URL", api_base_url),
            secure_cookies=secure,
            csrf_secret=env.get("PDO_CONSOLE_CSRF_SECRET", ""),
            routes=routes,
        )
    )
