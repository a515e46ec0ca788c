"""Shared measuring helpers: percentiles, a result table, and the real servers."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.infra.servers import FerretServer, KafkaServer


@dataclass(frozen=True)
class Result:
    name: str
    events: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def row(self) -> str:
        return (
            f"{self.name:<44} {self.events:>8} {self.rate:>12,.0f}/s "
            f"{self.p50_ms:>9.2f} {self.p99_ms:>9.2f}"
        )


HEADER = f"{'measure':<44} {'n':>8} {'throughput':>14} {'p50 ms':>9} {'p99 ms':>9}"


def percentiles(latencies_s: list[float]) -> tuple[float, float]:
    if len(latencies_s) < 2:
        value = latencies_s[0] * 1000 if latencies_s else 0.0
        return value, value
    cuts = statistics.quantiles(latencies_s, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


@contextmanager
def kafka() -> Iterator[KafkaServer]:
    with tempfile.TemporaryDirectory(prefix="pdo-bench-kafka-") as tmp:
        KafkaServer.prepare(print)
        server = KafkaServer(Path(tmp))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@contextmanager
def ferret() -> Iterator[FerretServer]:
    with tempfile.TemporaryDirectory(prefix="pdo-bench-ferret-") as tmp:
        FerretServer.prepare(print)
        server = FerretServer(Path(tmp))
        server.start()
        try:
            yield server
        finally:
            server.stop()
