"""Factories and fakes for product-release unit tests: small known-answer tables, a
grouped output of benchmark size, approved exports and complete certificates."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from fractions import Fraction
from typing import Any

from contracts.confidentiality import Confidentiality
from contracts.events import ExportApproved, ExportChecked, ExportRequested, OutputColumn
from services.product_release.domain.certificate import (
    CirculationCertificate,
    DataSource,
    Interaction,
)
from services.product_release.domain.export_request import ExportRequest, replay
from services.product_release.domain.outputs import Column, Constraint, OutputTable, Role, Value
from services.product_release.domain.settings import ExportCheckSettings

REGION = "370300"
DEVELOPER = "org-370300-dev-credit"
OPERATOR = "org-370300-operator"
REQUESTER = "user-dev-1"
REVIEWER = "user-op-7"
DECIDED_ON = date(2026, 11, 23)
SIGNED: dict[str, Any] = {
    "reviewer_confidentiality": Confidentiality(
        user_id=REVIEWER, person=True, until=date(2027, 11, 22)
    ),
    "decided_on": DECIDED_ON,
}
"""A reviewer whose confidentiality agreement (保密协议) covers the decision day (SEC-4)."""

COUNT_COLUMNS = (
    Column("district", Role.DIMENSION),
    Column("industry", Role.DIMENSION),
    Column("firms", Role.COUNT),
)
MAGNITUDE_COLUMNS = (
    Column("district", Role.DIMENSION),
    Column("firms", Role.COUNT),
    Column("tax_paid", Role.SUM, source="tax_paid"),
    Column("tax_top1", Role.TOP1, of="tax_paid"),
    Column("tax_top2", Role.TOP2, of="tax_paid"),
)


EDGE_COLUMNS = (
    Column("district", Role.DIMENSION),
    Column("firms", Role.COUNT),
    Column("tax_paid", Role.SUM, source="tax_paid"),
    Column("tax_top1", Role.TOP1, of="tax_paid"),
    Column("tax_top2", Role.TOP2, of="tax_paid"),
    Column("tax_min", Role.MIN, of="tax_paid"),
    Column("tax_abs_total", Role.ABS_TOTAL, of="tax_paid"),
)
"""A magnitude table with every hidden summary the sandbox can hand over."""


def summarised(contributions: Sequence[int | float]) -> tuple[Value, ...]:
    """(units, total, top1, top2, min, abs_total) of one cell of per-unit contributions,
    as the sandbox hands them over: decimals summed exactly (a DECIMAL column), the top
    two by size with their sign; integers stay integers, decimals come back as floats."""
    exact = [Fraction(repr(v)) if isinstance(v, float) else Fraction(v) for v in contributions]
    integral = all(isinstance(v, int) for v in contributions)

    def plain(value: Fraction) -> Value:
        return int(value) if integral else float(value)

    by_size = [*sorted(exact, key=abs, reverse=True), Fraction(0), Fraction(0)]
    return (
        len(exact),
        plain(sum(exact, Fraction(0))),
        plain(by_size[0]),
        plain(by_size[1]),
        plain(min(exact)),
        plain(sum((abs(v) for v in exact), Fraction(0))),
    )


def edge_table(*cells: Sequence[int | float], **overrides: Any) -> OutputTable:
    """One district per list of contributions, every hidden summary handed over."""
    rows = tuple((f"d{n}", *summarised(c)) for n, c in enumerate(cells))
    return replace(OutputTable("tax_by_district", EDGE_COLUMNS, rows, universe="u"), **overrides)


def settings_factory(**overrides: Any) -> ExportCheckSettings:
    return replace(ExportCheckSettings(region=REGION), **overrides)


def count_table(counts: Sequence[Sequence[Value]] | None = None, **overrides: Any) -> OutputTable:
    """A 2×3 table of firms by district × industry; by default every cell is safe."""
    rows = counts or (
        ("370302", "C", 12),
        ("370302", "F", 25),
        ("370302", "I", 40),
        ("370303", "C", 18),
        ("370303", "F", 11),
        ("370303", "I", 30),
    )
    base = OutputTable(
        name="firms_by_district_industry",
        columns=COUNT_COLUMNS,
        rows=tuple(tuple(r) for r in rows),
        universe="grant-1@2025-06",
    )
    return replace(base, **overrides)


def with_margins(rows: Sequence[tuple[str, str, int]]) -> tuple[tuple[Value, ...], ...]:
    """The rows plus their row, column and grand totals (None marks a total, as CUBE does)."""
    out: list[tuple[Value, ...]] = [tuple(r) for r in rows]
    districts = sorted({r[0] for r in rows})
    industries = sorted({r[1] for r in rows})
    for d in districts:
        out.append((d, None, sum(r[2] for r in rows if r[0] == d)))
    for i in industries:
        out.append((None, i, sum(r[2] for r in rows if r[1] == i)))
    out.append((None, None, sum(r[2] for r in rows)))
    return tuple(out)


def suppress(
    rows: Sequence[tuple[Value, ...]], *keys: tuple[Value, Value]
) -> tuple[tuple[Value, ...], ...]:
    """The rows with the count of each (district, industry) key replaced by None."""
    return tuple((r[0], r[1], None) if (r[0], r[1]) in keys else r for r in rows)


def magnitude_table(
    cells: Sequence[tuple[str | None, int, float, float, float]], **overrides: Any
) -> OutputTable:
    """Tax paid by district: (district, firms, total, largest, second largest)."""
    base = OutputTable(
        name="tax_by_district",
        columns=MAGNITUDE_COLUMNS,
        rows=tuple(tuple(c) for c in cells),
        universe="grant-1@2025-06",
    )
    return replace(base, **overrides)


def filtered(attribute: str, *, low: float | None = None, high: float | None = None) -> Constraint:
    return Constraint(attribute, low=low, high=high)


def among(attribute: str, *values: Value) -> Constraint:
    return Constraint(attribute, values=frozenset(values))


DECLARED = [
    OutputColumn(name="district", role="dimension"),
    OutputColumn(name="industry", role="dimension"),
    OutputColumn(name="firms", role="count"),
]


def export_requested(**overrides: Any) -> ExportRequested:
    """``export.requested`` of a table export by ``DEVELOPER``'s ``REQUESTER``."""
    fields: dict[str, Any] = {
        "export_id": "exp-1",
        "sandbox_id": "sbx-1",
        "grant_id": "grant-1",
        "output_name": "firms_by_district_industry",
        "developer_org_id": DEVELOPER,
        "requester_user_id": REQUESTER,
        "kind": "table",
        "columns": DECLARED,
    }
    fields.update(overrides)
    return ExportRequested(**fields)


