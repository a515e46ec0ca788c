"""Distributed tracing for every service: one process-wide provider, W3C context in headers.

Theory of operation
-------------------
OpenTelemetry allows the *global* ``TracerProvider`` to be set once per process and
ignores (with a warning) every later attempt. Embedded mode runs all nine services in
one process, and the test suite sets tracing up again and again, so this module never
builds a second provider:

* :func:`setup_tracing` creates **one process-wide SDK provider** on its first call (its
  resource ``service.name`` is that first caller's name: the service itself in
  distributed mode, where one process is one service) and registers it as the global
  provider. Every later call returns the same provider and only changes its exporters.
* Exporters sit in two slots of one switchable span processor: the *OTLP* slot
  (``BatchSpanProcessor`` + OTLP/HTTP exporter; attached once per endpoint) and the
  *explicit* slot (``SimpleSpanProcessor`` around the exporter a caller passes, e.g. a
  test's ``InMemorySpanExporter``; a new exporter replaces the previous one, so a test
  only sees its own spans). A call that passes neither leaves the slots as they are;
  :func:`shutdown_tracing` flushes and detaches them.
* Because the resource cannot tell the nine embedded services apart, the service is put
  on every span instead: :func:`tracer` returns a tracer whose instrumentation scope is
  ``pdo.<service>`` and whose spans carry the attribute ``pdo.service`` (set by the
  processor when a span starts). Query by ``pdo.service`` in both modes.

Trace context crosses service boundaries in W3C ``traceparent``/``tracestate`` headers
(:func:`inject_headers`, :func:`extract_context`). The bus adapters wrap each publish in
:func:`publish_span` (which injects the headers inside the producer span) and each
delivery in :func:`consume_span` (whose parent is the context extracted from the
message), so one trace runs from the HTTP request through every service that reacts to
its events. :func:`store_span` wraps document store calls, and :func:`http_plugin`
gives each Litestar app the ASGI server-span middleware.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_NAMESPACE, Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import SpanKind, Tracer

if TYPE_CHECKING:
    from litestar.plugins.opentelemetry import OpenTelemetryPlugin
    from litestar.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "DEFAULT_HTTP_EXCLUDE",
    "SERVICE_ATTRIBUTE",
    "active_exporters",
    "consume_span",
    "extract_context",
    "fresh_context_per_request",
    "http_plugin",
    "inject_headers",
    "otlp_endpoint_from_env",
    "publish_span",
    "setup_tracing",
    "shutdown_tracing",
    "store_span",
    "tracer",
    "tracer_provider",
]

SERVICE_ATTRIBUTE: Final = "pdo.service"
"""Span attribute naming the platform service that produced the span."""

_SCOPE_PREFIX: Final = "pdo."
_TRACES_PATH: Final = "/v1/traces"

# Messaging and database semantic-convention attribute names (OpenTelemetry semconv 1.3x;
# spelled out because the messaging ones still live in the incubating module).
MESSAGING_SYSTEM: Final = "messaging.system"
MESSAGING_DESTINATION_NAME: Final = "messaging.destination.name"
MESSAGING_OPERATION_TYPE: Final = "messaging.operation.type"
MESSAGING_OPERATION_NAME: Final = "messaging.operation.name"
MESSAGING_CONSUMER_GROUP_NAME: Final = "messaging.consumer.group.name"
MESSAGING_KAFKA_MESSAGE_KEY: Final = "messaging.kafka.message.key"
DB_SYSTEM_NAME: Final = "db.system.name"
DB_OPERATION_NAME: Final = "db.operation.name"
DB_COLLECTION_NAME: Final = "db.collection.name"

DEFAULT_HTTP_EXCLUDE: Final[tuple[str, ...]] = ("^/healthz$", "^/readyz$", "^/metrics$")
"""Paths that get no server span: probes hit them every few seconds and say nothing."""


class _SwitchableSpanProcessor(SpanProcessor):
    """The provider's only processor: stamps ``pdo.service`` and fans out to the slots.

    Slots can be replaced while spans are being recorded on other threads: readers
    take a snapshot tuple, writers swap it under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, tuple[object, SpanExporter, SpanProcessor]] = {}
        self._active: tuple[SpanProcessor, ...] = ()
        self._exporters: tuple[SpanExporter, ...] = ()
        """Snapshot of the attached exporters, OTLP first: read on every store call, so
        without the lock or a sort (~4% of the server's time under the concurrent bench)."""

    def slot_key(self, slot: str) -> object | None:
        """The identity (endpoint or exporter) attached in ``slot``, if any."""
        with self._lock:
            entry = self._slots.get(slot)
        return entry[0] if entry else None

    def attach(
        self, slot: str, key: object, exporter: SpanExporter, processor: SpanProcessor
    ) -> None:
        """Put ``processor`` (exporting to ``exporter``) in ``slot``, shutting down the one
        it replaces."""
        with self._lock:
            old = self._slots.get(slot)
            self._slots[slot] = (key, exporter, processor)
            self._snapshot()
        if old is not None:
            old[2].shutdown()

    def detach_all(self) -> None:
        """Flush, shut down and remove every slot."""
        with self._lock:
            old = [p for _, _, p in self._slots.values()]
            self._slots.clear()
            self._snapshot()
        for processor in old:
            processor.shutdown()

    def _snapshot(self) -> None:
        """Refresh the tuples readers take (called with the lock held)."""
        self._active = tuple(p for _, _, p in self._slots.values())
        self._exporters = tuple(self._slots[slot][1] for slot in sorted(self._slots, reverse=True))

    def exporters(self) -> tuple[SpanExporter, ...]:
        """The exporters currently attached, OTLP first."""
        return self._exporters

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        scope = span.instrumentation_scope
        service = scope.attributes.get(SERVICE_ATTRIBUTE) if scope and scope.attributes else None
        if service is not None:
            span.set_attribute(SERVICE_ATTRIBUTE, service)
        for processor in self._active:
            processor.on_start(span, parent_context=parent_context)

    def _on_ending(self, span: Span) -> None:
        for processor in self._active:
            processor._on_ending(span)

    def on_end(self, span: ReadableSpan) -> None:
        for processor in self._active:
            processor.on_end(span)

    def shutdown(self) -> None:
        self.detach_all()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return all(p.force_flush(timeout_millis) for p in self._active)


