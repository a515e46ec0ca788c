"""A per-unit export (``contracts.per_unit``, declared as ``domain.per_unit.PerUnitRead``)
as DuckDB SQL: the output's records summed per contributing unit (firm, person) within
each cell, then per cell, with the hidden summaries the disclosure checks rely on
(EXP-2) — so a firm with three records is one contributor, not three.

Sums are exact where the column is: integers and DECIMALs sum exactly in DuckDB (HUGEINT,
DECIMAL(38, s)); a DOUBLE column is summed with ``fsum``, correctly rounded, so ten
contributions of 0.1 make 1.0 and not 0.9999999999999999.
"""

from __future__ import annotations

from contracts.per_unit import SUMMARIES
from services.sandbox_broker.adapters.masking_sql import quote_ident
from services.sandbox_broker.domain.per_unit import PerUnitRead

FLOAT_TYPES = frozenset({"DOUBLE", "FLOAT", "REAL"})
_UNIT = "__pdo_unit"


def per_unit_sql(table: str, read: PerUnitRead, types: dict[str, str]) -> str:
    """One SELECT staging ``table`` per unit, its columns in ``per_unit_columns`` order;
    ``types`` are the output's column types (DESCRIBE)."""

    def total(expression: str, column: str) -> str:
        kind = types.get(column, "").upper()
        return f"{'fsum' if kind in FLOAT_TYPES else 'sum'}({expression})"

    dims = [quote_ident(d) for d in read.dimensions]
    inner = [
        *dims,
        f"{quote_ident(read.unit)} AS {_UNIT}",
        *(f"{total(quote_ident(m), m)} AS {quote_ident(m)}" for m in read.sums),
    ]
    outer = [*dims, f"count(*) AS {quote_ident(read.count)}"]
    for m in read.sums:
        value = quote_ident(m)
        tops = f"max_by({value}, abs({value}), 2)"
        summaries = {
            "top1": f"{tops}[1]",
            "top2": f"{tops}[2]",
            "min": f"min({value})",
            "abs_total": total(f"abs({value})", m),
        }
        outer.append(f"{total(value, m)} AS {value}")
        outer += [f"{summaries[role]} AS {quote_ident(f'{m}_{role}')}" for role in SUMMARIES]
    order = f" ORDER BY {', '.join(dims)}" if dims else ""
    return (
        f"WITH per_unit AS (SELECT {', '.join(inner)} FROM main.{quote_ident(table)} "  # noqa: S608
        f"GROUP BY ALL) SELECT {', '.join(outer)} FROM per_unit GROUP BY ALL{order}"
    )