def requested_export(**overrides: Any) -> ExportRequest:
    state = replay([export_requested()])
    assert state is not None
    return replace(state, **overrides)


def approved_export(developer_org_id: str = DEVELOPER) -> ExportRequest:
    state = replay(
        [
            export_requested(developer_org_id=developer_org_id),
            ExportChecked(export_id="exp-1", passed=True, check_report_hash="ab" * 32),
            ExportApproved(
                export_id="exp-1",
                sandbox_id="sbx-1",
                output_name="firms_by_district_industry",
                reviewer_user_id=REVIEWER,
                check_report_hash="ab" * 32,
            ),
        ]
    )
    assert state is not None
    return state


def certificate_factory(**overrides: Any) -> CirculationCertificate:
    base = CirculationCertificate(
        certificate_id="cert-1",
        product_id="prod-1",
        version=1,
        data_sources=(
            DataSource("res-tax-1", "org-370300-tax", "370300R00000000017"),
            DataSource("res-si-1", "org-370300-hrss", "370300R00000000025"),
        ),
        attributes=(("format", "CSV"), ("update_frequency", "monthly")),
        business_logic="企业纳税与社保参保人数按区县、行业汇总，小于10的单元格抑制",
        governance_rules="仅用于普惠金融授信场景；不得再识别；出域经审核",
        cryptographic_agreement="SHA-256 over canonical JSON; Ed25519 signature of the operator",
        interaction_flow=(
            Interaction("org-370300-tax", OPERATOR, "supplies tax records under the grant"),
            Interaction("org-370300-hrss", OPERATOR, "supplies social insurance headcounts"),
            Interaction(OPERATOR, DEVELOPER, "opens a sandbox with masked data"),
            Interaction(DEVELOPER, "org-exchange", "lists the product for trading"),
        ),
    )
    return replace(base, **overrides)


