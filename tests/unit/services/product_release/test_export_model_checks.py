"""Model artefacts leaving the sandbox: EXP-2 residual degrees of freedom and SBX-6
reversible models (nearest neighbours, lookup tables, saved training data)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from services.product_release.domain.check_report import CheckReport, run_checks
from services.product_release.domain.outputs import GrantItem, ModelArtefact
from tests.unit.services.product_release.export_factories import settings_factory


def model(**overrides: Any) -> ModelArtefact:
    base = ModelArtefact(
        name="credit_score_logit",
        family="logistic_regression",
        n_parameters=12,
        training_rows=48_000,
        features=("tax_paid", "insured_headcount", "years_registered"),
        components=("coef_", "intercept_", "classes_"),
    )
    return replace(base, **overrides)


def result(report: CheckReport, name: str) -> tuple[bool, list[dict[str, object]]]:
    found = next(c for c in report.checks if c.name == name)
    return found.passed, list(found.offending)


def test_EXP_2_SBX_6_a_plain_regression_passes_every_model_check() -> None:
    report = run_checks(model(), settings=settings_factory())
    assert report.passed
    assert report.output_kind == "model"
    assert [c.name for c in report.checks] == [
        "residual_degrees_of_freedom",
        "reversible_model",
        "direct_identifiers",
    ]


def test_EXP_2_model_with_too_few_residual_degrees_of_freedom_fails() -> None:
    report = run_checks(model(n_parameters=6, training_rows=15), settings=settings_factory())
    passed, offending = result(report, "residual_degrees_of_freedom")
    assert not passed and offending[0]["residual_dof"] == 9


def test_EXP_2_ten_residual_degrees_of_freedom_are_enough() -> None:
    report = run_checks(model(n_parameters=6, training_rows=16), settings=settings_factory())
    assert result(report, "residual_degrees_of_freedom")[0]


def test_EXP_2_reported_residual_dof_wins_and_the_minimum_is_a_setting() -> None:
    fitted = model(residual_dof=25)
    assert result(run_checks(fitted, settings=settings_factory()), "residual_degrees_of_freedom")[0]
    strict = settings_factory(min_residual_dof=30)
    assert not result(run_checks(fitted, settings=strict), "residual_degrees_of_freedom")[0]


@pytest.mark.parametrize("family", ["knn", "k-nearest neighbours", "lookup_table", "SVM"])
def test_SBX_6_instance_based_models_keep_their_training_rows_and_are_refused(family: str) -> None:
    passed, offending = result(
        run_checks(model(family=family), settings=settings_factory()), "reversible_model"
    )
    assert not passed and "keeps its training rows" in str(offending[0]["detail"])


def test_SBX_6_a_model_with_as_many_parameters_as_training_rows_is_refused() -> None:
    report = run_checks(
        model(family="neural_network", n_parameters=5_000, training_rows=5_000, residual_dof=50),
        settings=settings_factory(),
    )
    passed, offending = result(report, "reversible_model")
    assert not passed and offending[0]["training_rows"] == 5_000


@pytest.mark.parametrize(
    "overrides",
    [
        {"components": ("coef_", "_fit_X")},
        {"components": ("X_train",)},
        {"contains_training_data": True},
    ],
)
def test_SBX_6_an_artefact_that_saves_training_data_is_refused(overrides: dict[str, Any]) -> None:
    passed, offending = result(
        run_checks(model(**overrides), settings=settings_factory()), "reversible_model"
    )
    assert not passed and offending[0]["detail"] == "the artefact saves training data"


def test_SBX_6_a_tree_with_leaves_below_the_cell_minimum_is_refused() -> None:
    tree = model(family="decision_tree", n_parameters=200, min_leaf_size=3)
    assert not result(run_checks(tree, settings=settings_factory()), "reversible_model")[0]
    pruned = replace(tree, min_leaf_size=25)
    assert result(run_checks(pruned, settings=settings_factory()), "reversible_model")[0]


def test_EXP_2_a_model_fitted_on_a_grade_4_item_fails() -> None:
    items = [GrantItem("id_number", 4), GrantItem("tax_paid", 3)]
    report = run_checks(
        model(features=("id_number", "tax_paid")), settings=settings_factory(), grant_items=items
    )
    passed, offending = result(report, "direct_identifiers")
    assert not passed and offending == [
        {"feature": "id_number", "detail": "a grade-4 data item used as a feature"}
    ]
