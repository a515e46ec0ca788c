"""The outbox relay makes a PRODUCER span per record only while an exporter is attached;
without one the records keep the trace context ``stage`` wrote (issue 14)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from contracts.envelope import SYSTEM_ACTOR, Envelope, new_envelope
from contracts.events import OrgRegistered
from libs.bus.embedded import EmbeddedBus
from libs.outbox import OutboxRelay, stage
from libs.store.sqlite import SqliteDocumentStore
from libs.telemetry import setup_tracing, shutdown_tracing, tracer

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")
TOPIC = "pdo.370300.identity.organizations.v1"


@pytest.fixture(autouse=True)
def _no_exporter_after() -> Iterator[None]:
    yield
    shutdown_tracing()


def _event(org: str) -> Envelope:
    return new_envelope(
        OrgRegistered(
            org_id=org, name=org, role="provider", region="370300", credit_code="91370300MA3C7H9K2X"
        ),
        region="370300",
        actor=SYSTEM_ACTOR,
        subject=org,
    )


async def _relay_one(tmp_path: Path) -> tuple[str, str]:
    """Stage one event inside a command span, relay it: (staged, published) traceparent."""
    bus = EmbeddedBus(tmp_path / "bus.sqlite")
    store = SqliteDocumentStore(tmp_path / "svc.sqlite")
    with tracer("identity").start_as_current_span("command"):
        doc = stage({"_id": "org-1"}, [_event("org-1")])
    staged = doc["_outbox"][0]["headers"]["traceparent"]
    await store.insert("orgs", doc)
    relay = OutboxRelay(service="identity", store=store, bus=bus, collections=["orgs"])
    assert await relay.drain() == 1
    [message] = bus.read_topic(TOPIC)
    await store.close()
    await bus.stop()
    return staged, message.headers["traceparent"]


async def test_without_an_exporter_the_record_carries_the_staged_context(
    tmp_path: Path,
) -> None:
    # The process's tracer provider in place (as ``pdo up`` has it), no exporter on it.
    setup_tracing("pdo-tests", otlp_endpoint=None, exporter=InMemorySpanExporter())
    shutdown_tracing()
    staged, published = await _relay_one(tmp_path)
    assert TRACEPARENT.match(staged)
    assert published == staged


async def test_with_an_exporter_the_record_carries_its_producer_span(tmp_path: Path) -> None:
    exporter = InMemorySpanExporter()
    setup_tracing("pdo-tests", otlp_endpoint=None, exporter=exporter)
    staged, published = await _relay_one(tmp_path)
    [producer] = [s for s in exporter.get_finished_spans() if s.kind is SpanKind.PRODUCER]
    assert producer.name == f"publish {TOPIC}"
    assert producer.context is not None
    found, origin = TRACEPARENT.match(published), TRACEPARENT.match(staged)
    assert found is not None and origin is not None
    assert int(found.group(2), 16) == producer.context.span_id  # the producer's own span
    assert found.group(1) == origin.group(1)  # continuing the command's trace
    exporter.clear()
