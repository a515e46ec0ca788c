"""Export requests, product versions, released cells and settings survive a round trip
through their documents unchanged (the differencing history of EXP-2 included)."""

from __future__ import annotations

from dataclasses import replace

from contracts.events import OutputColumn
from services.product_release.domain.differencing import released_cells
from services.product_release.domain.export_request import ExportState
from services.product_release.domain.outputs import Constraint
from services.product_release.domain.product import ProductState, ProductVersion
from services.product_release.domain.settings import ExportCheckSettings
from services.product_release.domain.table_checks import view_of
from services.product_release.repository import (
    cell_from_doc,
    cell_to_doc,
    cells_from_docs,
    export_from_doc,
    export_to_doc,
    product_from_doc,
    product_to_doc,
    settings_from_doc,
    settings_to_doc,
)
from tests.unit.services.product_release.export_factories import (
    count_table,
    requested_export,
)


def test_EXP_2_an_export_request_round_trips_with_its_declaration() -> None:
    export = replace(
        requested_export(),
        columns=(OutputColumn(name="tax_top1", role="top1", of="tax", source="tax_paid"),),
        state=ExportState.REJECTED,
        rejection_reason="用途不符",
        failed_checks=("dominance",),
    )
    doc = export_to_doc(export, region="370300", extra={"requested_at": "t"})
    assert doc["requested_at"] == "t"
    assert export_from_doc(doc) == export


def test_EXP_2_released_cells_round_trip_for_the_differencing_history() -> None:
    cells = released_cells(view_of(count_table()), "exp-1")
    assert cells
    assert [cell_from_doc(cell_to_doc(c)) for c in cells] == cells
    ranged = replace(cells[0], population=(Constraint("age", low=18.0, high=None),))
    assert cell_from_doc(cell_to_doc(ranged)) == ranged


def test_EXP_2_a_history_read_at_once_shares_equal_populations_and_keeps_every_value() -> None:
    cells = released_cells(view_of(count_table()), "exp-1")
    again = released_cells(view_of(count_table()), "exp-2")
    typed = replace(cells[0], population=(Constraint("flag", values=frozenset({True})),))
    plain = replace(cells[0], population=(Constraint("flag", values=frozenset({1})),))
    docs = [cell_to_doc(c) for c in [*cells, *again, typed, plain]]
    read = cells_from_docs(docs)
    assert read == [cell_from_doc(d) for d in docs]
    # the same population in two exports is one object; a True is not read as a 1
    assert read[0].population is read[len(cells)].population
    assert read[0].population[0] is read[len(cells)].population[0]
    assert read[-2].population is not read[-1].population
    assert read[-2].population[0].as_record()["in"] == [True]
    assert read[-1].population[0].as_record()["in"] == [1]


def test_EXP_3_a_product_version_round_trips() -> None:
    version = ProductVersion(
        product_id="prd-1",
        version=1,
        export_id="exp-1",
        name="核验",
        kind="verification",
        developer_org_id="org-dev-1",
        derived_from=("prd-0",),
        verification_answers=("一致", "不一致"),
        state=ProductState.FILED,
        certificate_id="cert-1",
        filing_number="备案-370300-000001",
        sandbox_id="sbx-pro-g",
        grant_id="g",
        output_name="status",
        key_column="k",
        answer_column="a",
    )
    assert product_from_doc(product_to_doc(version, region="370300")) == version


def test_EXP_2_settings_round_trip() -> None:
    settings = ExportCheckSettings(region="370300", min_cell_count=20, zero_cells_disclosive=False)
    assert settings_from_doc(settings_to_doc(settings)) == settings
    allowed = ExportCheckSettings(region="370300", shared_zero_disclosive=False)
    assert settings_from_doc(settings_to_doc(allowed)) == allowed


def test_EXP_2_group_disclosure_settings_stored_before_the_shared_zero_switch_flag_it() -> None:
    doc = settings_to_doc(ExportCheckSettings(region="370300"))
    del doc["shared_zero_disclosive"]
    assert settings_from_doc(doc).shared_zero_disclosive is True
