"""Export staging (出域暂存): an output read inside the sandbox becomes plain values for the
disclosure checks of product-release (EXP-2), within bounds (SBX-1, SBX-6).

A table export is staged as its rows; a verification export (核验) only as the
distribution of its answers, never its rows. What is staged is bounded (rows and encoded
bytes): a larger output must be aggregated further inside the sandbox first.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from contracts.canonical import canonical_json, sha256_hex
from contracts.errors import DomainError

MAX_STAGED_ROWS = 10_000
MAX_STAGED_BYTES = 512 * 1024
KINDS = ("table", "verification")

Cell = str | int | float | bool | None


def plain(value: Any) -> Cell:
    """A cell as a plain JSON value: dates as ISO text, NaN as null, a whole decimal as an
    integer (fen stay exact however large), another decimal as the float that prints as
    it (the checks read it back as that decimal, EXP-2)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def plain_rows(rows: list[tuple[Any, ...]]) -> list[list[Cell]]:
    return [[plain(v) for v in row] for row in rows]


def check_bounds(row_count: int, columns: list[list[str]], rows: list[list[Cell]]) -> None:
    """Refuse an output too large to stage, naming the bound it exceeds."""
    if row_count > MAX_STAGED_ROWS:
        raise DomainError(
            f"the output has {row_count} rows, more than the {MAX_STAGED_ROWS} that can be "
            "staged for review; aggregate it further inside the sandbox",
            rule="SBX-6",
        )
    size = len(canonical_json({"columns": columns, "rows": rows}))
    if size > MAX_STAGED_BYTES:
        raise DomainError(
            f"the output is {size} bytes encoded, more than the {MAX_STAGED_BYTES} that can "
            "be staged for review; aggregate it further inside the sandbox",
            rule="SBX-6",
        )


def content_sha256(columns: list[list[str]], rows: list[list[Cell]]) -> str:
    """The digest product-release recomputes: canonical JSON of
    ``{"columns": [[name, type], …], "rows": rows}``."""
    return sha256_hex({"columns": columns, "rows": rows})
