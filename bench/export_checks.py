"""The automated disclosure checks' cost (issue 4: ≤ 10% of the job they follow).

Times ``run_checks`` (EXP-2: cell counts, dominance, p-ratio, identifiers, row-level data,
differencing across margins and against earlier exports) on a grouped output of 10,000
cells — region × industry × month with counts, totals and the hidden top-two
contributions — with an earlier export of the same shape as the developer's history,
read from its stored document as the service reads it (column blocks, EXP-2).
"""

from __future__ import annotations

import random
import time

from bench.harness import Result, percentiles
from services.product_release.adapters.array_checks import ArrayNesting
from services.product_release.domain.check_report import run_checks
from services.product_release.domain.differencing import ExactNesting
from services.product_release.domain.outputs import Column, OutputTable, Role
from services.product_release.domain.settings import ExportCheckSettings
from services.product_release.domain.table_checks import view_of
from services.product_release.repository import history_from_docs, released_to_doc

REGIONS = tuple(f"3703{n:02d}" for n in range(1, 11))
INDUSTRIES = tuple("ABCDEFGHIJKLMNOPQRST")
MONTHS = tuple(f"2025-{m:02d}" for m in range(1, 13))


def grouped_output(cells: int = 10_000, seed: int = 7, name: str = "output_bench") -> OutputTable:
    """``cells`` rows of region × industry × month, every cell safe (≥ 10 units, no
    dominant contributor), so every check runs to the end."""
    draw = random.Random(seed)
    rows = []
    for index in range(cells):
        region = REGIONS[index % len(REGIONS)]
        industry = INDUSTRIES[(index // len(REGIONS)) % len(INDUSTRIES)]
        month = MONTHS[(index // (len(REGIONS) * len(INDUSTRIES))) % len(MONTHS)]
        units = draw.randint(12, 400)
        total = units * draw.randint(50_000, 900_000)
        top1 = total // draw.randint(5, 12)
        top2 = top1 // 2
        rows.append((f"{region}-{index // 2400}", industry, month, units, total, top1, top2))
    columns = (
        Column("region", Role.DIMENSION),
        Column("industry", Role.DIMENSION),
        Column("month", Role.DIMENSION),
        Column("enterprises", Role.COUNT),
        Column("tax_total", Role.SUM, source="tax_paid_fen"),
        Column("top1", Role.TOP1, of="tax_total"),
        Column("top2", Role.TOP2, of="tax_total"),
    )
    return OutputTable(name=name, columns=columns, rows=tuple(rows), universe="bench")


def run(
    cells: int = 10_000, earlier_exports: int = 1, repeats: int = 5, *, exact: bool = False
) -> Result:
    """``repeats`` runs of the checks on a ``cells``-cell output with ``earlier_exports``
    earlier exports of the same size and shape in the developer's history; nested pairs
    found by the NumPy adapter as the service runs it, or by the exact reference."""
    nesting = ExactNesting() if exact else ArrayNesting()
    settings = ExportCheckSettings(region="370300")
    # the history as the service reads it: the approved exports' documents, as columns
    earlier = history_from_docs(
        released_to_doc(
            view_of(grouped_output(cells, seed=3 + n, name=f"output_earlier_{n}")), f"exp-{n}"
        )
        for n in range(earlier_exports)
    )
    output = grouped_output(cells)
    latencies: list[float] = []
    started = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        report = run_checks(output, settings=settings, earlier=earlier, nesting=nesting)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    if not report.passed:
        raise RuntimeError(f"the bench output should pass: {report.failed_checks}")
    p50, p99 = percentiles(latencies)
    how = "exact nesting" if exact else "array nesting"
    name = f"export checks, {cells:,}-cell output, {earlier_exports} earlier export(s), {how}"
    return Result(name, repeats, elapsed, p50, p99)
