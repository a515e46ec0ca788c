"""``python -m bench --json FILE --only NAME,...``: every figure with its unit, its target
and whether it is met, only the benches named, and the same figures as a table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.__main__ import BENCHES, main
from bench.figures import Bench, Context, Figure

CALLS: list[str] = []


def _tiny(ctx: Context) -> list[Figure]:
    CALLS.append("tiny")
    return [
        Figure("tiny_rate", 1_500.0, "events/s", 1_000.0, "at_least"),
        Figure("latency_p99", 12.5, "ms", 10.0, "at_most"),
        Figure("tiny_context", float(ctx.events), "events"),
    ]


def _other(ctx: Context) -> list[Figure]:
    CALLS.append("other")
    return [Figure("other_rate", 1.0, "events/s", 2.0)]


TINY = (Bench("tiny", _tiny, holds_data=True), Bench("other", _other))


def test_json_has_every_figure_with_unit_target_and_met_for_the_benches_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    CALLS.clear()
    out = tmp_path / "out.json"
    main(["--json", str(out), "--only", "tiny", "--events", "7"], benches=TINY)
    assert CALLS == ["tiny"]  # --only: the other bench never ran
    document = json.loads(out.read_text())
    assert document["schema"] == "pdo-bench/1"
    assert document["machine"]["cores"] >= 1 and len(document["machine"]["load_average"]) == 3
    figures = {f["name"]: f for f in document["figures"]}
    assert set(figures) == {"tiny_rate", "tiny_latency_p99", "tiny_context", "bench_peak_rss"}
    assert figures["tiny_rate"] | {"rss_mib": None} == {
        "name": "tiny_rate",
        "value": 1500.0,
        "unit": "events/s",
        "target": 1000.0,
        "direction": "at_least",
        "met": True,
        "rss_mib": None,
        "note": "",
    }
    assert figures["tiny_latency_p99"]["met"] is False  # 12.5 ms against ≤ 10 ms
    assert figures["tiny_context"]["value"] == 7.0  # --events reached the bench
    assert figures["tiny_context"]["met"] is None and figures["tiny_context"]["target"] is None
    assert figures["tiny_rate"]["rss_mib"] > 0  # a bench that holds data reports its RSS
    assert document["targets"] == {"total": 2, "met": 1, "missed": ["tiny_latency_p99"]}
    table = capsys.readouterr().out
    assert "tiny_latency_p99" in table and "NO" in table and "≤ 10" in table
    assert "other_rate" not in table


def _broken(ctx: Context) -> list[Figure]:
    raise RuntimeError("the broker went away")


def test_a_bench_that_raises_is_a_missed_figure_and_the_others_still_run(
    tmp_path: Path,
) -> None:
    CALLS.clear()
    out = tmp_path / "out.json"
    main(["--json", str(out)], benches=(Bench("broken", _broken), *TINY))
    assert CALLS == ["tiny", "other"]
    figures = {f["name"]: f for f in json.loads(out.read_text())["figures"]}
    assert figures["broken_failed"]["met"] is False
    assert figures["broken_failed"]["note"] == "RuntimeError: the broker went away"
    assert "tiny_rate" in figures and "other_rate" in figures


def test_only_refuses_an_unknown_bench_naming_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="unknown bench nope; known: other, tiny"):
        main(["--only", "tiny,nope"], benches=TINY)


def test_the_registry_has_the_stable_names_the_issue_lists() -> None:
    names = {bench.name for bench in BENCHES}
    assert {
        "export_checks_10k",
        "mesh_vs_raw_kafka",
        "embedded_bus",
        "embedded_vs_raw_sqlite",
        "billing_exactly_once",
        "verification_api",
        "log_inclusion_proof",
        "command_to_visible_kafka",
        "export_checks_growth",
        "catalog_search_growth",
        "proof_growth",
        "concurrent_platform",
    } <= names


def test_a_real_tiny_bench_writes_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "tokens.json"
    main(["--json", str(out), "--only", "token_verify", "--events", "50"])
    figures = {f["name"]: f for f in json.loads(out.read_text())["figures"]}
    assert figures["token_verify_new"]["unit"] == "calls/s"
    assert figures["token_verify_new"]["value"] > 0
    assert figures["token_verify_reused"]["unit"] == "calls/s"


def test_county_burst_lag_is_a_kafka_bench_whose_figures_carry_its_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Issue 11's closing note: ``county_burst_lag`` (skipped by ``--skip-kafka``), its
    figures from ``bench.federation.run``'s numbers, the dead letters held to the
    schema-failing records sent."""
    from bench import __main__ as runner
    from bench import federation

    (bench,) = [b for b in BENCHES if b.name == "county_burst_lag"]
    assert bench.kafka
    numbers = {
        "published": 10_010, "published_s": 7.0, "county_entries": 10_000,
        "entries_applied_once": 10_000, "county_dead_letters": 10, "peak_lag": 451,
        "last_nonzero_lag": 3, "lag_samples": 16, "caught_up_s": 7.5,
        "after_last_publish_s": 0.5,
    }  # fmt: skip
    seen: list[int] = []

    async def fake_run(server: object, events: int, broken: int, tmp: Path) -> dict[str, float]:
        seen.append(events)
        return numbers

    monkeypatch.setattr(federation, "run", fake_run)
    monkeypatch.setattr(runner, "_servers", lambda ctx: ("k", "m"))
    figures = {f.name: f for f in bench.run(Context(events=10_000, servers={"kafka_server": 1}))}
    assert seen == [10_000]
    assert figures["county_burst_lag"].value == 0.5 and figures["county_burst_lag"].unit == "s"
    assert figures["county_burst_lag_published"].value == 10_010
    assert figures["county_burst_lag_entries"].value == 10_000
    assert figures["county_burst_lag_dead_letters"].met is True
    assert all(name.startswith("county_burst_lag") for name in figures)
