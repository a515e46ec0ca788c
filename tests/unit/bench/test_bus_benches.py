"""The bus benches (mesh, inbox on the MongoDB-wire server, burst lag, sandbox growth):
stable names, and the growth figures computed from measured points (the measuring
itself needs Kafka or minutes of DuckDB; it is run by ``python -m bench``)."""

from __future__ import annotations

import pytest

from bench import __main__ as bench_main
from bench import bus, sandbox
from bench.__main__ import BENCHES
from bench.figures import Context


def test_the_bus_benches_have_stable_names() -> None:
    names = {b.name for b in BENCHES}
    assert {
        "mesh_vs_raw_kafka",
        "mesh_inbox_mongo_vs_raw_kafka",
        "command_to_visible_kafka",
        "kafka_burst_lag",
        "sandbox_growth",
        "embedded_bus",
        "embedded_vs_raw_sqlite",
    } <= names
    kafka = {b.name for b in BENCHES if b.kafka}
    assert {"mesh_inbox_mongo_vs_raw_kafka", "kafka_burst_lag"} <= kafka


def test_sandbox_growth_is_met_within_12x_and_carries_rss(monkeypatch: pytest.MonkeyPatch) -> None:
    async def points() -> list[tuple[int, float, float]]:
        return [(100_000, 1.5, 80.0), (1_000_000, 15.0, 120.0), (10_000_000, 170.0, 400.0)]

    monkeypatch.setattr(sandbox, "growth", points)
    figures = {f.name: f for f in bench_main._sandbox_growth(Context())}
    assert figures["sandbox_growth_10m"].value == 170.0
    assert figures["sandbox_growth_10m"].rss_mib == 400.0
    assert figures["sandbox_growth_10m_over_1m"].value == pytest.approx(170 / 15, rel=1e-3)
    assert figures["sandbox_growth_10m_over_1m"].met is True


def test_sandbox_growth_past_12x_is_missed(monkeypatch: pytest.MonkeyPatch) -> None:
    async def points() -> list[tuple[int, float, float]]:
        return [(1_000_000, 10.0, 1.0), (10_000_000, 130.0, 1.0)]

    monkeypatch.setattr(sandbox, "growth", points)
    figures = {f.name: f for f in bench_main._sandbox_growth(Context())}
    assert figures["sandbox_growth_10m_over_1m"].met is False


def test_kafka_burst_lag_has_a_point_per_burst_and_the_growth_ratio(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def burst(bootstrap: str, bursts: tuple[float, ...]) -> list[tuple[int, float, int]]:
        assert bootstrap == "broker:9092"
        assert bursts == (1.0, 2.0, 4.0)
        return [(5_000, 0.5, 900), (10_000, 1.2, 2_000), (20_000, 2.0, 4_100)]

    monkeypatch.setattr(bus, "burst_lag", burst)
    ctx = Context(servers={"kafka": "broker:9092", "mongo": "mongodb://x"})
    figures = {f.name: f for f in bench_main._kafka_burst_lag(ctx)}
    assert figures["kafka_burst_lag_1s"].value == 0.5
    assert figures["kafka_burst_lag_4s"].value == 2.0
    assert "20,000 events" in figures["kafka_burst_lag_4s"].note
    assert figures["kafka_burst_lag_4s_over_1s"].value == pytest.approx(4.0)
    assert figures["kafka_burst_lag_at_end_2s"].value == 2_000
