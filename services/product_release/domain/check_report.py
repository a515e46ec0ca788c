"""The automated disclosure check report (自动检查报告) of one export (EXP-2, SBX-6).

``run_checks`` runs every check that applies to the output and returns a report with a
content hash: SHA-256 over the canonical JSON of the report (``contracts.canonical``),
so the human reviewer, the bureau and ``export.approved`` all name the same report. The
report names the output by a digest of its content that ignores row order, states the
settings it applied, and holds no time: the same output under the same settings and
history gives the same hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace

from contracts.canonical import sha256_hex
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


def table_digest(table: OutputTable) -> str:
    """SHA-256 of the table's canonical content with its rows sorted (by their Python
    ``repr``), so the order the sandbox returned them in does not count."""
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


def model_digest(model: ModelArtefact) -> str:
    return sha256_hex(asdict(model))


def table_results(
    table: OutputTable,
    settings: ExportCheckSettings,
    grant_items: Sequence[GrantItem],
    earlier: Sequence[ReleasedCell],
    per_unit: bool | None = None,
    nesting: NestingFinder = EXACT_NESTING,
) -> list[CheckResult]:
    shape_of(table)  # a malformed output is refused before any check runs
    identifiers, flagged = check_identifiers(table, grant_items)
    view = view_of(table, redacted=flagged)
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
        kind, digest = "table", table_digest(output)
        results = table_results(output, settings, grant_items, earlier, per_unit, nesting)
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
