"""Cell-level disclosure checks of a statistical table (EXP-2, SBX-6), after ACRO/SACRO.

- minimum cell count: every released cell rests on at least ``min_cell_count`` units;
- zero cells: a released cell of zero units is disclosive (it tells that nobody in the
  group has the attribute) unless the jurisdiction allows it;
- dominance (n,k): in a magnitude cell the largest contribution is at most 85% and the
  two largest at most 90% of the cell total;
- p-ratio: what remains after the two largest is at least 10% of the largest, so the
  second largest cannot estimate the largest within 10%;
- direct identifiers: no declared identifier column, no dimension that shows a grade-4
  catalog item, no value that is a resident ID, phone number or credit code;
- row-level data: one row per person or firm is an extract, not a statistic (SBX-6).

Besides the released values the sandbox hands over, per magnitude cell, its two
largest contributions by size and — where contributions can be negative or alike — the
smallest contribution and the sum of absolute contributions, all computed per
contributing unit (firm, person), not per record. Three edges (EXP-2):

- negative contributions (refunds, corrections): a cell holding one is judged on
  absolute values — dominance and p-ratio against the sum of absolute contributions,
  or the least that sum can be when it is not handed over — and listed for the human
  reviewer with the reason (``negative_contributions``);
- exact boundaries: integers stay integers and decimals are compared as rationals,
  never binary floats, so a cell exactly at 85% / 90% / 10% passes ("more than");
- group disclosure: a cell whose contributors all hold one value tells each of them
  the others' values and fails, a shared zero only where the jurisdiction allows it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import cast

from services.product_release.domain.check_results import CheckResult, Offence, notice, verdict
from services.product_release.domain.identifiers import identifier_kinds
from services.product_release.domain.outputs import (
    HIDDEN_ROLES,
    MAGNITUDE_ROLES,
    Column,
    GrantItem,
    OutputTable,
    Role,
    TableColumns,
    TableShape,
    Value,
    columns_of,
    shape_of,
)
from services.product_release.domain.settings import ExportCheckSettings

TOTAL_LABEL = "(total)"
REDACTED = "(redacted)"
EXP_2 = ("EXP-2",)


Exact = int | Fraction
"""A number compared without rounding: an integer, or a rational."""
Number = int | float | Fraction


def number(value: Value) -> float | int | None:
    kind = type(value)
    if kind is int or kind is float:  # the common case, told apart without isinstance
        return value  # type: ignore[return-value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def exact(value: Value | Fraction) -> Exact | None:
    """A cell value as an exact number (EXP-2 boundaries): integers (fen, counts) as
    they are; a float as the decimal it prints as — the shortest decimal that reads
    back as it, i.e. the decimal the sandbox's DECIMAL column or JSON held — never its
    binary expansion; anything else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Fraction):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else Fraction(repr(value))
    return None


def as_exact(value: Number) -> Exact:
    found = exact(value)
    if found is None:
        raise ValueError(f"not a finite number: {value!r}")
    return found


def whole(value: Value) -> int | None:
    n = number(value)
    if n is None:
        return None
    if isinstance(n, float):
        return int(n) if n.is_integer() else None
    return n


