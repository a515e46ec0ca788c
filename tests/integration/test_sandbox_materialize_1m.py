"""LARGE: one million rows, generated and materialized masked, in the normal suite.

The demo generator writes 1,000,000 enterprises (valid
credit codes and resident IDs) and the executor materializes them into a production
sandbox, tokenizing every legal representative's ID, masking names and coarsening
addresses; then one grouped aggregate job runs over them (SBX-1, SBX-3). How long it
takes is measured by ``python -m bench --only sandbox_growth``, not asserted here: a
timing budget in a test fails on a busy machine without any code being wrong.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from services.sandbox_broker.adapters.demo_data import DEMO_TABLES, DemoScale, generate
from services.sandbox_broker.adapters.duckdb_executor import DuckDBJobExecutor
from services.sandbox_broker.domain.plan import Environment, plan_sandbox
from services.sandbox_broker.ports import JobSpec, SourceTable
from tests.unit.services.sandbox_broker.factories import (
    demo_schemas,
    grant_factory,
    resource_id,
    sandbox_root,
)

ROWS = 1_000_000

pytestmark = pytest.mark.large


@pytest.fixture
def root() -> Iterator[Path]:
    path = sandbox_root()
    yield path
    shutil.rmtree(path, ignore_errors=True)


async def test_SBX_3_one_million_rows_are_generated_and_materialized_masked(
    root: Path, tmp_path: Path
) -> None:
    started = time.perf_counter()
    source = tmp_path / "demo-1m.duckdb"
    report = generate(
        source, DemoScale(enterprises=ROWS, persons=ROWS), tables=("market_registration",)
    )
    generated = time.perf_counter() - started
    assert report["market_registration"][0] == ROWS
    executor = DuckDBJobExecutor(
        root, sources={resource_id(t): SourceTable(source, t) for t in DEMO_TABLES}
    )
    plan = plan_sandbox(grant_factory(grant_id="g-1m"), demo_schemas(), Environment.PRODUCTION)
    provisioned = await executor.provision(plan, b"m" * 32)
    materialized = time.perf_counter() - started - generated
    assert provisioned.tables == {"market_registration": ROWS}
    job = await executor.run(
        plan.sandbox_id,
        JobSpec(
            "agg-1m",
            "SELECT region_code, industry_code, count(*) AS n, sum(registered_capital_fen) AS c "
            "FROM market_registration GROUP BY ALL",
            "output_agg",
        ),
    )
    total = time.perf_counter() - started
    print(  # the measures, for the closing note (pytest -s)
        f"\n1M rows: generate {generated:.1f} s, materialize {materialized:.1f} s "
        f"(in process {provisioned.seconds:.1f} s), aggregate job {job.duration_ms} ms, "
        f"total {total:.1f} s"
    )
    assert job.status == "succeeded" and job.rows_touched == ROWS
    granted = root / plan.sandbox_id / "data" / "granted.duckdb"
    with duckdb.connect(str(granted), read_only=True) as con:
        raw_like = con.execute(
            "SELECT count(*) FROM market_registration "
            "WHERE legal_rep_id NOT LIKE 'tk_%' OR regexp_matches(legal_rep_id, '[0-9]') "
            "OR legal_rep_name NOT LIKE '%*' OR regexp_matches(registered_address, '[0-9]')"
        ).fetchone()
    assert raw_like == (0,)
