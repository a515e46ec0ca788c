"""Shared pytest fixtures. Keep this file small: put fixture code in tests/infra/ and import it."""

import sys
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:  # `tests.infra` importable however pytest is launched
    sys.path.insert(0, _REPO_ROOT)

from tests.infra.outside_reads import pytest_configure, pytest_sessionfinish  # noqa: E402
from tests.infra.servers import (  # noqa: E402
    ferret_server,
    kafka_bootstrap,
    kafka_server,
    mongo_server,
    mongo_uri,
    pytest_collection_finish,
    pytest_collection_modifyitems,
)

__all__ = [
    "ferret_server",
    "kafka_bootstrap",
    "kafka_server",
    "mongo_server",
    "mongo_uri",
    "pytest_collection_finish",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_sessionfinish",
]
