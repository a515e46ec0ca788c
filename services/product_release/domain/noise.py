"""Optional differential-privacy noise on the released counts of a table (差分隐私加噪).

Theory of operation. Each unit falls in exactly one cell of each *grouping* of a table
(the data cells are one grouping, each kind of margin another), so adding or removing
one unit changes at most ``groupings × count columns`` released counts by one: that is
the L1 sensitivity, and Laplace noise of scale ``sensitivity / ε`` makes the released
counts ε-differentially private. Noisy counts are rounded and clamped at zero
(post-processing keeps the guarantee). Sums are left alone: they need a per-unit
contribution bound clamped inside the sandbox first. Suppressed cells stay suppressed.

The randomness comes through the ``CountNoise`` port (OpenDP in
``services/product_release/adapters/noise.py``); the domain only decides what is noised
and by how much.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from contracts.errors import DomainError
from services.product_release.domain.outputs import OutputTable, Role, Value
from services.product_release.domain.table_checks import view_of, whole


class CountNoise(Protocol):
    """Adds Laplace noise of ``scale`` to integer counts.

    Not idempotent by nature: every call draws fresh noise, so a caller noises an output
    once and stores the result; noising it again would spend the privacy budget twice.
    """

    def add_laplace(self, counts: Sequence[int], scale: float) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class NoiseApplied:
    epsilon: float
    sensitivity: int
    scale: float
    columns: tuple[str, ...]


def add_count_noise(
    table: OutputTable, noise: CountNoise, epsilon: float
) -> tuple[OutputTable, NoiseApplied]:
    """The table with Laplace noise on every released count, and what was applied."""
    if not epsilon > 0:
        raise DomainError("the privacy budget ε must be positive", field="epsilon")
    view = view_of(table)
    marker = table.total_marker
    groupings = {tuple(v == marker and type(v) is type(marker) for v in key) for key in view.keys}
    counted = [p for p, c in enumerate(table.columns) if c.role is Role.COUNT]
    sensitivity = max(1, len(groupings) * len(counted))
    scale = sensitivity / epsilon
    rows = [list(row) for row in table.rows]
    for position in counted:
        places = [r for r, row in enumerate(rows) if whole(row[position]) is not None]
        noisy = noise.add_laplace([whole(rows[r][position]) or 0 for r in places], scale)
        for r, value in zip(places, noisy, strict=True):
            rows[r][position] = max(0, value)
    noised: tuple[tuple[Value, ...], ...] = tuple(tuple(row) for row in rows)
    applied = NoiseApplied(
        epsilon=epsilon,
        sensitivity=sensitivity,
        scale=scale,
        columns=tuple(table.columns[p].name for p in counted),
    )
    return replace(table, rows=noised), applied
