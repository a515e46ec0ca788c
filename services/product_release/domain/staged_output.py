"""A staged output (出域暂存) as the export review sees it: the broker's plain rows with the
roles the developer declared, checked (EXP-2) into one ``CheckReport``.

Theory of operation. sandbox-broker reads the requested output inside the sandbox and
hands over its columns and rows (``export.staged``). A table export is checked with the
roles declared in the request; the declared columns must be exactly the staged ones, so
a column the developer did not declare can never slip out unchecked. A verification
export (核验) is staged only as the distribution of its answers, ``(answer, count)``
rows: it is checked as a table with the answer as its dimension and the count as its
count, so a rare answer is as disclosive as a small cell. A staged output that does not
match its digest or its declaration is not checked further: its report fails with the
reason, and the developer files a new request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from contracts.canonical import sha256_hex
from contracts.errors import DomainError
from contracts.events import ExportStaged
from contracts.per_unit import per_unit_columns, unit_column
from services.product_release.domain.check_report import CheckReport, run_checks
from services.product_release.domain.check_results import CheckResult
from services.product_release.domain.differencing import (
    EXACT_NESTING,
    NestingFinder,
    ReleasedCell,
)
from services.product_release.domain.export_request import ExportRequest
from services.product_release.domain.outputs import Column, GrantItem, OutputTable, Role
from services.product_release.domain.settings import ExportCheckSettings

VERIFICATION_COLUMNS = ("answer", "count")
"""How the broker stages a verification export: each answer with how often it occurs."""
DECLARATION_CHECK = "declared_output"


def staged_digest(staged: ExportStaged) -> str:
    """The digest the broker computed: canonical JSON of the columns and rows."""
    return sha256_hex({"columns": [[c.name, c.type] for c in staged.columns], "rows": staged.rows})


def _role(name: str, value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise DomainError(
            f"column {name!r} has no role {value!r}; roles are " + ", ".join(r.value for r in Role),
            rule="EXP-2",
            field="columns",
        ) from None


def declared_roles(request: ExportRequest) -> tuple[Column, ...]:
    """The declared columns of a table export, in declaration order (roles validated);
    of a per-unit export, the columns the sandbox stages for it (EXP-2)."""
    declared = request.columns
    if unit_column(declared):
        declared = tuple(per_unit_columns(declared))
    return tuple(Column(c.name, _role(c.name, c.role), of=c.of, source=c.source) for c in declared)


def output_table(request: ExportRequest, staged: ExportStaged) -> OutputTable:
    """The staged rows under the declared roles; raises ``DomainError`` on a mismatch."""
    if (staged.export_id, staged.sandbox_id, staged.output_name) != (
        request.export_id,
        request.sandbox_id,
        request.output_name,
    ):
        raise DomainError(
            f"the staged output {staged.output_name!r} of {staged.sandbox_id} is not the "
            f"requested {request.output_name!r} of {request.sandbox_id}",
            rule="EXP-2",
        )
    if staged_digest(staged) != staged.content_sha256:
        raise DomainError("the staged output does not match its digest", rule="EXP-2")
    staged_names = [c.name for c in staged.columns]
    universe = request.universe or request.grant_id
    if request.kind == "verification":
        if tuple(staged_names) != VERIFICATION_COLUMNS:
            raise DomainError(
                "a verification export is staged as (answer, count), not "
                f"({', '.join(staged_names)})",
                rule="EXP-2",
            )
        columns: tuple[Column, ...] = (
            Column("answer", Role.DIMENSION, source=request.answer_column),
            Column("count", Role.COUNT),
        )
    else:
        columns = declared_roles(request)
        declared = [c.name for c in columns]
        if sorted(declared) != sorted(staged_names):
            missing = sorted(set(staged_names) - set(declared))
            extra = sorted(set(declared) - set(staged_names))
            raise DomainError(
                "the declared columns are not the staged ones"
                + (f"; undeclared: {', '.join(missing)}" if missing else "")
                + (f"; not in the output: {', '.join(extra)}" if extra else ""),
                rule="EXP-2",
                field="columns",
            )
        by_name = {c.name: c for c in columns}
        columns = tuple(by_name[name] for name in staged_names)  # in the staged order
    rows = tuple(tuple(row) for row in staged.rows)
    return OutputTable(name=request.output_name, columns=columns, rows=rows, universe=universe)


def refused_report(
    output_name: str, digest: str, settings: ExportCheckSettings, reason: str
) -> CheckReport:
    """A failed report for an output that could not be checked at all (EXP-2)."""
    check = CheckResult(DECLARATION_CHECK, ("EXP-2",), False, reason)
    draft = CheckReport(
        output_name=output_name,
        output_kind="table",
        output_digest=digest,
        settings=settings.as_record(),
        checks=(check,),
        content_hash="",
    )
    return replace(draft, content_hash=sha256_hex(draft.as_record()))


def check_staged(
    request: ExportRequest,
    staged: ExportStaged,
    *,
    settings: ExportCheckSettings,
    earlier: Sequence[ReleasedCell] = (),
    nesting: NestingFinder = EXACT_NESTING,
) -> tuple[CheckReport, OutputTable | None]:
    """Every automated check on the staged output (EXP-2), and the table checked (None
    when the output could not be read under its declaration)."""
    items = [GrantItem(i.name, i.grade, i.resource_id) for i in staged.grant_items]
    try:
        table = output_table(request, staged)
        report = run_checks(
            table,
            settings=settings,
            grant_items=items,
            earlier=earlier,
            per_unit=request.kind == "table" and bool(unit_column(request.columns)),
            nesting=nesting,
        )
    except DomainError as refused:
        return refused_report(
            request.output_name, staged.content_sha256, settings, refused.detail
        ), None
    return report, table