@dataclass(frozen=True, slots=True)
class TableView:
    """A validated table with what every check needs, computed once."""

    table: OutputTable
    shape: TableShape
    keys: tuple[tuple[Value, ...], ...]
    units: tuple[int | None, ...]
    redacted: frozenset[int]
    """Column positions whose values never appear in a report (identifiers found)."""
    columns: TableColumns
    """The rows as columns, made once per check (``columns_of``)."""
    memo: dict[object, object] = field(default_factory=dict, compare=False, repr=False)
    """What one check computed and another reuses (margin equations and solutions)."""

    def is_margin(self, key: tuple[Value, ...]) -> bool:
        marker = self.table.total_marker
        if marker is None:
            return None in key  # only None equals None
        return any(value == marker and type(value) is type(marker) for value in key)

    def has_margins(self) -> bool:
        """Some row is a margin (a dimension at the total marker); computed once, from
        the dimension columns' value types (a column without the marker's type holds no
        margin) and, only where the type is there, the column's values."""
        found = self.memo.get("has_margins")
        if found is None:
            marker = self.table.total_marker
            kind = type(marker)
            found = False
            for position in self.shape.dimensions:
                if kind not in self.columns.kinds[position]:
                    continue
                values = self.columns.values[position]
                if marker is None or any(v == marker and type(v) is kind for v in values):
                    found = True
                    break
            self.memo["has_margins"] = found
        return bool(found)

    def label(self, row: int) -> dict[str, object]:
        marker = self.table.total_marker
        out: dict[str, object] = {}
        for position, value in zip(self.shape.dimensions, self.keys[row], strict=True):
            name = self.table.columns[position].name
            if position in self.redacted:
                out[name] = REDACTED
            elif value == marker and type(value) is type(marker):
                out[name] = TOTAL_LABEL
            else:
                out[name] = value
        return out

    def released(self, row: int) -> list[str]:
        values = self.table.rows[row]
        return [self.table.columns[p].name for p in self.shape.measures if values[p] is not None]


def view_of(
    table: OutputTable, redacted: frozenset[int] = frozenset(), columns: TableColumns | None = None
) -> TableView:
    """The table's view for the checks; ``columns`` are its rows as columns where the
    caller made them already (``columns_of``)."""
    shape = shape_of(table)
    if columns is None:
        columns = columns_of(table)
    dims = shape.dimensions
    if dims:
        keys = tuple(zip(*(columns.values[p] for p in dims), strict=True))
    else:
        keys = ((),) * len(table.rows)
    source = shape.units if shape.units is not None else shape.count
    if source is None:
        units: tuple[int | None, ...] = (None,) * len(table.rows)
    else:
        column = columns.values[source]
        # plain integers are their own whole number; anything else is read one by one
        units = (
            cast(tuple[int, ...], column)
            if columns.kinds[source] <= {int}
            else tuple(map(whole, column))
        )
    return TableView(table, shape, keys, units, redacted, columns)


def check_cell_counts(view: TableView, settings: ExportCheckSettings) -> list[CheckResult]:
    """EXP-2 minimum cell count and zero cells, over every row with a released measure."""
    small: list[Offence] = []
    zeros: list[Offence] = []
    count_position = view.shape.count
    least = max(settings.min_cell_count, 1)
    rows = view.table.rows
    for row in range(len(view.keys)):
        units = view.units[row]
        if (
            units is not None
            and units >= least
            and (count_position is None or rows[row][count_position] != 0)
        ):
            continue  # neither unknown, zero nor small: nothing to report
        released = view.released(row)
        if not released:
            continue
        units = view.units[row]
        shown_count = (
            whole(view.table.rows[row][count_position]) if count_position is not None else None
        )
        if units is None:
            small.append(
                {
                    "row": view.label(row),
                    "columns": released,
                    "detail": "units unknown: the sandbox hands over a units or count column",
                }
            )
        elif units == 0 or shown_count == 0:
            zeros.append({"row": view.label(row), "columns": released})
        elif units < settings.min_cell_count:
            small.append(
                {
                    "row": view.label(row),
                    "columns": released,
                    "units": units,
                    "detail": f"{units} units, fewer than {settings.min_cell_count}",
                }
            )
    threshold = verdict(
        "minimum_cell_count",
        EXP_2,
        small,
        passed=f"every released cell rests on at least {settings.min_cell_count} units",
        failed=f"cells below the minimum count of {settings.min_cell_count}: suppress them",
    )
    if not settings.zero_cells_disclosive:
        zero = CheckResult("zero_cells", EXP_2, True, "zero cells allowed by jurisdiction setting")
    else:
        zero = verdict(
            "zero_cells",
            EXP_2,
            zeros,
            passed="no released cell is zero",
            failed="zero cells disclose that nobody in the group has the attribute",
        )
    return [threshold, zero]


