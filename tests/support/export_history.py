"""The differencing history's storage (EXP-2) held to one contract on every store:
``ReleasedHistoryContract`` runs on SQLite (``tests/unit``) and on the MongoDB-wire
server (``tests/integration``). A subclass gives the ``store`` fixture.

Approved exports keep their released cells as column blocks; exports approved before
kept one document per cell. Both, stored and read back through the store, give the
developer's history exactly as ``released_cells`` lists it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from libs.store.port import DocumentStore
from services.product_release.commands.exports import _earlier_cells
from services.product_release.domain.differencing import released_cells
from services.product_release.domain.export_request import ExportState
from services.product_release.domain.outputs import OutputTable
from services.product_release.domain.table_checks import view_of
from services.product_release.repository import (
    CELL_COLUMNS,
    EXPORTS,
    cell_to_doc,
    export_to_doc,
    released_to_doc,
)
from tests.support.stores import store_context
from tests.unit.services.product_release.export_factories import (
    DEVELOPER,
    among,
    approved_export,
    count_table,
    filtered,
    magnitude_table,
    suppress,
    with_margins,
)

FILTERED = count_table(
    suppress(with_margins([("a", "C", 12), ("a", "F", 25), ("b", "C", 18), ("b", "F", 11)])),
    filters=(among("industry", "C", "F"), filtered("employees", low=10.5, high=None)),
)
MAGNITUDES = magnitude_table([("a", 12, 1500.25, 300.5, 200.0), ("b", 15, 2_000_000, 40_000, 3)])


def large(rows: int) -> OutputTable:
    """``rows`` distinct rows of district × industry (a realistic block's size)."""
    return count_table(
        tuple((f"d{r // 100:04d}", f"i{r % 100:02d}", 10 + r % 97) for r in range(rows))
    )


def export_doc(
    export_id: str, extra: dict[str, Any], *, state: ExportState = ExportState.APPROVED
) -> dict[str, Any]:
    export = replace(approved_export(), export_id=export_id, state=state)
    return export_to_doc(export, region="370300", extra=extra)


class ReleasedHistoryContract:
    """Subclasses supply ``store``."""

    async def test_released_cells_as_columns_round_trip_through_the_store(
        self, store: DocumentStore
    ) -> None:
        tables = {"exp-1": FILTERED, "exp-2": MAGNITUDES, "exp-3": large(20_000)}
        for export_id, table in tables.items():
            doc = export_doc(export_id, released_to_doc(view_of(table), export_id))
            assert doc["cells"] == [] and len(doc[CELL_COLUMNS]) == 1
            await store.insert(EXPORTS, doc)
        history = await _earlier_cells(store_context(store, "product_release"), DEVELOPER)
        read = {cell.export_id: [] for cell in history}  # type: dict[str, list[Any]]
        for cell in history:
            read[cell.export_id].append(cell)
        assert len(history.blocks) == 3 and not history.loose
        for export_id, table in tables.items():
            assert read[export_id] == released_cells(view_of(table), export_id), export_id

    async def test_exports_stored_one_document_per_cell_are_still_read(
        self, store: DocumentStore
    ) -> None:
        old = released_cells(view_of(FILTERED), "exp-old")
        await store.insert(EXPORTS, export_doc("exp-old", {"cells": list(map(cell_to_doc, old))}))
        await store.insert(
            EXPORTS, export_doc("exp-new", released_to_doc(view_of(MAGNITUDES), "exp-new"))
        )
        pending = released_to_doc(view_of(FILTERED), "exp-pending")  # not approved: no history
        checked = export_doc("exp-pending", pending, state=ExportState.CHECKS_PASSED)
        await store.insert(EXPORTS, checked)
        history = await _earlier_cells(store_context(store, "product_release"), DEVELOPER)
        assert history.loose == old
        assert list(history) == [*released_cells(view_of(MAGNITUDES), "exp-new"), *old]
        assert {c.export_id for c in history} == {"exp-old", "exp-new"}
