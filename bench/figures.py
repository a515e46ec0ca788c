"""Bench figures (基准数据): every measured number with its unit, its target and whether
the target is met, written as JSON (``--json FILE``) and printed as one table.

A *bench* has a stable name (``embedded_bus``, ``export_checks_10k``, …) and yields
*figures*; a figure's name starts with its bench's name, so a name seen in one run's JSON
means the same thing in the next. Where the bench's process holds data (an index, a
log, a ledger) the bench's figures carry the resident set size (RSS) measured right
after it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from bench.harness import Result

Direction = Literal["at_least", "at_most"]
SCHEMA = "pdo-bench/1"


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured number. ``target`` with ``direction`` says what the issue asks;
    ``met`` is ``None`` when there is no target (a figure shown for context)."""

    name: str
    value: float
    unit: str
    target: float | None = None
    direction: Direction = "at_least"
    note: str = ""
    rss_mib: float | None = None

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        if self.direction == "at_least":
            return self.value >= self.target
        return self.value <= self.target

    def target_text(self) -> str:
        if self.target is None:
            return ""
        sign = "≥" if self.direction == "at_least" else "≤"
        return f"{sign} {_number(self.target)}"

    def as_record(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
            "target": self.target,
            "direction": self.direction if self.target is not None else None,
            "met": self.met,
            "rss_mib": self.rss_mib,
            "note": self.note,
        }

    def with_rss(self, rss_mib: float | None) -> Figure:
        if rss_mib is None or self.rss_mib is not None:
            return self
        return Figure(
            self.name, self.value, self.unit, self.target, self.direction, self.note, rss_mib
        )


def rate(name: str, result: Result, target: float | None = None, unit: str = "events/s") -> Figure:
    """A throughput figure from a measured result."""
    return Figure(name, round(result.rate, 1), unit, target, "at_least", result.name)


def latency(
    name: str, result: Result, quantile: Literal["p50", "p99"], target: float | None = None
) -> Figure:
    """A latency figure (milliseconds) from a measured result."""
    value = result.p50_ms if quantile == "p50" else result.p99_ms
    return Figure(f"{name}_{quantile}", round(value, 3), "ms", target, "at_most", result.name)


def ratio(
    name: str,
    value: float,
    target: float | None = None,
    *,
    direction: Direction = "at_least",
    note: str = "",
) -> Figure:
    """A ratio of two figures measured in the same run (noise hits both alike)."""
    return Figure(name, round(value, 4), "ratio", target, direction, note)


def failed(bench: str, error: BaseException) -> Figure:
    """A bench that raised: one figure that misses its target and names the error."""
    return Figure(
        f"{bench}_failed", 1.0, "error", 0.0, "at_most", f"{type(error).__name__}: {error}"[:500]
    )


@dataclass
class Context:
    """What a bench may use: the run's sizes and, started once on first use, the real
    Kafka broker and MongoDB-wire server."""

    events: int = 20_000
    commands: int = 200
    servers: dict[str, object] = field(default_factory=dict)
    opened: list[Callable[[], None]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Bench:
    name: str
    run: Callable[[Context], list[Figure]]
    """the figures; a figure name not starting with the bench's name is prefixed"""
    holds_data: bool = False
    """measure the process RSS after it (an index, a log or a ledger in memory)"""
    kafka: bool = False
    slow: bool = False
    """minutes, not seconds: the 1M-leaf log, the 10M-row sandbox"""


def rss_mib(pid: int | None = None) -> float | None:
    """Resident set size of a process (this one by default), from /proc."""
    path = Path(f"/proc/{pid or os.getpid()}/status")
    try:
        for line in path.read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def select(benches: Sequence[Bench], only: str | None) -> list[Bench]:
    """The benches named in ``only`` (comma-separated, in the registry's order); all when
    ``only`` is empty. An unknown name is an error naming the known ones."""
    if not only:
        return list(benches)
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    known = {bench.name for bench in benches}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise SystemExit(f"unknown bench {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    return [bench for bench in benches if bench.name in wanted]


def run_bench(bench: Bench, context: Context) -> list[Figure]:
    figures = bench.run(context)
    named = [
        f if f.name.startswith(bench.name) else _renamed(f, f"{bench.name}_{f.name}")
        for f in figures
    ]
    if bench.holds_data:
        size = rss_mib()
        named = [f.with_rss(size) for f in named]
    return named


def _renamed(figure: Figure, name: str) -> Figure:
    return Figure(
        name,
        figure.value,
        figure.unit,
        figure.target,
        figure.direction,
        figure.note,
        figure.rss_mib,
    )


def document(figures: Sequence[Figure], machine: dict[str, object]) -> dict[str, object]:
    """The JSON the ``--json`` option writes."""
    targeted = [f for f in figures if f.met is not None]
    return {
        "schema": SCHEMA,
        "machine": machine,
        "figures": [f.as_record() for f in figures],
        "targets": {
            "total": len(targeted),
            "met": sum(1 for f in targeted if f.met),
            "missed": [f.name for f in targeted if not f.met],
        },
    }


def write_json(path: Path, figures: Sequence[Figure], machine: dict[str, object]) -> None:
    path.write_text(json.dumps(document(figures, machine), ensure_ascii=False, indent=2) + "\n")


def table(figures: Sequence[Figure]) -> str:
    """The same figures as the JSON, one line each."""
    lines = [
        f"{'figure':<46} {'value':>14} {'unit':<9} {'target':>12} {'met':<4} {'RSS MiB':>8}",
    ]
    for f in figures:
        met = {True: "yes", False: "NO", None: ""}[f.met]
        rss = "" if f.rss_mib is None else f"{f.rss_mib:.0f}"
        lines.append(
            f"{f.name:<46} {_number(f.value):>14} {f.unit:<9} {f.target_text():>12} "
            f"{met:<4} {rss:>8}"
        )
    return "\n".join(lines)


def machine() -> dict[str, object]:
    """Cores and load when measured: absolute numbers on a shared machine are noisy."""
    try:
        load = list(os.getloadavg())
    except OSError:
        load = []
    return {"cores": os.cpu_count(), "load_average": [round(v, 2) for v in load]}


def _number(value: float) -> str:
    if value == int(value) and abs(value) >= 1:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