def dominance_problems(
    total: Number, largest: Number, second: Number, settings: ExportCheckSettings
) -> tuple[str | None, str | None]:
    """(dominance, p-ratio) findings for one magnitude cell, ``None`` where it is safe.

    Decided in exact arithmetic (EXP-2): the rules say "more than" 85% / 90% and "less
    than" 10%, so a cell exactly on a limit passes, whatever binary floats would say."""
    exact_total, top, runner_up = as_exact(total), as_exact(largest), as_exact(second)
    dominance: str | None = None
    if top * 100 > settings.dominance_largest_percent * exact_total:
        dominance = (
            f"largest contribution exceeds {settings.dominance_largest_percent}% of the cell"
            + _share(top, exact_total)
        )
    elif (top + runner_up) * 100 > settings.dominance_top_two_percent * exact_total:
        dominance = (
            f"two largest contributions exceed {settings.dominance_top_two_percent}% of the cell"
            + _share(top + runner_up, exact_total)
        )
    p_ratio: str | None = None
    if (exact_total - top - runner_up) * 100 < settings.p_ratio_percent * top:
        p_ratio = (
            f"the rest after the two largest is under {settings.p_ratio_percent}% of the largest"
        )
    return dominance, p_ratio


def _share(part: Exact, whole_cell: Exact) -> str:
    return f" ({float(100 * Fraction(part) / whole_cell):.1f}%)" if whole_cell > 0 else ""


@dataclass(frozen=True, slots=True)
class Contributions:
    """What the sandbox handed over of one magnitude cell's contributions, exactly."""

    units: int | None
    total: Exact
    """The cell total (a mean times its units)."""
    first: Exact
    second: Exact
    smallest: Exact | None = None
    absolute: Exact | None = None
    """The sum of absolute contributions, where handed over."""

    def negative(self) -> str | None:
        """Why the cell holds a negative contribution, or ``None`` when none is seen (EXP-2).

        Seen from the smallest contribution, a negative top-2 value, or a total below
        the two largest contributions (only negative ones can pull it under them)."""
        if self.smallest is not None and self.smallest < 0:
            return f"the smallest contribution is negative ({_shown(self.smallest)})"
        if self.first < 0 or self.second < 0:
            return "one of the two largest contributions is negative"
        if self.total < self.first + self.second:
            return (
                f"the cell total ({_shown(self.total)}) is below its two largest "
                "contributions: some contributions are negative"
            )
        return None

    def by_size(self) -> tuple[Exact, Exact] | str:
        """The two largest contributions by absolute value, or why they cannot be told.

        The sandbox hands over the top two by size (with their sign), and with a negative
        contribution also the smallest one: without it the negative contributions' size
        is unknown; and a smallest contribution larger in size than the second and not
        one of the two shows the top two were not taken by size."""
        if self.smallest is None:
            return (
                "a negative contribution, and no smallest contribution (min) handed over: "
                "dominance on absolute values cannot be judged"
            )
        first, second = size_of(self.first), size_of(self.second)
        if self.smallest not in (self.first, self.second) and size_of(self.smallest) > second:
            return (
                "the smallest contribution is larger in size than the second largest handed "
                "over: the top two are not the largest by absolute value"
            )
        return (first, second) if first >= second else (second, first)

    def absolute_total(self, largest: Exact, second: Exact) -> tuple[Exact, bool]:
        """The sum of absolute contributions and whether it is exact; otherwise the least
        it can be, which judges dominance and p-ratio on the safe side (shares only
        grow as the total shrinks). With signed total T = P − N and absolute total
        P + N: P + N = T + 2N = 2P − T, where N and P are at least the negative and
        positive contributions handed over."""
        if self.absolute is not None:
            return self.absolute, True
        seen = [self.first, self.second]
        if self.smallest is not None and self.smallest not in seen:
            seen.append(self.smallest)
        negatives: Exact = sum((size_of(v) for v in seen if v < 0), start=0)
        positives: Exact = sum((v for v in seen if v > 0), start=0)
        least: list[Exact] = [
            size_of(self.total),
            largest + second,
            self.total + 2 * negatives,
            2 * positives - self.total,
        ]
        return max(least), False

    def all_alike(self) -> Exact | None:
        """The one value every contributor holds, or ``None`` when they differ or it
        cannot be told (EXP-2 group disclosure). Exact: with every contribution at most
        the largest (or at least the smallest), a total of units × that value means
        each contribution is that value."""
        if self.units is None or self.units < 2 or self.first != self.second:
            return None  # all alike, the two largest are the same value
        if self.negative() is None and self.total == self.units * self.first:
            return self.first
        if self.smallest == self.first and self.total == self.units * self.first:
            return self.first
        return None


