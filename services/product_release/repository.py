"""product-release documents in the service's own database, and back: export requests,
check reports, product versions, the released cells of the differencing history,
jurisdiction settings, and the projections of other services' facts."""

from __future__ import annotations

import base64
import sys
import zlib
from array import array
from collections.abc import Iterable
from typing import Any

from contracts.events import OutputColumn, StagedItem
from libs.responsibility import Declaration, Responsible
from libs.store.port import Document
from services.product_release.domain.differencing import (
    ReleasedCell,
    released_cells,
    released_columns,
)
from services.product_release.domain.export_request import ExportRequest, ExportState
from services.product_release.domain.history import CellColumns, EarlierCells
from services.product_release.domain.outputs import Constraint, GrantItem
from services.product_release.domain.product import ProductState, ProductVersion
from services.product_release.domain.product_list import ENDS_WITH_AUTHORIZATION
from services.product_release.domain.settings import ExportCheckSettings
from services.product_release.domain.table_checks import TableView

EXPORTS = "exports"
REPORTS = "check_reports"
PRODUCTS = "products"
SETTINGS = "settings"
GRANTS = "grants"
SANDBOXES = "sandboxes"
AGREEMENTS = "agreements"
AFFILIATIONS = "affiliations"


def export_to_doc(export: ExportRequest, *, region: str, extra: Document | None = None) -> Document:
    doc: Document = {
        "_id": export.export_id,
        "region": region,
        "sandbox_id": export.sandbox_id,
        "grant_id": export.grant_id,
        "output_name": export.output_name,
        "developer_org_id": export.developer_org_id,
        "requester_user_id": export.requester_user_id,
        "kind": export.kind,
        "columns": [
            {"name": c.name, "role": c.role, "of": c.of, "source": c.source} for c in export.columns
        ],
        "universe": export.universe,
        "key_column": export.key_column,
        "answer_column": export.answer_column,
        "state": export.state.value,
        "check_report_hash": export.check_report_hash,
        "failed_checks": list(export.failed_checks),
        "reviewer_user_id": export.reviewer_user_id,
        "rejection_reason": export.rejection_reason,
        "appeal_id": export.appeal_id,
        "unavailable_reason": export.unavailable_reason,
    }
    if extra:
        doc.update(extra)
    return doc


EXPORT_EXTRA = (
    "requested_at",
    "checked_at",
    "decided_at",
    "cells",
    "cell_columns",
    "grant_items",
)
"""Fields of an export document the domain state does not hold (kept across writes);
``cells`` and ``cell_columns`` are its released cells (the EXP-2 history), ``grant_items``
the granted data items as staged, with their grades (the TRD-3 floor of a product made
from the export)."""


def grant_items_to_doc(items: Iterable[StagedItem]) -> list[dict[str, Any]]:
    return [{"name": i.name, "grade": i.grade, "resource_id": i.resource_id} for i in items]


def grant_items_from_doc(doc: Document) -> tuple[GrantItem, ...]:
    """The granted data items an export document keeps; none for one staged before
    the document kept them."""
    items: list[dict[str, Any]] = doc.get("grant_items", [])
    return tuple(GrantItem(i["name"], int(i["grade"]), i.get("resource_id", "")) for i in items)


def export_from_doc(doc: Document) -> ExportRequest:
    columns: list[dict[str, str]] = doc.get("columns", [])
    return ExportRequest(
        export_id=doc["_id"],
        sandbox_id=doc["sandbox_id"],
        grant_id=doc["grant_id"],
        output_name=doc["output_name"],
        developer_org_id=doc["developer_org_id"],
        requester_user_id=doc["requester_user_id"],
        kind=doc.get("kind", "table"),
        columns=tuple(OutputColumn(**c) for c in columns),
        universe=doc.get("universe", ""),
        key_column=doc.get("key_column", ""),
        answer_column=doc.get("answer_column", ""),
        state=ExportState(doc["state"]),
        check_report_hash=doc.get("check_report_hash", ""),
        failed_checks=tuple(doc.get("failed_checks", [])),
        reviewer_user_id=doc.get("reviewer_user_id", ""),
        rejection_reason=doc.get("rejection_reason", ""),
        appeal_id=doc.get("appeal_id", ""),
        unavailable_reason=doc.get("unavailable_reason", ""),
    )


