"""A verification snapshot answers the same from memory as from its DuckDB index (SBX-1:
the answers stay inside the broker's process, one key at a time)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from services.sandbox_broker.adapters.duckdb_executor import SnapshotAnswers, open_snapshot


def _snapshot(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE answers (k VARCHAR, a VARCHAR)")
        con.executemany(
            "INSERT INTO answers VALUES (?, ?)",
            [(f"91370300MA{i:08d}", "A" if i % 3 else "B") for i in range(2000)]
            + [(None, "A"), ("91370300MA00000001", "A")],  # a null key; a repeated key
        )
        con.execute("CREATE INDEX answers_k ON answers (k)")
    return path


def test_SBX_1_a_small_snapshot_answers_from_memory_as_the_index_does(tmp_path: Path) -> None:
    path = _snapshot(tmp_path / "answers.duckdb")
    memory = SnapshotAnswers(open_snapshot(path))
    indexed = SnapshotAnswers(open_snapshot(path), in_memory=0)
    assert memory._answers is not None and indexed._answers is None  # the two paths
    keys = [f"91370300MA{i:08d}" for i in range(0, 2000, 7)] + ["absent", ""]
    assert [memory.answer(k) for k in keys] == [indexed.answer(k) for k in keys]
    assert memory.answer("91370300MA00000001") == indexed.answer("91370300MA00000001") == "A"
    assert memory.answer("91370300MA00000003") == "B"
    assert memory.answer("absent") is None
    memory.close()
    indexed.close()