def size_of(value: Exact) -> Exact:
    """The absolute value, typed as exact."""
    return -value if value < 0 else value


def _shown(value: Exact) -> str:
    return str(value) if isinstance(value, int) or value.denominator == 1 else str(float(value))


_MARGIN = 1e-9
"""Relative gap beyond which a float comparison of cell values decides as the exact one
would: a decimal read as a float is off by at most half a unit in the 16th digit."""


def _apart(left: float, right: float) -> bool:
    return abs(left - right) > _MARGIN * (abs(left) + abs(right))


def clearly_safe(
    values: tuple[Value, ...],
    position: int,
    column: Column,
    units: int | None,
    summaries: dict[Role, int],
    settings: ExportCheckSettings,
) -> bool:
    """A float cell that is safe whatever the rounding: no negative contribution, its
    two largest differing, and every rule decided far from its limit. Only a shortcut
    past the exact arithmetic of ``cell_contributions``: anything near a limit, any
    integer-only cell and any finding take the exact way (EXP-2)."""
    shown = values[position]
    if not isinstance(shown, float) or not math.isfinite(shown):
        return False
    if column.role is Role.MEAN:
        if units is None:
            return False
        shown *= units
    tops: list[float] = []
    for role in (Role.TOP1, Role.TOP2):
        found = values[summaries[role]]
        if found is None:
            found = 0.0
        if isinstance(found, bool) or not isinstance(found, int | float) or found < 0:
            return False
        tops.append(float(found))
    smallest = values[summaries[Role.MIN]] if Role.MIN in summaries else None
    if smallest is not None and (not isinstance(smallest, int | float) or smallest < 0):
        return False
    first, second = tops
    rest = shown - first - second
    return (
        first != second
        and math.isfinite(rest)
        and rest > 0
        and _apart(shown, first + second)
        and first * 100 < settings.dominance_largest_percent * shown
        and _apart(first * 100, settings.dominance_largest_percent * shown)
        and (first + second) * 100 < settings.dominance_top_two_percent * shown
        and _apart((first + second) * 100, settings.dominance_top_two_percent * shown)
        and rest * 100 > settings.p_ratio_percent * first
        and _apart(rest * 100, settings.p_ratio_percent * first)
    )


def integers_safe(
    values: tuple[Value, ...],
    position: int,
    column: Column,
    units: int | None,
    summaries: dict[Role, int],
    settings: ExportCheckSettings,
) -> bool:
    """A cell of plain integers (fen, counts) that passes every rule of
    ``check_dominance``, decided in integer arithmetic, which is exact (EXP-2): no
    negative contribution, dominance and p-ratio within their limits, the two largest
    differing (so not all contributors alike). The same conditions the exact path
    (``cell_contributions``, ``dominance_problems``, ``Contributions.all_alike``)
    applies, without building its objects; anything else takes that path."""
    if values[position] is None:
        return False
    return not IntegerShortcut(position, column, summaries, settings).rest((values,), (units,))


