"""The SQL that fills a sandbox: each mount as one ``CREATE TABLE … AS SELECT`` of the
granted items only, masked (SBX-3), over the rows that pass the grant's row filter
(REQ-5) — from the source in production, from synthetic rows in development."""

# ruff: noqa: S608 — this module composes SQL from constants, validated names (quoted) and
# numbers; no text from a caller reaches it unguarded.

from __future__ import annotations

import hashlib

from services.sandbox_broker.adapters.masking_sql import column_sql, quote_ident
from services.sandbox_broker.adapters.synthetic_sql import recipe_column, staged_select
from services.sandbox_broker.domain.items import sql_type
from services.sandbox_broker.domain.plan import Mount
from services.sandbox_broker.domain.synthetic import recipe_for


def mount_sql(mount: Mount, source: str) -> str:
    """Create the mount's table from ``source`` (a table name or a parenthesized query)."""
    columns = ", ".join(
        f"{column_sql(c, 'src.' + quote_ident(c.name))} AS {quote_ident(c.name)}"
        for c in mount.columns
    )
    where = f" WHERE ({mount.row_filter})" if mount.row_filter else ""
    return (
        f"CREATE TABLE main.{quote_ident(mount.table)} AS "
        f"SELECT {columns} FROM {source} AS src{where}"
    )


def synthetic_seed(grant_id: str, table: str) -> int:
    """The same grant always gets the same development data."""
    return int(hashlib.sha256(f"{grant_id}/{table}".encode()).hexdigest()[:12], 16)


def synthetic_source(mount: Mount, *, seed: int, rows: int) -> str:
    """A query of ``rows`` synthetic rows with every registered item of the resource."""
    columns = [
        recipe_column(
            recipe_for(item), name=item.name, column_type=sql_type(item), seed=seed, salt=k
        )
        for k, item in enumerate(mount.schema)
    ]
    return "(" + staged_select(columns, f"SELECT i FROM range({int(rows)}) t(i)") + ")"
