"""EXP-2: the checks read the staged rows as columns made once per check, and give what
the row-by-row code gave — the same output digest, byte for byte (it names the output in
the report and its content hash, which reviewers and the bureau compare), the same
identifier findings and the same view of keys and units — on random tables."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from operator import itemgetter

from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.canonical import sha256_hex
from services.product_release.domain.check_report import (
    _in_repr_order,
    run_checks,
    table_digest,
)
from services.product_release.domain.check_results import CheckResult, Offence, verdict
from services.product_release.domain.differencing import _each_repeated
from services.product_release.domain.identifiers import identifier_kinds
from services.product_release.domain.outputs import (
    HIDDEN_ROLES,
    Column,
    Constraint,
    GrantItem,
    OutputTable,
    Role,
    Value,
    columns_of,
)
from services.product_release.domain.table_checks import (
    EXP_2,
    check_identifiers,
    view_of,
    whole,
)
from tests.unit.services.product_release.export_factories import count_table, settings_factory


def old_table_digest(table: OutputTable) -> str:
    """The digest as it was computed row by row: ``json.dumps`` of the rows sorted by
    their ``repr`` (the reference the columnar digest must match byte for byte)."""
    return sha256_hex(
        {
            "name": table.name,
            "columns": [[c.name, c.role.value, c.of, c.source] for c in table.columns],
            "rows": sorted(table.rows, key=repr),
            "universe": table.universe,
            "filters": [f.as_record() for f in table.filters],
            "total_marker": table.total_marker,
            "distinct_units": table.distinct_units,
        }
    )


def old_check_identifiers(
    table: OutputTable, grant_items: Sequence[GrantItem]
) -> tuple[CheckResult, frozenset[int]]:
    """The identifier check as it was, reading every column value by value."""
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
        column_values = list(map(itemgetter(position), table.rows))
        for value in dict.fromkeys(column_values):
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


# Values chosen to meet each other: integers whose reprs are prefixes of one another
# ("1", "12", "-1", "-12"), texts with quotes, backslashes, control and non-ASCII
# characters, identifiers (a phone number as text and as a number), huge integers that
# no 64-bit type holds, booleans, floats that equal integers (1.0, -0.0), and None.
ints = st.one_of(
    st.sampled_from([0, 1, 12, 123, -1, -12, 9, 10, 13800138000, 2**64, -(2**63) - 1]),
    st.integers(-(10**20), 10**20),
)
texts = st.one_of(
    st.sampled_from(
        ["", "a", "ab", "'", '"', "a'b", 'a"b', "\\", "\x00\n", "é", "13800138000", "ALL"]
    ),
    st.text(max_size=6),
)
plain_kinds = st.sampled_from(["ints", "texts", "mixed", "bools"])
clashing = st.sampled_from([1, True, 0, False, 1.0, -0.0, 0.0, 2])
"""Equal as dict keys, different as reprs."""
other_values = st.one_of(
    st.floats(allow_nan=False), st.sampled_from([1.0, -0.0, 0.0, True, False, 1, 0])
)


@st.composite
def plain_column(draw: st.DrawFn, length: int, pool_size: int) -> list[Value]:
    kind = draw(plain_kinds)
    if kind == "ints":
        pool: list[Value] = draw(st.lists(ints, min_size=1, max_size=pool_size))
    elif kind == "texts":
        pool = draw(st.lists(texts, min_size=1, max_size=pool_size))
    elif kind == "bools":
        pool = draw(st.lists(st.sampled_from([True, False, "True", None]), min_size=1))
    else:
        pool = draw(st.lists(st.one_of(ints, texts, st.none()), min_size=1, max_size=pool_size))
    return [draw(st.sampled_from(pool)) for _ in range(length)]


@st.composite
def random_tables(draw: st.DrawFn, plain_only: bool = False) -> OutputTable:
    """A table of 1–6 columns and 0–40 rows, its values drawn from small pools so rows
    tie on leading columns (and whole rows repeat) often; sometimes a column of floats
    or booleans among integers, which the columnar path must hand back to ``repr``."""
    width = draw(st.integers(1, 6))
    length = draw(st.integers(0, 40))
    values: list[list[Value]] = []
    for _ in range(width):
        column = draw(plain_column(length, draw(st.integers(1, 12))))
        mixing = draw(st.integers(0, 5))
        if not plain_only and mixing == 0:
            column = [draw(st.one_of(st.just(v), other_values)) for v in column]
        elif not plain_only and mixing == 1:
            column = [draw(clashing) for _ in column]
        values.append(column)
    rows = tuple(zip(*values, strict=True)) if length else ()
    roles = [Role.DIMENSION, Role.COUNT, Role.SUM, Role.STATISTIC, Role.IDENTIFIER]
    columns = tuple(
        Column(f"c{n}", draw(st.sampled_from(roles)) if n else Role.DIMENSION) for n in range(width)
    )
    filters = draw(st.sampled_from([(), (Constraint("region", values=frozenset({"370302"})),)]))
    return OutputTable(
        name=draw(st.sampled_from(["t", "统计表"])),
        columns=columns,
        rows=rows,
        universe="u",
        filters=filters,
        total_marker=draw(st.sampled_from([None, "ALL", 0])),
        distinct_units=draw(st.sampled_from([None, 5])),
    )


@settings(max_examples=200, deadline=None)
@given(random_tables())
def test_EXP_2_the_columnar_digest_is_byte_identical_to_the_row_by_row_one(
    table: OutputTable,
) -> None:
    expected = old_table_digest(table)
    assert table_digest(table, columns_of(table)) == expected
    assert table_digest(table) == expected


@settings(max_examples=200, deadline=None)
@given(random_tables(), st.randoms(use_true_random=False))
def test_EXP_2_ranked_columns_sort_rows_exactly_as_repr_does_ties_kept_in_order(
    table: OutputTable, shuffle: random.Random
) -> None:
    rows = list(table.rows)
    shuffle.shuffle(rows)
    shuffled = OutputTable(table.name, table.columns, tuple(rows))
    ordered = _in_repr_order(shuffled.rows, columns_of(shuffled))
    # the very objects in the very order a stable sort by repr gives
    assert list(map(id, ordered)) == list(map(id, sorted(shuffled.rows, key=repr)))


def test_EXP_2_the_digest_orders_integer_prefixes_and_quotes_as_repr_does() -> None:
    columns = (Column("code", Role.DIMENSION), Column("n", Role.COUNT))
    rows = ((12, 1), (1, 2), (123, 3), (-1, 4), ("'", 5), ('"', 6), (None, 7), (1, 1))
    table = OutputTable("t", columns, rows)
    assert _in_repr_order(rows, columns_of(table)) == sorted(rows, key=repr)
    assert table_digest(table, columns_of(table)) == old_table_digest(table)


@settings(max_examples=150, deadline=None)
@given(random_tables(), st.sampled_from([(), (GrantItem("c0", 4),), (GrantItem("c1", 3),)]))
def test_EXP_2_identifiers_found_on_columns_are_those_found_value_by_value(
    table: OutputTable, grant_items: tuple[GrantItem, ...]
) -> None:
    assert check_identifiers(table, grant_items, columns_of(table)) == old_check_identifiers(
        table, grant_items
    )


def test_EXP_2_a_phone_number_in_a_released_text_measure_is_still_found() -> None:
    columns = (Column("region", Role.DIMENSION), Column("note", Role.STATISTIC))
    table = OutputTable("t", columns, (("370302", "call 13800138000"), ("370303", None)))
    result, flagged = check_identifiers(table, (), columns_of(table))
    assert not result.passed
    assert flagged == {1}


@settings(max_examples=150, deadline=None)
@given(random_tables())
def test_EXP_2_the_view_from_columns_has_the_row_by_row_keys_and_units(
    table: OutputTable,
) -> None:
    view = view_of(table, columns=columns_of(table))
    dims = view.shape.dimensions
    assert view.keys == tuple(tuple(row[p] for p in dims) for row in table.rows)
    source = view.shape.units if view.shape.units is not None else view.shape.count
    expected = (
        (None,) * len(table.rows)
        if source is None
        else tuple(whole(row[source]) for row in table.rows)
    )
    assert view.units == expected
    # margins told from the columns' types are the rows the key-by-key test finds
    assert view.has_margins() == any(map(view.is_margin, view.keys))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.integers(), st.none())), st.integers(0, 4))
def test_EXP_2_cells_repeat_each_row_in_order(items: list[int | None], times: int) -> None:
    assert _each_repeated(items, times) == [item for item in items for _ in range(times)]


def test_EXP_2_run_checks_reports_the_row_by_row_digest() -> None:
    table = count_table()
    report = run_checks(table, settings=settings_factory())
    assert report.output_digest == old_table_digest(table)