class IntegerShortcut:
    """``integers_safe`` over a whole magnitude column (EXP-2): the column's positions
    and the limits are looked up once, then one loop over the rows."""

    __slots__ = ("first", "largest", "mean", "position", "ratio", "second", "smallest", "two")

    def __init__(
        self,
        position: int,
        column: Column,
        summaries: dict[Role, int],
        settings: ExportCheckSettings,
    ) -> None:
        self.position = position
        self.mean = column.role is Role.MEAN
        self.first = summaries[Role.TOP1]
        self.second = summaries[Role.TOP2]
        self.smallest = summaries.get(Role.MIN)
        self.largest = settings.dominance_largest_percent
        self.two = settings.dominance_top_two_percent
        self.ratio = settings.p_ratio_percent

    def rest(self, rows: Sequence[tuple[Value, ...]], units: Sequence[int | None]) -> list[int]:
        """The rows of released cells the shortcut does not pass: they take the exact
        way. A suppressed cell (``None``) is neither passed nor left."""
        left: list[int] = []
        position, at_first, at_second, at_smallest = (
            self.position,
            self.first,
            self.second,
            self.smallest,
        )
        largest, two, ratio, mean = self.largest, self.two, self.ratio, self.mean
        for row, values in enumerate(rows):
            shown = values[position]
            if shown is None:
                continue
            if type(shown) is not int:
                left.append(row)
                continue
            if mean:
                unit = units[row]
                if unit is None:
                    left.append(row)
                    continue
                shown *= unit
            first = values[at_first]
            second = values[at_second]
            first = 0 if first is None else first
            second = 0 if second is None else second
            if type(first) is not int or type(second) is not int or first < 0 or second < 0:
                left.append(row)
                continue
            if at_smallest is not None:
                smallest = values[at_smallest]
                if smallest is not None and (type(smallest) is not int or smallest < 0):
                    left.append(row)
                    continue
            if not (
                first != second
                and shown >= first + second
                and not first * 100 > largest * shown
                and not (first + second) * 100 > two * shown
                and not (shown - first - second) * 100 < ratio * first
            ):
                left.append(row)
        return left


def cell_contributions(
    view: TableView, row: int, column: Column, summaries: dict[Role, int]
) -> Contributions | None:
    """The contributions of one released magnitude cell, ``None`` when it is suppressed
    or a mean without units (the minimum-count check fails that one)."""
    values = view.table.rows[row]
    shown = exact(values[view.table.index(column.name)])
    if shown is None:
        return None
    units = view.units[row]
    if column.role is Role.MEAN:
        if units is None:
            return None
        total: Exact = shown * units
    else:
        total = shown

    def hidden(role: Role) -> Exact | None:
        position = summaries.get(role)
        return None if position is None else exact(values[position])

    return Contributions(
        units=units,
        total=total,
        first=hidden(Role.TOP1) or 0,
        second=hidden(Role.TOP2) or 0,
        smallest=hidden(Role.MIN),
        absolute=hidden(Role.ABS_TOTAL),
    )


