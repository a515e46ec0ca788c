"""Runs the benchmarks and prints one table of figures, each with its unit, its target
and whether it is met; ``--json FILE`` writes the same figures machine-readably.

python -m bench [--json FILE] [--only NAME,...] [--events N] [--commands N]
                [--skip-kafka] [--skip-sandbox] [--skip-log] [--list]

Bench names are stable (see ``BENCHES``); every figure's name starts with its bench's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from bench import (
    billing,
    bus,
    catalog,
    concurrent,
    export_checks,
    federation,
    flow,
    sandbox,
    tokens,
    transparency_log,
    verification,
)
from bench.figures import (
    Bench,
    Context,
    Figure,
    failed,
    latency,
    machine,
    rate,
    ratio,
    run_bench,
    select,
    table,
    write_json,
)
from bench.harness import Result, ferret, kafka
from tests.infra.servers import KafkaServer


def _token_verify(ctx: Context) -> list[Figure]:
    new = asyncio.run(tokens.verify_rate(ctx.events, reuse=False))
    reused = asyncio.run(tokens.verify_rate(ctx.events, reuse=True))
    return [
        rate("token_verify_new", new, unit="calls/s"),
        rate("token_verify_reused", reused, unit="calls/s"),
    ]


def _sandbox(ctx: Context) -> list[Figure]:
    measured = asyncio.run(sandbox.run())
    *provisioned, job, own_checks = measured
    ctx.servers["aggregate_job"] = job
    figures = [
        Figure(
            f"sandbox_provisioning_{r.name.split(',')[-1].strip().replace(' ', '_')}",
            round(r.seconds, 3),
            "s",
            note=r.name,
        )
        for r in provisioned
    ]
    figures += [
        latency("sandbox_aggregate_job_10m", job, "p50"),
        latency("sandbox_export_checks_on_job_output", own_checks, "p50"),
    ]
    return figures


def _rows_label(rows: int) -> str:
    return f"{rows // 1_000_000}m" if rows >= 1_000_000 else f"{rows // 1000}k"


def _export_checks_10k(ctx: Context) -> list[Figure]:
    result = export_checks.run()
    exact = export_checks.run(exact=True)
    figures = [
        latency("export_checks_10k_exact_nesting", exact, "p50"),
        latency("export_checks_10k", result, "p50"),
        latency("export_checks_10k", result, "p99"),
    ]
    job = cast(Result | None, ctx.servers.get("aggregate_job"))
    if job is not None and job.p50_ms:
        figures.append(
            ratio(
                "export_checks_10k_vs_10m_job",
                result.p50_ms / job.p50_ms,
                0.10,
                direction="at_most",
                note="p50 of the checks on a 10,000-cell output with a 10,000-cell earlier "
                "export / p50 of the 10M-row aggregate job, same run",
            )
        )
    return figures


def _export_checks_100k(ctx: Context) -> list[Figure]:
    result = export_checks.run(cells=100_000, earlier_exports=10, repeats=1)
    return [
        Figure(
            "export_checks_100k_10_earlier",
            round(result.p50_ms / 1000, 3),
            "s",
            5.0,
            "at_most",
            result.name,
        )
    ]


def _export_checks_growth(ctx: Context) -> list[Figure]:
    sizes = (1_000, 10_000, 100_000)
    results = [export_checks.run(cells=size, repeats=3 if size < 100_000 else 1) for size in sizes]
    figures: list[Figure] = [
        *_growth(
            "export_checks_growth",
            [(f"{size // 1000}k", r.p50_ms) for size, r in zip(sizes, results, strict=True)],
            "ms",
            None,
        ),
        ratio(
            "export_checks_growth_100k_over_10k",
            results[2].p50_ms / results[1].p50_ms,
            note="10× the cells: ≤ 10 is linear or better",
        ),
    ]
    return figures


def _verification_api(ctx: Context) -> list[Figure]:
    result = asyncio.run(verification.run())[0]
    return [
        rate("verification_api", result, 1_000, unit="calls/s"),
        latency("verification_api", result, "p99", 10.0),
    ]


def _log(ctx: Context) -> list[Figure]:
    built, generate, verify, consistency, consistency_verify = asyncio.run(transparency_log.run())
    ctx.servers["log_1m"] = (generate, verify)
    return [
        rate("log_inclusion_proof_appends_1m", built, 20_000, unit="appends/s"),
        rate("log_inclusion_proof", generate, 10_000, unit="proofs/s"),
        rate("log_inclusion_proof_verify", verify, unit="proofs/s"),
        rate("log_inclusion_proof_consistency", consistency, unit="proofs/s"),
        rate("log_inclusion_proof_consistency_verify", consistency_verify, unit="proofs/s"),
    ]


def _catalog_search(ctx: Context) -> list[Figure]:
    bare, search, *_ = asyncio.run(catalog.run())
    return [
        rate("catalog_search_bare_litestar", bare, unit="calls/s"),
        rate("catalog_search", search, unit="calls/s"),
        latency("catalog_search", search, "p99"),
        ratio("catalog_search_vs_bare", search.rate / bare.rate, 0.3),
    ]


def _growth(
    name: str, points: list[tuple[str, float]], unit: str, limit: float | None
) -> list[Figure]:
    """A growth curve: one figure per point and the last over the first as a ratio."""
    figures = [Figure(f"{name}_{label}", round(value, 3), unit) for label, value in points]
    first, last = points[0][1], points[-1][1]
    figures.append(
        ratio(
            f"{name}_{points[-1][0]}_over_{points[0][0]}",
            last / first if first else 0.0,
            limit,
            direction="at_most",
        )
    )
    return figures


def _catalog_search_growth(ctx: Context) -> list[Figure]:
    """Search p99 at 1k / 10k / 100k resources (flat within 2×), catalog RSS at each."""
    points: list[tuple[str, float]] = []
    rss: list[Figure] = []
    for resources in (1_000, 10_000, 100_000):
        search = asyncio.run(
            catalog.run(resources=resources, requests=1_500, rounds=1, consistency=False)
        )[1]
        label = f"{resources // 1000}k"
        points.append((label, search.p99_ms))
        rss.append(
            Figure(
                f"catalog_search_growth_rss_{label}",
                round(catalog.LAST_RSS_MIB.get(resources, 0.0), 1),
                "MiB",
                rss_mib=catalog.LAST_RSS_MIB.get(resources),
            )
        )
    return _growth("catalog_search_growth_p99", points, "ms", 2.0) + rss


def _proof_growth(ctx: Context) -> list[Figure]:
    """Inclusion proof generation and verification at 1k / 32k / 1M leaves (within 3×)."""
    generate: list[tuple[str, float]] = []
    verify: list[tuple[str, float]] = []
    for leaves in (1_000, 32_000, 1_000_000):
        known = ctx.servers.get("log_1m") if leaves == 1_000_000 else None
        if known is not None:  # log_inclusion_proof built the 1M-leaf log in this run
            made, checked = cast(tuple[Result, Result], known)
        else:
            _, made, checked, *_ = asyncio.run(
                transparency_log.run(n=leaves, samples=min(5_000, leaves * 5))
            )
        label = f"{leaves // 1000}k"
        generate.append((label, made.seconds / made.events * 1e6))
        verify.append((label, checked.seconds / checked.events * 1e6))
    return _growth("proof_growth_generate", generate, "µs/proof", 3.0) + _growth(
        "proof_growth_verify", verify, "µs/proof", 3.0
    )


def _embedded_bus(ctx: Context) -> list[Figure]:
    raw = bus.raw_sqlite(ctx.events)
    embedded = asyncio.run(bus.embedded(ctx.events))
    ctx.servers["embedded_bus"] = embedded
    return [
        rate("embedded_bus", embedded, 20_000),
        latency("embedded_bus", embedded, "p50"),
        rate("embedded_bus_raw_sqlite", raw),
    ]


def _embedded_vs_raw(ctx: Context) -> list[Figure]:
    """Its own bench so that its name is stable; both loops run again, back to back."""
    raw = bus.raw_sqlite(ctx.events)
    embedded = asyncio.run(bus.embedded(ctx.events))
    return [
        ratio(
            "embedded_vs_raw_sqlite",
            embedded.rate / raw.rate,
            note=f"embedded bus {embedded.rate:,.0f}/s over raw SQLite append+read "
            f"{raw.rate:,.0f}/s, same run",
        )
    ]


def _flow_embedded(ctx: Context) -> list[Figure]:
    result = asyncio.run(flow.embedded(ctx.commands))
    return [latency("command_to_visible_embedded", result, "p50")]


def _billing(ctx: Context) -> list[Figure]:
    metered, close = asyncio.run(billing.run(ctx.events))
    return [
        rate("billing_exactly_once", metered, 10_000),
        latency("billing_exactly_once", metered, "p99"),
        Figure("billing_exactly_once_close", round(close.seconds * 1000, 1), "ms", note=close.name),
    ]


def _concurrent_platform(ctx: Context) -> list[Figure]:
    """50 writers + 50 readers against ``pdo up`` on 127.0.0.1 for 20 s."""
    outcome = asyncio.run(concurrent.run(seconds=20.0, writers=50, readers=50))
    registered, register_p50, register_p99 = outcome.routes.get("register", (0, 0.0, 0.0))
    figures = [
        Figure(
            "concurrent_platform_registrations",
            round(registered / outcome.seconds, 1),
            "calls/s",
            200.0,
            rss_mib=outcome.rss_mib,
            note="50 writers + 50 readers, pdo up (embedded), RSS of the pdo up process",
        ),
        Figure("concurrent_platform_register_p50", round(register_p50, 1), "ms"),
        Figure("concurrent_platform_register_p99", round(register_p99, 1), "ms", 500.0, "at_most"),
    ]
    for route in ("search", "disclosure"):
        answers, p50, p99 = outcome.routes.get(route, (0, 0.0, 0.0))
        figures += [
            Figure(f"concurrent_platform_{route}", round(answers / outcome.seconds, 1), "calls/s"),
            Figure(f"concurrent_platform_{route}_p50", round(p50, 1), "ms"),
            Figure(
                f"concurrent_platform_{route}_p99",
                round(p99, 1),
                "ms",
                200.0 if route == "search" else None,
                "at_most",
            ),
        ]
    if outcome.cpu_ms_per_request is not None:
        figures.append(
            Figure(
                "concurrent_platform_server_cpu_per_request",
                round(outcome.cpu_ms_per_request, 3),
                "ms",
                note="CPU (user + system) of pdo up during the load / answered requests",
            )
        )
    figures += [
        Figure(
            "concurrent_platform_closed_without_answer",
            float(outcome.closed_without_answer),
            "requests",
            0.0,
            "at_most",
        ),
        Figure(
            "concurrent_platform_unexpected_status",
            float(sum(outcome.unexpected.values())),
            "requests",
            0.0,
            "at_most",
            note=json.dumps(outcome.unexpected, ensure_ascii=False),
        ),
    ]
    return figures


def _servers(ctx: Context) -> tuple[str, str]:
    """Kafka and the MongoDB-wire server, started on first use, stopped at the end."""
    if "kafka" not in ctx.servers:
        broker_cm, mongo_cm = kafka(), ferret()
        broker, mongo = broker_cm.__enter__(), mongo_cm.__enter__()
        ctx.servers["kafka"] = broker.bootstrap
        ctx.servers["kafka_server"] = broker
        ctx.servers["mongo"] = mongo.uri
        ctx.opened.append(lambda: mongo_cm.__exit__(None, None, None))
        ctx.opened.append(lambda: broker_cm.__exit__(None, None, None))
    return cast(str, ctx.servers["kafka"]), cast(str, ctx.servers["mongo"])


def _mesh_vs_raw_kafka(ctx: Context) -> list[Figure]:
    bootstrap, _ = _servers(ctx)
    raw = asyncio.run(bus.raw_aiokafka(bootstrap, ctx.events))
    mesh = asyncio.run(bus.kafka_mesh(bootstrap, ctx.events))
    return [
        ratio("mesh_vs_raw_kafka", mesh.rate / raw.rate, 0.8),
        rate("mesh_vs_raw_kafka_mesh", mesh),
        rate("mesh_vs_raw_kafka_raw", raw),
        latency("mesh_vs_raw_kafka_mesh", mesh, "p50"),
        latency("mesh_vs_raw_kafka_raw", raw, "p50"),
    ]


def _mesh_inbox_mongo_vs_raw_kafka(ctx: Context) -> list[Figure]:
    """The mesh on Kafka with the inbox on the MongoDB-wire server (FerretDB 1.x), over
    raw aiokafka measured right before it in the same run."""
    bootstrap, mongo = _servers(ctx)
    raw = asyncio.run(bus.raw_aiokafka(bootstrap, ctx.events))
    mesh = asyncio.run(bus.kafka_mesh_ferret(bootstrap, mongo, ctx.events))
    return [
        ratio(
            "mesh_inbox_mongo_vs_raw_kafka",
            mesh.rate / raw.rate,
            0.5,
            note=f"mesh with FerretDB inbox {mesh.rate:,.0f}/s over raw aiokafka "
            f"{raw.rate:,.0f}/s, same run",
        ),
        rate("mesh_inbox_mongo_vs_raw_kafka_mesh", mesh),
        rate("mesh_inbox_mongo_vs_raw_kafka_raw", raw),
    ]


def _kafka_burst_lag(ctx: Context) -> list[Figure]:
    """Consumer lag after a burst of 10× the steady rate (500/s) on Kafka, bursts of 1 s,
    2 s and 4 s: seconds from the burst's end until every event published by then is
    handled. Named by the burst's length (stable); the events it held are in the note."""
    bootstrap, _ = _servers(ctx)
    bursts = (1.0, 2.0, 4.0)
    points = asyncio.run(bus.burst_lag(bootstrap, bursts=bursts))
    labels = [f"{seconds:g}s" for seconds in bursts]
    figures = [
        Figure(
            f"kafka_burst_lag_{label}",
            round(seconds, 3),
            "s",
            note=f"{events:,} events in the burst ({events / burst:,.0f}/s), "
            f"{lag:,} not yet handled at its end",
        )
        for label, burst, (events, seconds, lag) in zip(labels, bursts, points, strict=True)
    ]
    first, last = points[0][1], points[-1][1]
    figures.append(
        ratio(
            f"kafka_burst_lag_{labels[-1]}_over_{labels[0]}",
            last / first if first else 0.0,
            note="seconds back to zero, longest burst over shortest",
        )
    )
    figures += [
        Figure(f"kafka_burst_lag_at_end_{label}", float(lag), "events")
        for label, (_, _, lag) in zip(labels, points, strict=True)
    ]
    return figures