def _constraint_to_doc(constraint: Constraint) -> dict[str, Any]:
    values = None if constraint.values is None else list(constraint.values)
    return {
        "attribute": constraint.attribute,
        "values": values,
        "low": constraint.low,
        "high": constraint.high,
    }


def _constraint_from_doc(doc: dict[str, Any]) -> Constraint:
    values = doc.get("values")
    return Constraint(
        doc["attribute"],
        values=None if values is None else frozenset(values),
        low=doc.get("low"),
        high=doc.get("high"),
    )


def cell_to_doc(cell: ReleasedCell) -> dict[str, Any]:
    return {
        "export_id": cell.export_id,
        "table": cell.table,
        "universe": cell.universe,
        "measure": cell.measure,
        "population": [_constraint_to_doc(c) for c in cell.population],
        "units": cell.units,
        "value": cell.value,
    }


def cell_from_doc(doc: dict[str, Any]) -> ReleasedCell:
    population: list[dict[str, Any]] = doc["population"]
    return ReleasedCell(
        export_id=doc["export_id"],
        table=doc["table"],
        universe=doc["universe"],
        measure=doc["measure"],
        population=tuple(_constraint_from_doc(c) for c in population),
        units=doc.get("units"),
        value=doc.get("value"),
    )


def cells_from_docs(docs: Iterable[dict[str, Any]]) -> list[ReleasedCell]:
    """A developer's differencing history (EXP-2), each cell as ``cell_from_doc`` reads
    it, with equal constraints and populations read once and shared: a constraint is
    known by the text of its document (values with their types), a population by its
    constraints. The array nesting finder tells populations apart by identity first, so
    a history of a million cells costs it one look-up per distinct population, not per
    cell."""
    constraints: dict[str, Constraint] = {}
    populations: dict[tuple[int, ...], tuple[Constraint, ...]] = {}
    cells: list[ReleasedCell] = []
    for doc in docs:
        shape: list[Constraint] = []
        for record in doc["population"]:
            key = repr(record)
            constraint = constraints.get(key)
            if constraint is None:
                constraint = constraints[key] = _constraint_from_doc(record)
            shape.append(constraint)
        known = tuple(map(id, shape))  # the constraints are held by ``constraints``
        population = populations.get(known)
        if population is None:
            population = populations[known] = tuple(shape)
        cells.append(
            ReleasedCell(
                export_id=doc["export_id"],
                table=doc["table"],
                universe=doc["universe"],
                measure=doc["measure"],
                population=population,
                units=doc.get("units"),
                value=doc.get("value"),
            )
        )
    return cells


CELL_COLUMNS = "cell_columns"
"""The export document's field of its released cells as column blocks (``columns_to_doc``);
``cells`` holds them one document per cell in exports approved before, and in any export
whose cells columns cannot hold exactly."""

_TYPECODES = {"i": 4, "q": 8, "d": 8, "b": 1}
"""array typecodes used, by their item size (the same on every platform stored from)"""


def _packed(column: array[Any]) -> str:
    """An array as text: little-endian items, zlib-compressed, base64 (a document store
    takes strings everywhere; a list of numbers would be one value per cell again)."""
    if column.itemsize != _TYPECODES[column.typecode]:
        raise ValueError(f"array items of {column.itemsize} bytes for {column.typecode!r}")
    if sys.byteorder != "little":
        column = array(column.typecode, column)
        column.byteswap()
    return base64.b64encode(zlib.compress(column.tobytes(), 1)).decode("ascii")