_lock = threading.Lock()
_provider: TracerProvider | None = None
_processor: _SwitchableSpanProcessor | None = None


def _traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL for a base endpoint such as ``http://otel-collector:4318``."""
    base = endpoint.rstrip("/")
    return base if base.endswith(_TRACES_PATH) else base + _TRACES_PATH


def otlp_endpoint_from_env(environ: Mapping[str, str] | None = None) -> str | None:
    """The OTLP endpoint configured in the environment, or ``None`` (embedded mode).

    ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` (a full URL) wins over
    ``OTEL_EXPORTER_OTLP_ENDPOINT`` (a base URL), as in the OpenTelemetry spec."""
    env = os.environ if environ is None else environ
    for name in ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        value = env.get(name, "").strip()
        if value:
            return value
    return None


def setup_tracing(
    service_name: str,
    *,
    otlp_endpoint: str | None,
    exporter: SpanExporter | None = None,
) -> TracerProvider:
    """Make sure the process-wide provider exists and attach the requested exporters.

    The first call creates the provider with resource ``service.name=service_name``
    (``service.namespace=pdo``) and makes it the global one. ``otlp_endpoint`` attaches
    a batched OTLP/HTTP exporter to ``<endpoint>/v1/traces`` (again with the same
    endpoint: no change); ``exporter`` attaches that exporter through a
    ``SimpleSpanProcessor``, replacing an exporter given before. Safe to call any
    number of times, from any service; returns the one provider."""
    global _provider, _processor
    with _lock:
        if _provider is None or _processor is None:
            resource = Resource.create({SERVICE_NAME: service_name, SERVICE_NAMESPACE: "pdo"})
            _processor = _SwitchableSpanProcessor()
            _provider = TracerProvider(resource=resource)
            _provider.add_span_processor(_processor)
            # Only the first provider in the process can become the global one; if some
            # other code set one already, ours still works through ``tracer()``.
            trace.set_tracer_provider(_provider)
        provider, processor = _provider, _processor
    if otlp_endpoint:
        url = _traces_url(otlp_endpoint)
        if processor.slot_key("otlp") != url:
            otlp = OTLPSpanExporter(endpoint=url)
            processor.attach("otlp", url, otlp, BatchSpanProcessor(otlp))
    if exporter is not None and processor.slot_key("explicit") is not exporter:
        processor.attach("explicit", exporter, exporter, SimpleSpanProcessor(exporter))
    return provider


