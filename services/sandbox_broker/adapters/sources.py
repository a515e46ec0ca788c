"""Where each resource's real data lives (源数据映射): the source map, and the demo source.

The map is keyed by ``"<provider_org_id>/<resource name>"`` — what a provider and the
bureau know a resource by — and read from the JSON file named by ``PDO_SANDBOX_SOURCES``
(``{"<provider_org_id>/<name>": {"path": "...", "table": "..."}}``). In demo mode the
broker generates the Zibo demo DuckDB once under its own data directory (scale from
``PDO_DEMO_ROWS``, default 1,000,000 enterprises and persons) and maps the four demo
resources of ``demo/city.py`` onto its tables. Keys are ``domain.plan.source_key``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path

from contracts.canonical import canonical_json
from services.sandbox_broker.adapters.demo_data import DemoScale, generate
from services.sandbox_broker.ports import SourceTable

log = logging.getLogger(__name__)

SOURCES_ENV = "PDO_SANDBOX_SOURCES"
ROOT_ENV = "PDO_SANDBOX_ROOT"
DEMO_ROWS_ENV = "PDO_DEMO_ROWS"
DEFAULT_DEMO_ROWS = 1_000_000

DEMO_SOURCES: dict[str, str] = {
    "org-370300-market/市场主体登记信息": "market_registration",
    "org-370300-tax/企业纳税信息": "tax_payments",
    "org-370300-hrss/企业社会保险参保人数": "social_insurance",
    "org-370300-hpf/住房公积金缴存信息": "housing_provident_fund",
}
"""The demo resources (``demo/city.py``) and the demo table holding each one's data;
every item of these resources is a column of its table (a unit test holds them equal)."""


class SourceConfigError(ValueError):
    """The source map file is missing or malformed; the message names it."""


def load_source_map(env: Mapping[str, str] | None = None) -> dict[str, SourceTable]:
    """The configured source map; empty when ``PDO_SANDBOX_SOURCES`` is not set."""
    env = os.environ if env is None else env
    where = env.get(SOURCES_ENV, "")
    if not where:
        return {}
    try:
        raw = json.loads(Path(where).read_text(encoding="utf-8"))
        return {
            str(key): SourceTable(Path(str(value["path"])), str(value["table"]))
            for key, value in raw.items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SourceConfigError(f"{SOURCES_ENV}={where!r}: {exc}") from exc


def demo_scale(env: Mapping[str, str] | None = None) -> DemoScale:
    env = os.environ if env is None else env
    raw = env.get(DEMO_ROWS_ENV, str(DEFAULT_DEMO_ROWS))
    if not raw.isdigit() or int(raw) < 100:
        raise SourceConfigError(f"{DEMO_ROWS_ENV}={raw!r} is not a number of rows ≥ 100")
    rows = int(raw)
    return DemoScale(enterprises=rows, persons=rows)


def demo_source_map(path: Path) -> dict[str, SourceTable]:
    return {key: SourceTable(path, table) for key, table in DEMO_SOURCES.items()}


async def ensure_demo_source(directory: Path, scale: DemoScale) -> Path:
    """Generate the demo source once (in a thread, the event loop keeps serving). A file
    is complete when its marker names the same scale; anything else is regenerated."""
    return await asyncio.to_thread(_ensure, directory, scale)


def _ensure(directory: Path, scale: DemoScale) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "zibo-demo.duckdb"
    marker = directory / "zibo-demo.complete.json"
    wanted = canonical_json(
        {"enterprises": scale.enterprises, "persons": scale.persons, "months": scale.tax_months}
    ).decode()
    if path.exists() and marker.exists() and marker.read_text() == wanted:
        log.info("demo source data present", extra={"path": str(path)})
        return path
    partial = directory / "zibo-demo.partial.duckdb"
    for stale in (path, partial, marker):
        stale.unlink(missing_ok=True)
    log.info(
        "generating demo source data (once)",
        extra={"path": str(path), "enterprises": scale.enterprises, "persons": scale.persons},
    )
    report = generate(partial, scale)
    for table, (rows, seconds) in report.items():
        log.info("demo table generated", extra={"table": table, "rows": rows, "s": seconds})
    shutil.move(partial, path)
    marker.write_text(wanted)
    return path
