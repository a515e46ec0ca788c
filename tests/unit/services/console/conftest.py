"""The console's unit tests share one fixture for their stand-in platform:
``mock_console(handler, sub=…, org=…, role=…)`` (``mock_platform.py`` holds the rest)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from litestar.testing import TestClient

from services.console.app import ConsoleSettings, build_console
from services.console.platform_client import PlatformClient
from services.console.session import COOKIE
from tests.unit.services.console.mock_platform import Handler, MockConsole, session_token


@pytest.fixture
def mock_console() -> Iterator[MockConsole]:
    """``mock_console(handler, sub=…, org=…, role=…)``: a started TestClient of the
    console, signed in, whose every platform call is answered by ``handler``."""
    clients: list[TestClient[Any]] = []

    def make(handler: Handler, **claims: Any) -> TestClient[Any]:
        app = build_console(ConsoleSettings(api_base_url="http://platform", secure_cookies=False))
        app.state.platform_client = PlatformClient(
            "http://platform", transport=httpx.MockTransport(handler)
        )
        client = TestClient(app, base_url="http://127.0.0.1")
        client.__enter__()
        client.cookies.set(COOKIE, session_token(**claims))
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
