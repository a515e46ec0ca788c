"""Unit tests of libs.telemetry: spans across services, store spans, HTTP spans, JSON logs."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from litestar import Litestar, get
from litestar.testing import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from libs.telemetry import (
    REDACTED,
    SERVICE_ATTRIBUTE,
    active_exporters,
    configure_logging,
    consume_span,
    extract_context,
    http_plugin,
    inject_headers,
    litestar_logging_config,
    otlp_endpoint_from_env,
    publish_span,
    redact_text,
    setup_tracing,
    shutdown_tracing,
    store_span,
    tracer,
)

TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$")


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    setup_tracing("pdo-tests", otlp_endpoint=None, exporter=exporter)
    yield exporter
    exporter.clear()


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = configure_logging("billing", "DEBUG", stream=stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _only(spans: InMemorySpanExporter, kind: SpanKind) -> ReadableSpan:
    found = [s for s in spans.get_finished_spans() if s.kind is kind]
    assert len(found) == 1, [s.name for s in spans.get_finished_spans()]
    return found[0]


def test_publish_and_consume_share_one_trace_through_headers(
    spans: InMemorySpanExporter,
) -> None:
    headers: dict[str, str] = {"content-type": "application/json"}
    with publish_span(tracer("request_review"), "pdo.request.approved", "req-42", headers):
        pass
    assert TRACEPARENT.match(headers["traceparent"])
    assert trace.get_current_span().get_span_context().is_valid is False

    # Another service, later, with nothing but the record's headers (as bytes on the
    # wire and back, the way the Kafka adapter carries them).
    wire = {k.encode(): v.encode() for k, v in headers.items()}
    received = {k.decode(): v.decode() for k, v in wire.items()}
    broker = tracer("sandbox_broker")
    with (
        consume_span(broker, "pdo.request.approved", "sandbox", received),
        store_span(broker, "insert", "jobs"),
    ):
        pass

    producer = _only(spans, SpanKind.PRODUCER)
    consumer = _only(spans, SpanKind.CONSUMER)
    store = _only(spans, SpanKind.CLIENT)
    assert producer.context is not None and consumer.context is not None
    assert store.context is not None
    assert consumer.context.trace_id == producer.context.trace_id == store.context.trace_id
    assert consumer.parent is not None and consumer.parent.span_id == producer.context.span_id
    assert consumer.parent.is_remote
    assert store.parent is not None and store.parent.span_id == consumer.context.span_id
    match = TRACEPARENT.match(headers["traceparent"])
    assert match and int(match.group(1), 16) == producer.context.trace_id

    assert producer.name == "publish pdo.request.approved"
    assert dict(producer.attributes or {}) == {
        SERVICE_ATTRIBUTE: "request_review",
        "messaging.system": "kafka",
        "messaging.destination.name": "pdo.request.approved",
        "messaging.operation.type": "send",
        "messaging.operation.name": "publish",
        "messaging.kafka.message.key": "req-42",
    }
    attrs = consumer.attributes or {}
    assert attrs[SERVICE_ATTRIBUTE] == "sandbox_broker"
    assert attrs["messaging.destination.name"] == "pdo.request.approved"
    assert attrs["messaging.consumer.group.name"] == "sandbox"
    assert attrs["messaging.operation.type"] == "process"
    assert producer.resource.attributes["service.name"]  # the process's resource


def test_consume_without_context_starts_a_new_trace(spans: InMemorySpanExporter) -> None:
    with consume_span(tracer("billing"), "pdo.x", "billing", {"traceparent": "garbage"}):
        pass
    consumer = _only(spans, SpanKind.CONSUMER)
    assert consumer.parent is None


def test_store_span_attributes_and_errors(spans: InMemorySpanExporter) -> None:
    with store_span(tracer("catalog"), "find", "datasets"):
        pass
    with pytest.raises(RuntimeError), store_span(tracer("catalog"), "replace", "datasets"):
        raise RuntimeError("version conflict")

    ok, failed = spans.get_finished_spans()
    assert ok.kind is SpanKind.CLIENT
    assert ok.name == "find datasets"
    assert dict(ok.attributes or {}) == {
        SERVICE_ATTRIBUTE: "catalog",
        "db.system.name": "mongodb",
        "db.operation.name": "find",
        "db.collection.name": "datasets",
    }
    assert failed.status.status_code is StatusCode.ERROR
    assert any(event.name == "exception" for event in failed.events)


def test_inject_and_extract_round_trip_case_insensitively(spans: InMemorySpanExporter) -> None:
    headers: dict[str, str] = {}
    inject_headers(headers)
    assert "traceparent" not in headers  # no current span, nothing to carry

    with tracer("identity").start_as_current_span("outer") as span:
        inject_headers(headers)
    upper = {k.upper(): v for k, v in headers.items()}
    extracted = trace.get_current_span(extract_context(upper)).get_span_context()
    assert extracted.trace_id == span.get_span_context().trace_id
    assert extracted.span_id == span.get_span_context().span_id


def test_setup_twice_is_harmless_and_last_exporter_wins(caplog: pytest.LogCaptureFixture) -> None:
    first, second = InMemorySpanExporter(), InMemorySpanExporter()
    with caplog.at_level(logging.WARNING):
        provider = setup_tracing("identity", otlp_endpoint=None, exporter=first)
        assert setup_tracing("catalog", otlp_endpoint=None) is provider
        assert setup_tracing("billing", otlp_endpoint=None, exporter=second) is provider
        assert setup_tracing("billing", otlp_endpoint=None, exporter=second) is provider
    assert not [r for r in caplog.records if "Overriding" in r.getMessage()]
    assert active_exporters() == (second,)

    with tracer("billing").start_as_current_span("charge"):
        pass
    assert first.get_finished_spans() == ()
    assert [s.name for s in second.get_finished_spans()] == ["charge"]


def test_otlp_exporter_is_attached_once_per_endpoint() -> None:
    shutdown_tracing()  # detach what earlier tests attached
    provider = setup_tracing("disclosure", otlp_endpoint="http://127.0.0.1:4318/")
    try:
        (otlp,) = active_exporters()
        assert type(otlp).__name__ == "OTLPSpanExporter"
        assert otlp._endpoint == "http://127.0.0.1:4318/v1/traces"  # type: ignore[attr-defined]
        assert setup_tracing("evaluation", otlp_endpoint="http://127.0.0.1:4318") is provider
        assert active_exporters() == (otlp,)
    finally:
        shutdown_tracing()
    assert active_exporters() == ()


def test_otlp_endpoint_from_env() -> None:
    assert otlp_endpoint_from_env({}) is None
    assert otlp_endpoint_from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}) == (
        "http://c:4318"
    )
    assert (
        otlp_endpoint_from_env(
            {
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://t:4318/v1/traces",
            }
        )
        == "http://t:4318/v1/traces"
    )


def test_http_requests_get_a_server_span(spans: InMemorySpanExporter) -> None:
    @get("/datasets", sync_to_thread=False)
    def listing() -> list[str]:
        return ["d-1"]

    @get("/healthz", sync_to_thread=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app = Litestar(
        [listing, healthz],
        plugins=[http_plugin("catalog")],
        logging_config=litestar_logging_config(),
    )
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    with TestClient(app) as client:
        assert client.get("/datasets").json() == ["d-1"]
        assert client.get("/healthz").status_code == 200
        traced = client.get(
            "/datasets", headers={"traceparent": f"00-{caller_trace}-00f067aa0ba902b7-01"}
        )
        assert traced.status_code == 200

    finished = spans.get_finished_spans()
    assert all(s.kind is SpanKind.SERVER for s in finished), [s.name for s in finished]
    assert [s.name for s in finished] == ["GET /datasets", "GET /datasets"]
    first, second = finished
    attrs = first.attributes or {}
    assert attrs[SERVICE_ATTRIBUTE] == "catalog"
    assert attrs.get("http.status_code", attrs.get("http.response.status_code")) == 200
    assert first.parent is None
    assert second.context is not None and format(second.context.trace_id, "032x") == caller_trace


def test_log_lines_carry_the_current_trace(
    spans: InMemorySpanExporter, log_stream: io.StringIO
) -> None:
    log = logging.getLogger("services.billing.invoices")
    log.info("outside any span")
    with tracer("billing").start_as_current_span("invoice") as span:
        log.info("invoice %s issued", "inv-7", extra={"amount_fen": 1200})
    logging.getLogger("libs.bus").warning("retrying")

    outside, inside, other = _lines(log_stream)
    assert outside["trace_id"] == "" and outside["span_id"] == ""
    context = span.get_span_context()
    assert inside["trace_id"] == format(context.trace_id, "032x")
    assert inside["span_id"] == format(context.span_id, "016x")
    assert inside["message"] == "invoice inv-7 issued"
    assert inside["amount_fen"] == 1200
    assert inside["level"] == "INFO"
    assert inside["logger"] == "services.billing.invoices"
    assert inside["service"] == "billing"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", str(inside["time"]))
    assert other["service"] == "billing"  # the configured default
    assert other["level"] == "WARNING"


def test_service_comes_from_the_span_in_embedded_mode(
    spans: InMemorySpanExporter, log_stream: io.StringIO
) -> None:
    with tracer("trading_bridge").start_as_current_span("settle"):
        logging.getLogger("libs.store").info("write")
    (line,) = _lines(log_stream)
    assert line["service"] == "trading_bridge"


def test_secrets_are_redacted(log_stream: io.StringIO) -> None:
    log = logging.getLogger("services.identity.login")
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2lnbmF0dXJl"
    log.info(
        "login for %s with Authorization: Bearer %s",
        "alice",
        "abc.def-123",
        extra={
            "password": "hunter2",
            "headers": {"Authorization": "Bearer xyz", "accept": "application/json"},
            "vault": {"client_token": "hvs.CAESIJ1234567890abcdef", "path": "kv/pdo"},
            "attempts": [{"api_key": "k-1"}, 3],
            "note": f"token={jwt}",
        },
    )
    try:
        raise ValueError("vault refused password=sw0rdfish")
    except ValueError:
        log.exception("failed")

    text = log_stream.getvalue()
    for secret in ("hunter2", "abc.def-123", "xyz", "hvs.CAESIJ", "k-1", jwt, "sw0rdfish"):
        assert secret not in text, secret
    first, second = _lines(log_stream)
    assert first["message"] == f"login for alice with Authorization: Bearer {REDACTED}"
    assert first["password"] == REDACTED
    assert first["headers"] == {"Authorization": REDACTED, "accept": "application/json"}
    assert first["vault"] == {"client_token": REDACTED, "path": "kv/pdo"}
    assert first["attempts"] == [{"api_key": REDACTED}, 3]
    assert "ValueError" in str(second["exception"])


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("Bearer abc.def", f"Bearer {REDACTED}"),
        ("basic dXNlcjpwYXNz==", f"basic {REDACTED}"),
        ('{"password": "p@ss word"}', f'{{"password": {REDACTED}}}'),
        ("db_password=x&user=y", f"db_password={REDACTED}&user=y"),
        ("secret: s3cr3t, next", f"secret: {REDACTED}, next"),
        ("dataset d-1 published", "dataset d-1 published"),
        ("数据集 已发布", "数据集 已发布"),
    ],
)
def test_redact_text(raw: str, masked: str) -> None:
    assert redact_text(raw) == masked


def test_text_format_and_reconfiguration() -> None:
    root = logging.getLogger()
    level, before = root.level, list(root.handlers)
    first = configure_logging("catalog", stream=io.StringIO())
    stream = io.StringIO()
    second = configure_logging("catalog", "warning", json=False, stream=stream)
    try:
        assert first not in root.handlers and second in root.handlers
        assert len(root.handlers) == len(before) + 1
        logging.getLogger("services.catalog").info("dropped")
        logging.getLogger("services.catalog").warning("token=abc kept quiet")
        out = stream.getvalue()
        assert "dropped" not in out
        assert "[catalog] services.catalog: token=*** kept quiet trace_id= span_id=" in out
    finally:
        root.removeHandler(second)
        root.setLevel(level)


def test_litestar_app_logs_through_our_handler(log_stream: io.StringIO) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("db password=letmein unreachable")

    @get("/missing-thing", sync_to_thread=False)
    def missing() -> None:
        from litestar.exceptions import NotFoundException

        raise NotFoundException()

    app = Litestar([boom, missing], logging_config=litestar_logging_config())
    with TestClient(app) as client:
        assert client.get("/boom").status_code == 500
        assert client.get("/missing-thing").status_code == 404

    root_handlers = logging.getLogger().handlers
    assert any(h.__class__.__name__ == "_PdoHandler" for h in root_handlers)
    lines = [line for line in _lines(log_stream) if line["logger"] == "litestar"]
    assert len(lines) == 1, lines  # the 500 only
    assert "Uncaught exception" in str(lines[0]["message"])
    assert "RuntimeError" in str(lines[0]["exception"])
    assert "letmein" not in log_stream.getvalue()


def test_store_spans_are_skipped_while_no_exporter_is_attached() -> None:
    """Issue 14: nothing receives them, so none is built (a valid span only with one)."""
    shutdown_tracing()
    with store_span(tracer("catalog"), "get", "resources") as skipped:
        assert not skipped.get_span_context().is_valid
    exporter = InMemorySpanExporter()
    setup_tracing("pdo-tests", otlp_endpoint=None, exporter=exporter)
    with store_span(tracer("catalog"), "get", "resources") as traced:
        assert traced.get_span_context().is_valid
    assert [s.name for s in exporter.get_finished_spans()] == ["get resources"]
    exporter.clear()


def test_every_staged_event_carries_the_trace_it_was_staged_in(
    spans: InMemorySpanExporter,
) -> None:
    """``libs.outbox.stage`` reads the trace context once per call: each event of the
    call still carries it, in a headers map of its own."""
    from contracts.envelope import SYSTEM_ACTOR, new_envelope
    from contracts.events import OrgRegistered
    from libs.outbox import stage

    envelopes = [
        new_envelope(
            OrgRegistered(
                org_id=f"org-{n}",
                name="x",
                role="provider",
                region="370300",
                credit_code="91370300MA3C7H9K2X",
            ),
            region="370300",
            actor=SYSTEM_ACTOR,
            subject=f"org-{n}",
        )
        for n in range(3)
    ]
    with tracer("billing").start_as_current_span("command") as span:
        staged = stage({"_id": "org-1"}, envelopes)["_outbox"]
    trace_id = format(span.get_span_context().trace_id, "032x")
    assert len(staged) == 3
    for entry in staged:
        found = TRACEPARENT.match(entry["headers"]["traceparent"])
        assert found is not None and found.group(1) == trace_id
    staged[0]["headers"]["traceparent"] = "changed"
    assert staged[1]["headers"]["traceparent"] != "changed"
    assert stage({"_id": "org-2"}, envelopes[:1])["_outbox"][0]["headers"] == {}  # no span