def _sandbox_growth(ctx: Context) -> list[Figure]:
    """Sandbox provisioning (masked) at 100k / 1M / 10M rows; 10M within 12× of 1M."""
    points = asyncio.run(sandbox.growth())
    figures = [
        Figure(
            f"sandbox_growth_{_rows_label(rows)}",
            round(seconds, 3),
            "s",
            rss_mib=rss,
            note="RSS: peak of the provisioning child processes so far",
        )
        for rows, seconds, rss in points
    ]
    by_rows = {rows: seconds for rows, seconds, _ in points}
    if 1_000_000 in by_rows and 10_000_000 in by_rows and by_rows[1_000_000]:
        figures.append(
            ratio(
                "sandbox_growth_10m_over_1m",
                by_rows[10_000_000] / by_rows[1_000_000],
                12.0,
                direction="at_most",
                note="10× the rows: ≤ 12 is linear within 20%",
            )
        )
    return figures


def _command_to_visible_kafka(ctx: Context) -> list[Figure]:
    bootstrap, mongo = _servers(ctx)
    result = asyncio.run(flow.on_kafka(bootstrap, mongo, ctx.commands))
    return [
        latency("command_to_visible_kafka", result, "p50", 25.0),
        latency("command_to_visible_kafka", result, "p99"),
    ]