def check_dominance(view: TableView, settings: ExportCheckSettings) -> list[CheckResult]:
    """EXP-2 (n,k) dominance and p-ratio over every released magnitude cell; a cell
    with a negative contribution is judged on absolute values and marked for the
    reviewer (``negative_contributions``); a cell whose contributors all hold one value
    fails ``group_disclosure`` (a shared zero only where the jurisdiction says so)."""
    dominated: list[Offence] = []
    p_failed: list[Offence] = []
    negatives: list[Offence] = []
    alike: list[Offence] = []
    table = view.table
    for position, column in enumerate(table.columns):
        if column.role not in MAGNITUDE_ROLES:
            continue
        summaries = view.shape.summaries.get(column.name, {})
        if Role.TOP1 not in summaries or Role.TOP2 not in summaries:
            if all(values[position] is None for values in table.rows):
                continue
            missing: Offence = {
                "column": column.name,
                "detail": "no top-2 contributor summary handed over: dominance cannot be judged",
            }
            dominated.append(missing)
            p_failed.append(missing)
            continue
        shortcut = IntegerShortcut(position, column, summaries, settings)
        for row in shortcut.rest(table.rows, view.units):
            values = table.rows[row]
            if clearly_safe(values, position, column, view.units[row], summaries, settings):
                continue
            cell = cell_contributions(view, row, column, summaries)
            if cell is None:
                continue
            where: Offence = {"row": view.label(row), "column": column.name}
            negative = cell.negative()
            if negative is None:
                dominance, p_ratio = dominance_problems(
                    cell.total, cell.first, cell.second, settings
                )
            else:
                sizes = cell.by_size()
                if isinstance(sizes, str):
                    dominance = p_ratio = sizes
                    judged = "not judged: " + sizes
                else:
                    absolute, known = cell.absolute_total(*sizes)
                    dominance, p_ratio = dominance_problems(absolute, *sizes, settings)
                    judged = "dominance and p-ratio judged on absolute values" + (
                        "" if known else ", against the least absolute total possible"
                    )
                    dominance = dominance and dominance + " (absolute values)"
                    p_ratio = p_ratio and p_ratio + " (absolute values)"
                negatives.append(
                    where
                    | {
                        "detail": f"{negative}; {judged}; "
                        "the reviewer judges whether the cell reveals it"
                    }
                )
            if dominance:
                dominated.append(where | {"detail": dominance})
            if p_ratio:
                p_failed.append(where | {"detail": p_ratio})
            value = cell.all_alike()
            if value is not None and (value != 0 or settings.shared_zero_disclosive):
                alike.append(
                    where
                    | {
                        "units": cell.units,
                        "detail": f"all {cell.units} contributors hold the same value: "
                        "each learns every other's",
                    }
                )
    return [
        verdict(
            "dominance",
            EXP_2,
            dominated,
            passed="no magnitude cell is dominated by one or two contributors",
            failed="dominated cells reveal their largest contributors: suppress them",
        ),
        verdict(
            "p_ratio",
            EXP_2,
            p_failed,
            passed="in every magnitude cell the others mask the largest contributor",
            failed="the second largest contributor could estimate the largest: suppress them",
        ),
        notice(
            "negative_contributions",
            EXP_2,
            negatives,
            none="no magnitude cell holds a negative contribution",
            found="cells with negative contributions, judged on absolute values: "
            "for the reviewer to look at",
        ),
        verdict(
            "group_disclosure",
            EXP_2,
            alike,
            passed="no magnitude cell has contributors that all hold one value"
            + ("" if settings.shared_zero_disclosive else " (a shared zero allowed by setting)"),
            failed="a cell whose contributors all hold one value tells each their value: "
            "suppress it",
        ),
    ]


def check_summaries_per_unit(view: TableView, per_unit: bool) -> CheckResult:
    """EXP-2: who computed the hidden units and contributions the cell rules relied on.

    A notice for the reviewer: in a per-unit export the sandbox summed the records per
    firm or person itself; otherwise the developer's job computed them, and a job that
    counts records instead of units (a firm filing three returns counted three times)
    would hide a dominant contributor, so the reviewer confirms the job's SQL does."""
    name, rules = "contributions_per_unit", EXP_2
    if per_unit:
        return CheckResult(
            name, rules, True, "units and contributions computed by the sandbox, per unit"
        )
    table, shape = view.table, view.shape
    findings: list[Offence] = []
    source = shape.units if shape.units is not None else shape.count
    if source is not None and any(view.released(row) for row in range(len(table.rows))):
        findings.append(
            {
                "column": table.columns[source].name,
                "detail": "units per cell computed by the developer's job: confirm it counts "
                "distinct firms or persons, not records",
            }
        )
    for position, column in enumerate(table.columns):
        if column.role in MAGNITUDE_ROLES and any(row[position] is not None for row in table.rows):
            findings.append(
                {
                    "column": column.name,
                    "detail": "top contributions computed by the developer's job: confirm "
                    "they are per firm or person, not per record",
                }
            )
    return notice(
        name,
        rules,
        findings,
        none="nothing released rests on units or contributions the developer computed",
        found="columns whose hidden units or contributions the developer's job computed: "
        "for the reviewer to confirm (a unit_id column has the sandbox compute them)",
    )