def _unpacked(text: str, typecode: str) -> array[Any]:
    column = array(typecode)
    column.frombytes(zlib.decompress(base64.b64decode(text)))
    if sys.byteorder != "little":
        column.byteswap()
    return column


def columns_to_doc(block: CellColumns) -> dict[str, Any]:
    """One approved export's released cells as one subdocument of arrays."""
    return {
        "format": 1,
        "export_id": block.export_id,
        "table": block.table,
        "universe": block.universe,
        "measures": list(block.measures),
        "attributes": [
            {"name": name, "options": [_constraint_to_doc(c) for c in options], "codes": codes}
            for name, options, codes in zip(
                block.attributes,
                block.options,
                map(_packed, block.codes),
                strict=True,
            )
        ],
        "rows": block.rows,
        "row": _packed(block.row),
        "measure": _packed(block.measure),
        "units": _packed(block.units),
        "values": _packed(block.values),
        "known": None if block.known is None else _packed(block.known),
        "valued": None if block.valued is None else _packed(block.valued),
    }


def columns_from_doc(doc: dict[str, Any]) -> CellColumns:
    if doc.get("format") != 1:
        raise ValueError(f"unknown format of released cell columns: {doc.get('format')!r}")
    attributes: list[dict[str, Any]] = doc["attributes"]
    known, valued = doc.get("known"), doc.get("valued")
    return CellColumns(
        export_id=doc["export_id"],
        table=doc["table"],
        universe=doc["universe"],
        measures=tuple(doc["measures"]),
        attributes=tuple(a["name"] for a in attributes),
        options=tuple(tuple(map(_constraint_from_doc, a["options"])) for a in attributes),
        rows=int(doc["rows"]),
        codes=tuple(_unpacked(a["codes"], "i") for a in attributes),
        row=_unpacked(doc["row"], "i"),
        measure=_unpacked(doc["measure"], "i"),
        units=_unpacked(doc["units"], "q"),
        values=_unpacked(doc["values"], "d"),
        known=None if known is None else _unpacked(known, "b"),
        valued=None if valued is None else _unpacked(valued, "b"),
    )


def released_to_doc(view: TableView, export_id: str) -> dict[str, Any]:
    """The fields an approved export's document keeps of its released cells (EXP-2):
    column blocks, or one document per cell where columns cannot hold them exactly."""
    block = released_columns(view, export_id)
    if block is None:
        cells = [cell_to_doc(c) for c in released_cells(view, export_id)]
        return {CELL_COLUMNS: [], "cells": cells}
    return {CELL_COLUMNS: [columns_to_doc(block)] if len(block) else [], "cells": []}


def history_from_docs(docs: Iterable[Document]) -> EarlierCells:
    """A developer's differencing history from its approved exports' documents: column
    blocks as arrays, and the cells of documents stored one per cell (before blocks)."""
    blocks: list[CellColumns] = []
    loose: list[dict[str, Any]] = []
    for doc in docs:
        blocks += [columns_from_doc(b) for b in doc.get(CELL_COLUMNS) or []]
        loose += doc.get("cells") or []
    return EarlierCells(blocks, cells_from_docs(loose))


def product_to_doc(
    product: ProductVersion, *, region: str, extra: Document | None = None
) -> Document:
    doc: Document = {
        "_id": product.product_id,
        "region": region,
        "version": product.version,
        "export_id": product.export_id,
        "name": product.name,
        "kind": product.kind,
        "developer_org_id": product.developer_org_id,
        "derived_from": list(product.derived_from),
        "verification_answers": list(product.verification_answers),
        "state": product.state.value,
        "certificate_id": product.certificate_id,
        "certificate_hash": product.certificate_hash,
        "filing_number": product.filing_number,
        "registration_code": product.registration_code,
        "sandbox_id": product.sandbox_id,
        "grant_id": product.grant_id,
        "output_name": product.output_name,
        "key_column": product.key_column,
        "answer_column": product.answer_column,
        "filing_return_reason": product.filing_return_reason,
        "touches_floor": list(product.touches_floor),
        "touches": list(product.touches),
        "permissions": list(product.permissions),
    }
    if extra:
        doc.update(extra)
    doc[ON_PUBLIC_LIST] = on_public_list(doc)
    return doc


