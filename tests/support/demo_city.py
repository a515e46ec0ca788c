"""Helpers for tests that load the demo year (``demo/``) into an embedded platform: the
tax bureau's data for the product scenario's sandboxes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo.year import TAX
from services.sandbox_broker.adapters.demo_data import DemoScale, generate
from services.sandbox_broker.adapters.sources import ROOT_ENV, SOURCES_ENV
from tests.support.sandbox_broker import sandbox_root


def tax_source(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tax bureau's data (a small demo DuckDB) for the product scenario's sandboxes,
    and a sandbox root every sandbox user can traverse."""
    data = tmp / "sources" / "zibo.duckdb"
    data.parent.mkdir(parents=True, exist_ok=True)
    generate(
        data,
        DemoScale(enterprises=2_000, tax_months=12, persons=100),
        tables=("tax_payments",),
        threads=1,
    )
    mapping = {f"{TAX}/企业纳税信息": {"path": str(data), "table": "tax_payments"}}
    where = tmp / "sources" / "sources.json"
    where.write_text(json.dumps(mapping, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv(SOURCES_ENV, str(where))
    monkeypatch.setenv(ROOT_ENV, str(sandbox_root()))
