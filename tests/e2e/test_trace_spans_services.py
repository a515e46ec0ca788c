"""One trace spans the choreography: the HTTP command in catalog, its store write, the
event's publish, and disclosure's consumption and store write share one trace id."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from libs.http.gateway import gateway
from libs.telemetry import SERVICE_ATTRIBUTE, setup_tracing
from tests.support.platform import TAX, eventually, platform, resource_body, token


async def test_one_trace_runs_from_the_http_command_to_the_consuming_service(
    tmp_path: Path,
) -> None:
    exporter = InMemorySpanExporter()
    setup_tracing("pdo-test", otlp_endpoint=None, exporter=exporter)
    p = platform(tmp_path, ("catalog", "disclosure"))
    async with AsyncTestClient(app=gateway(p)) as client:
        created = await client.post(
            "/catalog/resources/", json=resource_body(), headers=await token(p, TAX)
        )
        resource_id = created.json()["resource_id"]

        async def listed() -> dict[str, Any] | None:
            r = await client.get(f"/disclosure/resources/{resource_id}")
            return r.json() if r.status_code == 200 else None

        await eventually(listed)

    spans = exporter.get_finished_spans()
    server = next(
        s
        for s in spans
        if s.kind == SpanKind.SERVER
        and "POST" in s.name
        and s.attributes
        and "/catalog/resources"
        in str(s.attributes.get("http.target", "") or s.attributes.get("url.path", "") or s.name)
    )
    trace_id = server.context.trace_id
    in_trace = [s for s in spans if s.context.trace_id == trace_id]
    kinds = {(s.kind, (s.attributes or {}).get(SERVICE_ATTRIBUTE)) for s in in_trace}
    assert (SpanKind.PRODUCER, "catalog") in kinds
    assert (SpanKind.CONSUMER, "disclosure") in kinds
    assert (SpanKind.CLIENT, "catalog") in kinds  # catalog's store write
    assert (SpanKind.CLIENT, "disclosure") in kinds  # disclosure's store write
    consume = next(s for s in in_trace if s.kind == SpanKind.CONSUMER)
    assert (consume.attributes or {}).get(
        "messaging.destination.name"
    ) == "pdo.370300.catalog.resources.v1"
