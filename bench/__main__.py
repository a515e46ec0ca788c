"""Runs every benchmark and prints one table with the ratios the issues set as targets.

python -m bench [--events N] [--skip-kafka] [--skip-log]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource

from bench import (
    billing,
    bus,
    catalog,
    export_checks,
    flow,
    sandbox,
    tokens,
    transparency_log,
    verification,
)
from bench.harness import HEADER, Result, ferret, kafka


def main() -> None:
    # The bench is one client hammering loopback: per-client rate limits would measure
    # the limiter, not the platform.
    os.environ.setdefault("PDO_RATE_LIMIT_PER_MINUTE", "0")
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--events", type=int, default=20_000, help="events per bus run")
    parser.add_argument("--commands", type=int, default=200, help="HTTP commands per flow run")
    parser.add_argument("--skip-kafka", action="store_true", help="embedded measures only")
    parser.add_argument("--skip-sandbox", action="store_true", help="skip the 1M/10M-row sandbox")
    parser.add_argument(
        "--skip-log", action="store_true", help="skip the 1M-leaf transparency log (~3 min)"
    )
    args = parser.parse_args()
    results: list[Result] = []
    ratios: list[str] = []
    print(f"pdo bench: {os.cpu_count()} cores; events={args.events}, commands={args.commands}")

    results.append(asyncio.run(tokens.verify_rate(args.events, reuse=False)))
    results.append(asyncio.run(tokens.verify_rate(args.events, reuse=True)))
    if not args.skip_sandbox:
        measured = asyncio.run(sandbox.run())
        results += measured
        job, own_checks = measured[-2], measured[-1]
        stress = export_checks.run()
        results.append(stress)
        results += asyncio.run(verification.run())
        ratios.append(
            f"export checks / 10M aggregate job (p50): {own_checks.p50_ms / job.p50_ms:.1%} on the "
            f"job's own output, {stress.p50_ms / job.p50_ms:.0%} on a 10,000-cell output "
            "(target ≤ 10%)"
        )
    if not args.skip_log:
        results += asyncio.run(transparency_log.run())
    searches = asyncio.run(catalog.run())
    results += searches
    bare, search = searches[0], searches[1]
    embedded = asyncio.run(bus.embedded(args.events))
    results.append(embedded)
    results.append(asyncio.run(flow.embedded(args.commands)))
    billed = asyncio.run(billing.run(args.events))
    results += billed
    ratios += [
        f"embedded bus: {embedded.rate:,.0f} events/s (target ≥ 20,000)",
        f"catalog search / bare Litestar throughput: {search.rate / bare.rate:.2f}× "
        "(target ≥ 0.3×)",
        f"billing exactly once / embedded bus: {billed[0].rate / embedded.rate:.2f}×",
    ]
    if not args.skip_kafka:
        with kafka() as broker, ferret() as mongo:
            raw = asyncio.run(bus.raw_aiokafka(broker.bootstrap, args.events))
            mesh = asyncio.run(bus.kafka_mesh(broker.bootstrap, args.events))
            ferret_mesh = asyncio.run(
                bus.kafka_mesh_ferret(broker.bootstrap, mongo.uri, args.events)
            )
            results += [raw, mesh, ferret_mesh]
            results.append(asyncio.run(flow.on_kafka(broker.bootstrap, mongo.uri, args.commands)))
        ratios.append(
            f"mesh / raw aiokafka throughput: {mesh.rate / raw.rate:.2f}× (target ≥ 0.5×)"
        )
        ratios.append(
            f"mesh with the FerretDB inbox / raw aiokafka: "
            f"{ferret_mesh.rate / raw.rate:.2f}× (FerretDB 1.x scans whole tables)"
        )
    print()
    print(HEADER)
    for result in results:
        print(result.row())
    print()
    for line in ratios:
        print(line)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the bench process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