def tracer_provider() -> TracerProvider | None:
    """The process-wide provider, or ``None`` before :func:`setup_tracing`."""
    return _provider


def _exporting() -> bool:
    """True when some exporter would receive spans (checked per record on hot paths)."""
    processor = _processor
    return processor is not None and bool(processor.exporters())


def active_exporters() -> tuple[SpanExporter, ...]:
    """The exporters spans currently go to (for diagnostics and tests)."""
    processor = _processor
    return processor.exporters() if processor is not None else ()


def shutdown_tracing() -> None:
    """Flush pending spans and detach every exporter (process exit, test teardown).

    The provider stays in place, so tracers handed out keep working and a later
    :func:`setup_tracing` can attach exporters again."""
    processor = _processor
    if processor is not None:
        processor.detach_all()


def tracer(service_name: str) -> Tracer:
    """A tracer for one platform service: its spans carry ``pdo.service=service_name``.

    Before :func:`setup_tracing` this is the API's proxy tracer, which records nothing
    until a provider is set."""
    scope = f"{_SCOPE_PREFIX}{service_name}"
    attributes = {SERVICE_ATTRIBUTE: service_name}
    provider = _provider
    if provider is None:
        return trace.get_tracer(scope, attributes=attributes)
    return provider.get_tracer(scope, attributes=attributes)


def inject_headers(headers: MutableMapping[str, str], context: Context | None = None) -> None:
    """Add ``traceparent`` (and ``tracestate`` when there is one) for the current span.

    Uses the globally configured propagator (W3C trace context and baggage unless
    ``OTEL_PROPAGATORS`` says otherwise). Without a valid current span nothing is added."""
    propagate.inject(headers, context=context)


def extract_context(headers: Mapping[str, str]) -> Context:
    """The context carried by message headers; header names are matched case-insensitively.

    Returns an empty context (so a span started in it begins a new trace) when the
    headers carry none or a malformed one."""
    carrier = {name.lower(): value for name, value in headers.items()}
    return propagate.extract(carrier)


@contextmanager
def publish_span(
    tracer: Tracer,
    topic: str,
    key: str,
    headers: MutableMapping[str, str],
    *,
    system: str = "kafka",
) -> Iterator[trace.Span]:
    """A PRODUCER span around publishing one record; injects its context into ``headers``.

    Attributes follow the messaging semantic conventions: ``messaging.system``,
    ``messaging.destination.name``, ``messaging.operation.type="send"`` (the current
    name of what older conventions called ``publish``), ``messaging.operation.name=
    "publish"`` and ``messaging.kafka.message.key``. Build the record with ``headers``
    after entering the block."""
    attributes: dict[str, str] = {
        MESSAGING_SYSTEM: system,
        MESSAGING_DESTINATION_NAME: topic,
        MESSAGING_OPERATION_TYPE: "send",
        MESSAGING_OPERATION_NAME: "publish",
    }
    if system == "kafka":
        attributes[MESSAGING_KAFKA_MESSAGE_KEY] = key
    with tracer.start_as_current_span(
        f"publish {topic}", kind=SpanKind.PRODUCER, attributes=attributes
    ) as span:
        inject_headers(headers)
        yield span


