"""The automated disclosure check report (自动检查报告) of one export (EXP-2, SBX-6).

``run_checks`` runs every check that applies to the output and returns a report with a
content hash: SHA-256 over the canonical JSON of the report (``contracts.canonical``),
so the human reviewer, the bureau and ``export.approved`` all name the same report. The
report names the output by a digest of its content that ignores row order, states the
settings it applied, and holds no time: the same output under the same settings and
history gives the same hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from itertools import repeat
from operator import add, mul

from contracts.canonical import canonical_json_of_plain, is_plain, sha256_hex
from services.product_release.domain.check_results import CheckResult
from services.product_release.domain.differencing import (
    EXACT_NESTING,
    NestingFinder,
    ReleasedCell,
    check_earlier_exports,
    check_margins,
)
from services.product_release.domain.model_checks import (
    check_model_identifiers,
    check_residual_dof,
    check_reversible,
)
from services.product_release.domain.outputs import (
    GrantItem,
    ModelArtefact,
    Output,
    OutputTable,
    TableColumns,
    Value,
    columns_of,
    shape_of,
)
from services.product_release.domain.settings import ExportCheckSettings
from services.product_release.domain.table_checks import (
    check_cell_counts,
    check_dominance,
    check_identifiers,
    check_row_level,
    check_summaries_per_unit,
    view_of,
)


@dataclass(frozen=True, slots=True)
class CheckReport:
    output_name: str
    output_kind: str
    output_digest: str
    settings: dict[str, object]
    checks: tuple[CheckResult, ...]
    content_hash: str

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def failed_checks(self) -> tuple[str, ...]:
        return tuple(check.name for check in self.checks if not check.passed)

    def as_record(self) -> dict[str, object]:
        """Everything the content hash covers."""
        return {
            "output_name": self.output_name,
            "output_kind": self.output_kind,
            "output_digest": self.output_digest,
            "settings": self.settings,
            "passed": self.passed,
            "checks": [check.as_record() for check in self.checks],
        }


def table_digest(table: OutputTable, columns: TableColumns | None = None) -> str:
    """SHA-256 of the table's canonical content with its rows sorted (by their Python
    ``repr``), so the order the sandbox returned them in does not count.

    A table of text, integers, booleans and ``None`` (the usual output) is written by
    ``msgspec`` (``canonical_json_of_plain``): the same bytes ``json.dumps`` writes,
    without walking ten thousand rows in Python; any other table takes ``json.dumps``."""
    head: dict[str, object] = {
        "name": table.name,
        "columns": [[c.name, c.role.value, c.of, c.source] for c in table.columns],
        "universe": table.universe,
        "filters": [f.as_record() for f in table.filters],
        "total_marker": table.total_marker,
        "distinct_units": table.distinct_units,
    }
    if is_plain(head) and _plain_rows(table.rows, len(table.columns), columns):
        ordered = _in_repr_order(table.rows, columns)
        return hashlib.sha256(canonical_json_of_plain(head | {"rows": ordered})).hexdigest()
    return sha256_hex(head | {"rows": sorted(table.rows, key=repr)})


_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def _plain_rows(
    rows: Sequence[tuple[Value, ...]], width: int, columns: TableColumns | None
) -> bool:
    """Every row a tuple of ``width`` values of exactly ``str``, ``int``, ``bool`` or
    ``None`` — what ``msgspec`` writes as ``json.dumps`` does (``canonical_json``);
    told column by column (from ``columns``, the rows' own, where given)."""
    if set(map(type, rows)) - {tuple}:
        return False
    if columns is not None:
        return all(kinds <= _PLAIN_TYPES for kinds in columns.kinds)
    if set(map(len, rows)) - {width}:
        return False
    return all(set(map(type, column)) <= _PLAIN_TYPES for column in zip(*rows, strict=True))


_RANKED_TYPES = (frozenset({str, int, type(None)}), frozenset({str, bool, type(None)}))
"""Value types of a column ranked by the ``repr`` of its distinct values: no two equal
values of these (one dict key) have different ``repr``s, as ``True == 1`` and
``0.0 == -0.0`` would."""


def _in_repr_order(
    rows: Sequence[tuple[Value, ...]], columns: TableColumns | None
) -> list[tuple[Value, ...]]:
    """``sorted(rows, key=repr)``, from the leading columns where they tell the rows
    apart.

    A row's ``repr`` is its values' ``repr``s joined by ``", "`` in parentheses, and
    comparing two is comparing the values' ``repr``s one after the other: where one is
    a strict prefix of the other (only integers, ``"12"`` and ``"123"``: a quoted text
    ends at its quote) the shorter is followed by ``","`` or ``")"``, below every
    digit, and sorts first either way. So the first columns' distinct values are
    ranked by ``repr``, column after column, until the ranks tell every row apart; the
    rows are sorted by them (one integer per row). Where no leading columns of text,
    integers and ``None`` (or booleans) tell them apart, ``repr`` itself sorts them."""
    count = len(rows)
    if columns is None or count < 2:
        return sorted(rows, key=repr)
    keys: list[int] | None = None
    for values, kinds in zip(columns.values, columns.kinds, strict=True):
        if not any(kinds <= allowed for allowed in _RANKED_TYPES):
            break
        distinct = sorted(dict.fromkeys(values), key=repr)
        rank = {value: at for at, value in enumerate(distinct)}
        ranks = map(rank.__getitem__, values)
        if keys is None:
            keys = list(ranks)
        else:
            keys = list(map(add, map(mul, keys, repeat(len(distinct))), ranks))
        if len(set(keys)) == count:
            return [rows[at] for at in sorted(range(count), key=keys.__getitem__)]
    return sorted(rows, key=repr)


def model_digest(model: ModelArtefact) -> str:
    return sha256_hex(asdict(model))


def table_results(
    table: OutputTable,
    settings: ExportCheckSettings,
    grant_items: Sequence[GrantItem],
    earlier: Sequence[ReleasedCell],
    per_unit: bool | None = None,
    nesting: NestingFinder = EXACT_NESTING,
    columns: TableColumns | None = None,
) -> list[CheckResult]:
    shape_of(table)  # a malformed output is refused before any check runs
    if columns is None:
        columns = columns_of(table)
    identifiers, flagged = check_identifiers(table, grant_items, columns)
    view = view_of(table, redacted=flagged, columns=columns)
    provenance = [] if per_unit is None else [check_summaries_per_unit(view, per_unit)]
    return [
        *check_cell_counts(view, settings),
        *check_dominance(view, settings),
        *provenance,
        identifiers,
        check_row_level(view),
        check_margins(view, settings),
        check_earlier_exports(view, earlier, settings, nesting),
    ]


def run_checks(
    output: Output,
    *,
    settings: ExportCheckSettings,
    grant_items: Sequence[GrantItem] = (),
    earlier: Sequence[ReleasedCell] = (),
    per_unit: bool | None = None,
    nesting: NestingFinder = EXACT_NESTING,
) -> CheckReport:
    """Run every automated check on ``output``; ``earlier`` is the developer's history;
    ``per_unit`` says whether the sandbox computed the hidden units and contributions
    per contributing unit (a per-unit export) or the developer's job did (``None``:
    not known, as for an output checked outside an export request). ``nesting`` finds
    the nested cell pairs of the differencing check (EXP-2): exact by default, the array
    adapter ``services.product_release.adapters.array_checks`` where it is wired."""
    if isinstance(output, OutputTable):
        shape_of(output)  # a malformed output is refused before its rows become columns
        columns = columns_of(output)  # once per check, for every check that reads columns
        kind, digest = "table", table_digest(output, columns)
        results = table_results(output, settings, grant_items, earlier, per_unit, nesting, columns)
    else:
        kind, digest = "model", model_digest(output)
        results = [
            check_residual_dof(output, settings),
            check_reversible(output, settings),
            check_model_identifiers(output, grant_items),
        ]
    draft = CheckReport(
        output_name=output.name,
        output_kind=kind,
        output_digest=digest,
        settings=settings.as_record(),
        checks=tuple(results),
        content_hash="",
    )
    return replace(draft, content_hash=sha256_hex(draft.as_record()))
