"""Sandbox benchmarks (issue 4): provisioning time for 1M and 10M rows, p50/p99 of a
grouped aggregate job on 10M rows (each job in its own isolated process), and the
automated disclosure checks on that job's own output.

The source is the demo generator's market registration table (every item granted, so
IDs are tokenized, names masked, addresses coarsened while materializing).
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import Result, percentiles
from services.product_release.domain.check_report import run_checks
from services.product_release.domain.outputs import Column, OutputTable, Role
from services.product_release.domain.settings import ExportCheckSettings
from services.sandbox_broker.adapters.demo_data import DEMO_TABLES, DemoScale, generate
from services.sandbox_broker.adapters.duckdb_executor import DuckDBJobExecutor
from services.sandbox_broker.adapters.lockdown import Limits
from services.sandbox_broker.domain.plan import Environment, plan_sandbox
from services.sandbox_broker.ports import JobSpec, SourceTable
from tests.unit.services.sandbox_broker.factories import demo_schemas, grant_factory, resource_id

AGGREGATE = (
    "SELECT region_code, industry_code, count(*) AS enterprises, "
    "sum(registered_capital_fen) AS capital, avg(registered_capital_fen) AS mean "
    "FROM market_registration GROUP BY ALL"
)


async def _provision(
    rows: int, workdir: Path, root: Path
) -> tuple[list[Result], DuckDBJobExecutor, str]:
    source = workdir / f"demo-{rows}.duckdb"
    started = time.perf_counter()
    generate(source, DemoScale(enterprises=rows, persons=rows), tables=("market_registration",))
    generated = time.perf_counter() - started
    executor = DuckDBJobExecutor(
        root,
        sources={resource_id(t): SourceTable(source, t) for t in DEMO_TABLES},
        limits=Limits(memory_mb=2048, threads=os.cpu_count() or 2, timeout_s=300),
    )
    plan = plan_sandbox(
        grant_factory(grant_id=f"bench-{rows}"), demo_schemas(), Environment.PRODUCTION
    )
    started = time.perf_counter()
    await executor.provision(plan, b"b" * 32)
    provisioned = time.perf_counter() - started
    label = f"{rows // 1_000_000}M" if rows >= 1_000_000 else f"{rows // 1000}k"
    return (
        [
            Result(
                f"sandbox demo data generate, {label} rows",
                rows,
                generated,
                generated * 1000,
                generated * 1000,
            ),
            Result(
                f"sandbox provision (masked), {label} rows",
                rows,
                provisioned,
                provisioned * 1000,
                provisioned * 1000,
            ),
        ],
        executor,
        plan.sandbox_id,
    )


AGGREGATE_COLUMNS = (
    Column("region_code", Role.DIMENSION),
    Column("industry_code", Role.DIMENSION),
    Column("enterprises", Role.COUNT),
    Column("capital", Role.SUM, source="registered_capital_fen"),
    Column("mean", Role.MEAN, source="registered_capital_fen"),
)


def checks_on(rows: list[tuple[Any, ...]], label: str, repeats: int = 20) -> Result:
    """The automated disclosure checks (EXP-2) on the aggregate job's own output, as the
    export review would run them; their cost is set against the job's in the ratios."""
    output = OutputTable("output_agg_0", AGGREGATE_COLUMNS, tuple(tuple(r) for r in rows))
    settings = ExportCheckSettings(region="370300")
    latencies: list[float] = []
    started = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        run_checks(output, settings=settings)
        latencies.append(time.perf_counter() - t0)
    p50, p99 = percentiles(latencies)
    return Result(f"{label}, {len(rows)} cells", repeats, time.perf_counter() - started, p50, p99)


async def run(sizes: tuple[int, ...] = (1_000_000, 10_000_000), jobs: int = 20) -> list[Result]:
    """Provision each size; run ``jobs`` aggregate jobs on the largest."""
    results: list[Result] = []
    workdir = Path(tempfile.mkdtemp(prefix="pdo-bench-sandbox-src-"))
    root = Path(tempfile.mkdtemp(prefix="pdo-bench-sandboxes-", dir="/tmp"))
    os.chmod(root, 0o711)
    try:
        executor, sandbox_id = None, ""
        for rows in sizes:
            measured, executor, sandbox_id = await _provision(rows, workdir, root)
            results += measured
        assert executor is not None
        latencies: list[float] = []
        started = time.perf_counter()
        for index in range(jobs):
            t0 = time.perf_counter()
            execution = await executor.run(
                sandbox_id, JobSpec(f"agg-{index}", AGGREGATE, f"output_agg_{index}")
            )
            latencies.append(time.perf_counter() - t0)
            if execution.status != "succeeded":
                raise RuntimeError(f"aggregate job failed: {execution.error}")
        elapsed = time.perf_counter() - started
        p50, p99 = percentiles(latencies)
        label = f"{sizes[-1] // 1_000_000}M"
        results.append(
            Result(f"sandbox grouped aggregate job, {label} rows", jobs, elapsed, p50, p99)
        )
        staged = await executor.read_output(sandbox_id, "output_agg_0")
        results.append(checks_on(staged.rows, f"export checks on that job's output ({label})"))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
    return results


def _remove_sources(workdir: Path) -> None:
    """The 10M-row source is about a gigabyte: keep one at a time."""
    for source in workdir.glob("demo-*.duckdb*"):
        source.unlink()


async def growth(
    sizes: tuple[int, ...] = (100_000, 1_000_000, 10_000_000),
) -> list[tuple[int, float, float]]:
    """Provisioning time as the source grows: per size (rows, seconds to provision the
    masked sandbox, peak RSS in MiB of the provisioning child processes so far). The
    demo source is generated outside the timing; each size gets a fresh sandbox."""
    points: list[tuple[int, float, float]] = []
    workdir = Path(tempfile.mkdtemp(prefix="pdo-bench-sandbox-src-"))
    root = Path(tempfile.mkdtemp(prefix="pdo-bench-sandboxes-", dir="/tmp"))
    os.chmod(root, 0o711)
    try:
        for rows in sizes:
            measured, _, _ = await _provision(rows, workdir, root)
            provisioned = measured[1]
            child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            points.append((rows, provisioned.seconds, round(child_peak, 1)))
            await asyncio.to_thread(_remove_sources, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(root, ignore_errors=True)
    return points


if __name__ == "__main__":
    for result in asyncio.run(run()):
        print(result.row())