@contextmanager
def consume_span(
    tracer: Tracer,
    topic: str,
    group: str,
    headers: Mapping[str, str],
    *,
    system: str = "kafka",
) -> Iterator[trace.Span]:
    """A CONSUMER span around handling one record, child of the producer's context.

    The parent is extracted from ``headers``, so the span joins the publisher's trace
    even in another process. Attributes: ``messaging.system``,
    ``messaging.destination.name``, ``messaging.consumer.group.name``,
    ``messaging.operation.type="process"``."""
    if not _exporting():
        yield trace.INVALID_SPAN  # nothing would see the span: skip its cost per record
        return
    attributes = {
        MESSAGING_SYSTEM: system,
        MESSAGING_DESTINATION_NAME: topic,
        MESSAGING_CONSUMER_GROUP_NAME: group,
        MESSAGING_OPERATION_TYPE: "process",
        MESSAGING_OPERATION_NAME: "process",
    }
    with tracer.start_as_current_span(
        f"process {topic}",
        context=extract_context(headers),
        kind=SpanKind.CONSUMER,
        attributes=attributes,
    ) as span:
        yield span


@contextmanager
def store_span(
    tracer: Tracer,
    operation: str,
    collection: str,
    *,
    system: str = "mongodb",
) -> Iterator[trace.Span]:
    """A CLIENT span around one document store call (``db.system.name``,
    ``db.operation.name``, ``db.collection.name``); exceptions are recorded on it.
    Skipped while no exporter is attached, as ``consume_span`` is: a request makes
    several store calls, and building spans nothing receives was ~13% of ``pdo up``'s
    time under 100 concurrent clients."""
    if not _exporting():
        yield trace.INVALID_SPAN
        return
    attributes = {
        DB_SYSTEM_NAME: system,
        DB_OPERATION_NAME: operation,
        DB_COLLECTION_NAME: collection,
    }
    with tracer.start_as_current_span(
        f"{operation} {collection}", kind=SpanKind.CLIENT, attributes=attributes
    ) as span:
        yield span


def http_plugin(
    service_name: str,
    *,
    exclude: Sequence[str] = DEFAULT_HTTP_EXCLUDE,
) -> OpenTelemetryPlugin:
    """Litestar's OpenTelemetry plugin for one service's app: ``plugins=[http_plugin(name)]``.

    Each request gets a SERVER span (from the ASGI instrumentation, continuing a
    ``traceparent`` sent by the caller) made by :func:`tracer` of ``service_name``; the
    per-message ``http send``/``http receive`` child spans are left out, and so are the
    paths matching ``exclude`` (health probes). Needs the
    ``opentelemetry-instrumentation-asgi`` package, imported only here."""
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin

    config = OpenTelemetryConfig(
        tracer=tracer(service_name),
        exclude=list(exclude) or None,
        exclude_spans=["receive", "send"],
    )
    return OpenTelemetryPlugin(config)


def fresh_context_per_request(app: ASGIApp) -> ASGIApp:
    """``app`` with every request starting from an empty trace context.

    uvicorn may start the task of the next request on a keep-alive connection from inside
    the task of the previous one (after a response sent before the body was read: a 413,
    or a 401 on a large body), and a task inherits its creator's context. Without this
    the next request's span would continue the previous request's trace, so every later
    problem on the connection would carry the same ``trace_id``. A ``traceparent`` sent
    by the caller is still honoured: it is read from the headers, not the context.
    """

    async def fresh(scope: Scope, receive: Receive, send: Send) -> None:
        token = otel_context.attach(Context())
        try:
            await app(scope, receive, send)
        finally:
            otel_context.detach(token)

    return fresh
