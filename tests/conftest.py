"""Shared pytest fixtures. Keep this file small: put fixture code in tests/infra/ and import it."""

import sys
from pathlib import Path

_REPO_ROOT = str(Path(__file__).resolve().parents[1])
if _REPO_ROOT not in sys.path:  # `tests.infra` importable however pytest is launched
    sys.path.insert(0, _REPO_ROOT)

from hypothesis import HealthCheck, settings  # noqa: E402

# Hypothesis's per-example deadline is a timing assertion: on a shared 2-core machine a
# correct example can take longer than 200 ms (and generating data can be "too slow").
# Speed is measured in bench/, not here.
settings.register_profile("pdo", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("pdo")

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