ON_PUBLIC_LIST = "on_public_list"
"""A top-level flag, so the product and service list (EXP-5) pages in the store."""


def on_public_list(doc: Document) -> bool:
    """Released, or withdrawn because the operator's authorization ended (AUTH-7) after
    it was registered: what the product and service list shows."""
    return doc["state"] == ProductState.RELEASED.value or (
        doc["state"] == ProductState.WITHDRAWN.value
        and doc.get("withdrawn_rule") == ENDS_WITH_AUTHORIZATION
        and bool(doc.get("registration_code"))
    )


PRODUCT_EXTRA = (
    "description",
    "drafted_at",
    "certificate",
    "released_at",
    "scenario_id",
    "withdrawn_reason",
    "withdrawn_rule",
)


def product_from_doc(doc: Document) -> ProductVersion:
    return ProductVersion(
        product_id=doc["_id"],
        version=int(doc["version"]),
        export_id=doc["export_id"],
        name=doc["name"],
        kind=doc["kind"],
        developer_org_id=doc["developer_org_id"],
        derived_from=tuple(doc.get("derived_from", [])),
        verification_answers=tuple(doc.get("verification_answers", [])),
        state=ProductState(doc["state"]),
        certificate_id=doc.get("certificate_id", ""),
        certificate_hash=doc.get("certificate_hash", ""),
        filing_number=doc.get("filing_number", ""),
        registration_code=doc.get("registration_code", ""),
        sandbox_id=doc.get("sandbox_id", ""),
        grant_id=doc.get("grant_id", ""),
        output_name=doc.get("output_name", ""),
        key_column=doc.get("key_column", ""),
        answer_column=doc.get("answer_column", ""),
        filing_return_reason=doc.get("filing_return_reason", ""),
        touches_floor=tuple(doc.get("touches_floor", [])),
        touches=tuple(doc.get("touches", [])),
        permissions=tuple(doc.get("permissions", [])),
    )


def settings_to_doc(settings: ExportCheckSettings, *, set_by_org_id: str = "") -> Document:
    """``set_by_org_id``: the bureau that set them (SEC-3)."""
    doc = settings.as_record()
    doc["_id"] = doc.pop("region")
    doc["set_by_org_id"] = set_by_org_id
    return doc


def settings_from_doc(doc: Document) -> ExportCheckSettings:
    return ExportCheckSettings(
        region=doc["_id"],
        min_cell_count=int(doc["min_cell_count"]),
        zero_cells_disclosive=bool(doc["zero_cells_disclosive"]),
        dominance_largest_percent=int(doc["dominance_largest_percent"]),
        dominance_top_two_percent=int(doc["dominance_top_two_percent"]),
        p_ratio_percent=int(doc["p_ratio_percent"]),
        min_residual_dof=int(doc["min_residual_dof"]),
        shared_zero_disclosive=bool(doc.get("shared_zero_disclosive", True)),
    )


RESPONSIBLE_ORGANIZATION: dict[str, Declaration] = {
    EXPORTS: Responsible("developer_org_id"),
    REPORTS: Responsible("developer_org_id"),
    PRODUCTS: Responsible("developer_org_id"),
    SETTINGS: Responsible("set_by_org_id"),
    GRANTS: Responsible("developer_org_id"),
    SANDBOXES: Responsible("developer_org_id"),
    AGREEMENTS: Responsible("operator_org_id"),
    AFFILIATIONS: Responsible("operator_org_id"),
}
"""SEC-3 (谁采集/持有/使用/运营谁负责): per collection this service stores, the field naming
the organization responsible for each record, or why it holds none (``libs.responsibility``;
the shared runtime's collections are declared there)."""
