"""Per-unit exports (按贡献单位出域, EXP-2): the columns sandbox-broker stages when the
developer's output holds records and names each record's contributing unit.

A table export whose declared columns include one of role ``unit_id`` (the firm's or
person's identifier in the output) is *per unit*: the output holds records — dimension
values, the unit, and the amounts to sum — and the broker itself aggregates it inside
the sandbox, first per unit within each cell and then per cell, so the count and every
hidden summary the disclosure checks rely on count contributing units, never records.
The unit column never leaves. Both sides name the staged columns with
``per_unit_columns``; the broker computes them, product-release checks them.

Staged, in this order: the declared dimensions; the declared count column (units per
cell) or, when none is declared, a hidden ``units`` column; then for each declared sum
``m``: ``m`` itself and the hidden ``m_top1``, ``m_top2`` (the two largest per-unit
contributions by absolute value, with their sign), ``m_min`` (the smallest) and
``m_abs_total`` (the sum of absolute per-unit contributions).
"""

from __future__ import annotations

from collections.abc import Sequence

from contracts.errors import DomainError
from contracts.events.product_release import OutputColumn

UNIT_ID = "unit_id"
PER_UNIT_ROLES = frozenset({"dimension", "count", "sum", UNIT_ID})
SUMMARIES = ("top1", "top2", "min", "abs_total")
"""The hidden summaries of a summed column: each is its role and its name's suffix."""
UNITS_COLUMN = "units"


def unit_column(columns: Sequence[OutputColumn]) -> str:
    """The declared unit column, or ``""`` when the export is not per unit."""
    found = [c.name for c in columns if c.role == UNIT_ID]
    if len(found) > 1:
        raise DomainError(
            f"a per-unit export names one unit column, not {', '.join(found)}",
            rule="EXP-2",
            field="columns",
        )
    return found[0] if found else ""


def per_unit_columns(columns: Sequence[OutputColumn]) -> list[OutputColumn]:
    """The columns of a per-unit export as staged (see the module docstring)."""
    unit = unit_column(columns)
    if not unit:
        raise DomainError("a per-unit export declares a unit_id column", rule="EXP-2")
    for column in columns:
        if column.role not in PER_UNIT_ROLES:
            raise DomainError(
                f"column {column.name!r}: a per-unit export is aggregated by the sandbox into "
                f"dimensions, a count and sums; role {column.role!r} is not computed there",
                rule="EXP-2",
                field="columns",
            )
    counts = [c for c in columns if c.role == "count"]
    if len(counts) > 1:
        raise DomainError("a per-unit export has at most one count", rule="EXP-2", field="columns")
    staged = [c for c in columns if c.role == "dimension"]
    staged += counts or [OutputColumn(name=UNITS_COLUMN, role="units")]
    for column in columns:
        if column.role == "sum":
            staged.append(column)
            staged += [
                OutputColumn(name=f"{column.name}_{role}", role=role, of=column.name)
                for role in SUMMARIES
            ]
    names = [c.name for c in staged]
    repeated = sorted({n for n in names if names.count(n) > 1} | ({unit} & set(names)))
    if repeated:
        raise DomainError(
            f"the staged per-unit columns would repeat {', '.join(repeated)}: rename them",
            rule="EXP-2",
            field="columns",
        )
    return staged
