"""Telemetry for every service: OpenTelemetry traces across HTTP, bus and store; JSON logs.

``tracing`` holds the one process-wide tracer provider (safe to set up again from each
embedded service and each test), W3C trace-context propagation through message headers
and the span helpers the bus, store and HTTP layers wrap their calls in. ``logs``
configures JSON-lines logging stamped with the current trace and masked of secrets.
"""

from libs.telemetry.logs import (
    REDACTED,
    JsonFormatter,
    RedactionFilter,
    TraceContextFilter,
    configure_logging,
    litestar_logging_config,
    redact_text,
    redact_value,
)
from libs.telemetry.tracing import (
    SERVICE_ATTRIBUTE,
    active_exporters,
    consume_span,
    extract_context,
    fresh_context_per_request,
    http_plugin,
    inject_headers,
    otlp_endpoint_from_env,
    publish_span,
    setup_tracing,
    shutdown_tracing,
    store_span,
    tracer,
    tracer_provider,
)

__all__ = [
    "REDACTED",
    "SERVICE_ATTRIBUTE",
    "JsonFormatter",
    "RedactionFilter",
    "TraceContextFilter",
    "active_exporters",
    "configure_logging",
    "consume_span",
    "extract_context",
    "fresh_context_per_request",
    "http_plugin",
    "inject_headers",
    "litestar_logging_config",
    "otlp_endpoint_from_env",
    "publish_span",
    "redact_text",
    "redact_value",
    "setup_tracing",
    "shutdown_tracing",
    "store_span",
    "tracer",
    "tracer_provider",
]