def _county_burst_lag(ctx: Context) -> list[Figure]:
    """What a county instance sees of a burst of its city's events (FED-1, issue 11):
    ``--events`` city resource registrations plus 10 schema-failing records on the
    secured broker, read by the county's federated catalog as its own principal."""
    _servers(ctx)
    server = cast(KafkaServer, ctx.servers["kafka_server"])
    with tempfile.TemporaryDirectory(prefix="pdo-bench-fed-") as tmp:
        n = asyncio.run(federation.run(server, ctx.events, federation.BROKEN, Path(tmp)))
    note = f"{ctx.events} city events + {federation.BROKEN} schema-failing records"
    return [
        Figure(
            "county_burst_lag",
            round(n["after_last_publish_s"], 3),
            "s",
            note=(
                "seconds from the city's last publish until the county group's lag is back "
                f"to zero; {note}"
            ),
        ),
        Figure(
            "county_burst_lag_caught_up",
            round(n["caught_up_s"], 3),
            "s",
            note=("seconds from the first publish until zero lag"),
        ),
        Figure("county_burst_lag_published", float(n["published"]), "records", note=note),
        Figure(
            "county_burst_lag_entries",
            float(n["county_entries"]),
            "resources",
            note=("federated resources the county's catalog holds after the burst"),
        ),
        Figure("county_burst_lag_applied_once", float(n["entries_applied_once"]), "resources"),
        Figure(
            "county_burst_lag_dead_letters",
            float(n["county_dead_letters"]),
            "records",
            float(federation.BROKEN),
            "at_most",
            note=f"in the county's own {federation.DEAD}",
        ),
        Figure(
            "county_burst_lag_peak",
            float(n["peak_lag"]),
            "records",
            note=("largest consumer lag sampled every 0.5 s"),
        ),
    ]


