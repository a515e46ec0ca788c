"""The source map (where real data lives) and the demo source generated once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo.city import DEMO
from services.sandbox_broker.adapters.demo_data import DEMO_TABLES, DemoScale
from services.sandbox_broker.adapters.sources import (
    DEMO_SOURCES,
    SourceConfigError,
    demo_scale,
    ensure_demo_source,
    load_source_map,
)
from services.sandbox_broker.domain.plan import source_key


def test_SBX_1_every_item_of_a_mapped_demo_resource_is_a_column_of_its_table() -> None:
    demo = {source_key(r.org_id, r.declaration.name): r.declaration for r in DEMO}
    for key, table in DEMO_SOURCES.items():
        assert key in demo, key
        columns = {item.name for item in DEMO_TABLES[table]}
        assert {item.name for item in demo[key].items} <= columns, key


def test_the_source_map_is_read_from_the_file_named_by_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "sources.json"
    path.write_text(json.dumps({"org-x/资源": {"path": "/data/x.duckdb", "table": "x"}}))
    found = load_source_map({"PDO_SANDBOX_SOURCES": str(path)})
    assert found["org-x/资源"].path == Path("/data/x.duckdb") and found["org-x/资源"].table == "x"
    assert load_source_map({}) == {}
    path.write_text("{not json")
    with pytest.raises(SourceConfigError, match="PDO_SANDBOX_SOURCES"):
        load_source_map({"PDO_SANDBOX_SOURCES": str(path)})


def test_the_demo_scale_comes_from_PDO_DEMO_ROWS() -> None:
    assert demo_scale({}).enterprises == 1_000_000
    assert demo_scale({"PDO_DEMO_ROWS": "5000"}) == DemoScale(enterprises=5000, persons=5000)
    with pytest.raises(SourceConfigError):
        demo_scale({"PDO_DEMO_ROWS": "many"})


async def test_the_demo_source_is_generated_once_and_kept_when_complete(tmp_path: Path) -> None:
    scale = DemoScale(enterprises=300, tax_months=1, persons=300)
    path = await ensure_demo_source(tmp_path, scale)
    made = path.stat().st_mtime_ns
    assert await ensure_demo_source(tmp_path, scale) == path
    assert path.stat().st_mtime_ns == made
    bigger = DemoScale(enterprises=400, tax_months=1, persons=400)
    await ensure_demo_source(tmp_path, bigger)  # another scale: regenerated
    assert path.stat().st_mtime_ns != made