def check_identifiers(
    table: OutputTable, grant_items: Sequence[GrantItem], columns: TableColumns | None = None
) -> tuple[CheckResult, frozenset[int]]:
    """EXP-2 no direct identifiers; also returns the columns whose values must be redacted.

    Only text is searched, and whole numbers in dimension and identifier columns: a
    column whose types (``columns``, made here if not given) include neither is not
    read value by value."""
    if columns is None:
        columns = columns_of(table)
    grade_four = {item.name for item in grant_items if item.grade >= 4}
    offences: list[Offence] = []
    flagged: set[int] = set()
    for position, column in enumerate(table.columns):
        if column.role in HIDDEN_ROLES:
            continue
        if column.role is Role.IDENTIFIER:
            offences.append({"column": column.name, "detail": "declared as an identifier"})
            flagged.add(position)
        if column.role is Role.DIMENSION and column.item in grade_four:
            offences.append(
                {"column": column.name, "detail": f"shows grade-4 data item {column.item!r}"}
            )
            flagged.add(position)
        numbers_count = column.role in (Role.DIMENSION, Role.IDENTIFIER)
        found: Counter[str] = Counter()
        if not numbers_count and not any(issubclass(k, str) for k in columns.kinds[position]):
            continue  # no text, and numbers do not count here: nothing to find
        column_values = list(columns.values[position])
        for value in dict.fromkeys(column_values):  # distinct, in first-seen order
            if isinstance(value, str) or (numbers_count and whole(value) is not None):
                kinds = identifier_kinds(str(value))
                if kinds:
                    times = column_values.count(value)
                    for kind in kinds:
                        found[kind] += times
        for kind, times in found.items():
            offences.append({"column": column.name, "kind": kind, "values": times})
            flagged.add(position)
    result = verdict(
        "direct_identifiers",
        EXP_2,
        offences,
        passed="no identifier column, grade-4 dimension or identifier value",
        failed="direct identifiers never leave the sandbox",
    )
    return result, frozenset(flagged)


def check_row_level(view: TableView) -> CheckResult:
    """EXP-2 and SBX-6: an output with one row per person or firm is an extract."""
    offences: list[Offence] = []
    table = view.table
    if table.rows and not view.shape.measures:
        offences.append({"detail": "no aggregate column: every row is a record"})
    repeated = len(view.keys) - len(set(view.keys))  # every repeat beyond a key's first
    if repeated:
        offences.append(
            {
                "detail": "rows repeat the same dimension values: not a grouped table",
                "rows": repeated,
            }
        )
    if view.has_margins():
        data_rows = [row for row, key in enumerate(view.keys) if not view.is_margin(key)]
    else:
        data_rows = list(range(len(view.keys)))
    if table.distinct_units and data_rows and len(data_rows) >= table.distinct_units:
        offences.append(
            {
                "detail": "as many rows as distinct units: one row per unit",
                "rows": len(data_rows),
                "distinct_units": table.distinct_units,
            }
        )
    data_units = (
        [view.units[row] for row in data_rows] if len(data_rows) < len(view.keys) else view.units
    )
    if data_units and all(u is not None and u <= 1 for u in data_units):
        offences.append({"detail": "every row rests on a single unit", "rows": len(data_rows)})
    return verdict(
        "row_level_data",
        ("EXP-2", "SBX-6"),
        offences,
        passed="a grouped table, not one row per person or firm",
        failed="row-level personal data could restore the raw data",
    )