BENCHES: tuple[Bench, ...] = (
    Bench("token_verify", _token_verify),
    Bench("sandbox", _sandbox, slow=True),
    Bench("export_checks_10k", _export_checks_10k),
    Bench("export_checks_100k", _export_checks_100k),
    Bench("export_checks_growth", _export_checks_growth),
    Bench("verification_api", _verification_api, slow=True),
    Bench("log_inclusion_proof", _log, holds_data=True, slow=True),
    Bench("catalog_search", _catalog_search),
    Bench("catalog_search_growth", _catalog_search_growth, slow=True),
    Bench("proof_growth", _proof_growth, slow=True),
    Bench("embedded_bus", _embedded_bus),
    Bench("embedded_vs_raw_sqlite", _embedded_vs_raw),
    Bench("command_to_visible_embedded", _flow_embedded),
    Bench("billing_exactly_once", _billing, holds_data=True),
    Bench("concurrent_platform", _concurrent_platform),
    Bench("mesh_vs_raw_kafka", _mesh_vs_raw_kafka, kafka=True),
    Bench("mesh_inbox_mongo_vs_raw_kafka", _mesh_inbox_mongo_vs_raw_kafka, kafka=True),
    Bench("command_to_visible_kafka", _command_to_visible_kafka, kafka=True),
    Bench("county_burst_lag", _county_burst_lag, kafka=True),
    Bench("kafka_burst_lag", _kafka_burst_lag, kafka=True),
    Bench("sandbox_growth", _sandbox_growth, slow=True),
)