class FakeCountNoise:
    """A ``CountNoise`` that adds a fixed offset and records the scale it was asked for."""

    def __init__(self, offset: int = 0) -> None:
        self.offset = offset
        self.scales: list[float] = []

    def add_laplace(self, counts: Sequence[int], scale: float) -> list[int]:
        self.scales.append(scale)
        return [c + self.offset for c in counts]


def grouped_output(
    *,
    districts: int = 20,
    industries: int = 25,
    sizes: int = 20,
    contributors: int = 1_000_000,
    seed: int = 7,
    margins: bool = True,
) -> OutputTable:
    """A grouped output of districts × industries × size classes (10,000 data cells by
    default) summarizing ``contributors`` firms as the sandbox hands it over: units, the
    tax total, and the top-2 contributions per cell; margins as CUBE writes them."""
    rng = random.Random(seed)
    cells = districts * industries * sizes
    weights = [rng.lognormvariate(0, 1.5) for _ in range(cells)]
    scale = contributors / sum(weights)
    units = [max(1, round(w * scale)) for w in weights]
    data: dict[tuple[Value, ...], list[float]] = {}
    position = 0
    for d in range(districts):
        for i in range(industries):
            for s in range(sizes):
                n = units[position]
                position += 1
                top1 = rng.uniform(50_000, 500_000)
                top2 = rng.uniform(30_000, top1) if n > 1 else 0.0
                rest = max(0, n - 2) * rng.uniform(5_000, 30_000)
                data[(f"3703{d:02d}", f"I{i:02d}", f"S{s:02d}")] = [
                    n,
                    top1 + top2 + rest,
                    top1,
                    top2,
                ]
    rows: dict[tuple[Value, ...], list[float]] = dict(data)
    if margins:
        for key, (units_n, total, top1, top2) in data.items():
            for mask in range(1, 8):
                parent = tuple(None if mask >> b & 1 else key[b] for b in range(3))
                slot = rows.setdefault(parent, [0, 0.0, 0.0, 0.0])
                slot[0] += units_n
                slot[1] += total
                tops = sorted((slot[2], slot[3], top1, top2), reverse=True)
                slot[2], slot[3] = tops[0], tops[1]
    columns = (
        Column("district", Role.DIMENSION),
        Column("industry", Role.DIMENSION),
        Column("size_class", Role.DIMENSION),
        Column("firms", Role.COUNT),
        Column("tax_paid", Role.SUM),
        Column("tax_top1", Role.TOP1, of="tax_paid"),
        Column("tax_top2", Role.TOP2, of="tax_paid"),
    )
    out_rows = tuple(
        (*key, int(v[0]), round(v[1], 2), round(v[2], 2), round(v[3], 2)) for key, v in rows.items()
    )
    return OutputTable(
        name="tax_by_district_industry_size",
        columns=columns,
        rows=out_rows,
        universe="grant-1@2025-06",
        distinct_units=sum(units),
    )


def suppress_unsafe(table: OutputTable, minimum: int = 10) -> OutputTable:
    """Primary suppression as a careful developer does it: small cells blanked."""
    count, total = table.index("firms"), table.index("tax_paid")
    rows = tuple(
        tuple(
            None if p in (count, total) and row[count] < minimum else v  # type: ignore[operator]
            for p, v in enumerate(row)
        )
        for row in table.rows
    )
    return replace(table, rows=rows)
