"""The topic table's consumers (``contracts/topics.py``) are what the services really
read: the Kafka ACLs (``pdo kafka provision``, the chart's KafkaUsers) grant Read from that
table, so a handler on an undeclared topic is refused by the broker in a secured
deployment, and a declared topic nobody handles is a Read grant nobody needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.topics import SERVICES, TOPICS, topic_for
from tests.support.platform import platform


@pytest.fixture(scope="module")
def subscribed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    built = platform(Path(tmp_path_factory.mktemp("topics")))
    return {
        name: {topic_for(t).key for t in (*running.parts.handlers, *running.parts.projections)}
        for name, running in built.running.items()
    }


@pytest.mark.parametrize("service", SERVICES)
def test_every_topic_a_service_handles_is_declared_with_it_as_a_consumer(
    service: str, subscribed: dict[str, set[str]]
) -> None:
    """A producer reads its own streams without being listed (its ACLs cover its prefix)."""
    declared = {t.key for t in TOPICS if service in t.consumers or service == t.producer}
    assert subscribed[service] <= declared, sorted(subscribed[service] - declared)


@pytest.mark.parametrize("service", SERVICES)
def test_every_topic_declared_for_a_service_is_one_it_handles(
    service: str, subscribed: dict[str, set[str]]
) -> None:
    declared = {t.key for t in TOPICS if service in t.consumers}
    assert declared <= subscribed[service], sorted(declared - subscribed[service])