def main(argv: Sequence[str] | None = None, benches: Sequence[Bench] = BENCHES) -> list[Figure]:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--json", type=Path, help="write every figure to this file as JSON")
    parser.add_argument("--only", help="comma-separated bench names (see --list)")
    parser.add_argument("--list", action="store_true", help="print the bench names and exit")
    parser.add_argument("--events", type=int, default=20_000, help="events per bus run")
    parser.add_argument("--commands", type=int, default=200, help="HTTP commands per flow run")
    parser.add_argument("--skip-kafka", action="store_true", help="no Kafka benches")
    parser.add_argument("--skip-sandbox", action="store_true", help="skip the 1M/10M-row sandbox")
    parser.add_argument("--skip-log", action="store_true", help="skip the 1M-leaf log (~3 min)")
    args = parser.parse_args(argv)
    if args.list:
        for bench in benches:
            print(bench.name)
        return []
    chosen = select(benches, args.only)
    if not args.only:
        chosen = [
            b
            for b in chosen
            if not (args.skip_kafka and b.kafka)
            and not (
                args.skip_sandbox and b.name in {"sandbox", "sandbox_growth", "verification_api"}
            )
            and not (args.skip_log and b.name == "log_inclusion_proof")
        ]
    context = Context(events=args.events, commands=args.commands)
    before = machine()
    print(
        f"pdo bench: {before['cores']} cores, load {before['load_average']}; "
        f"events={args.events}, commands={args.commands}",
        flush=True,
    )
    figures: list[Figure] = []
    try:
        for bench in chosen:
            t0 = time.perf_counter()
            try:
                figures += run_bench(bench, context)
            except Exception as exc:  # one broken bench must not lose the others' figures
                traceback.print_exc()
                figures.append(failed(bench.name, exc))
            print(f"  {bench.name}: {time.perf_counter() - t0:.1f} s", flush=True)
    finally:
        for close in reversed(context.opened):
            close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures.append(Figure("bench_peak_rss", round(peak, 1), "MiB"))
    print()
    print(table(figures))
    if args.json is not None:
        write_json(args.json, figures, {**before, "load_average_after": machine()["load_average"]})
        print(f"\nwrote {len(figures)} figures to {args.json}")
    return figures


if __name__ == "__main__":
    # The bench is one client hammering loopback: per-client rate limits would measure
    # the limiter, not the platform. Set for this process only (never by ``main()``,
    # which tests call in-process).
    os.environ.setdefault("PDO_RATE_LIMIT_PER_MINUTE", "0")
    main()
