"""Checks of a model artefact leaving the sandbox (模型出域): EXP-2 and SBX-6.

After ACRO (residual degrees of freedom) and SACRO-ML (models that memorise their
training data): a model may leave only when it cannot give back the rows it was fitted
on. Reversible (可逆) are: instance-based models that keep their training rows
(nearest neighbours, lookup tables, support vector machines, Gaussian processes, kernel
densities); a model with at least as many parameters as training rows; an artefact
that saves training data; a tree whose smallest leaf is a small cell.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.product_release.domain.check_results import CheckResult, Offence, verdict
from services.product_release.domain.outputs import GrantItem, ModelArtefact
from services.product_release.domain.settings import ExportCheckSettings

INSTANCE_BASED = frozenset(
    {
        "knn",
        "k_nearest_neighbours",
        "nearest_neighbours",
        "nearest_neighbors",
        "lookup_table",
        "svm",
        "support_vector_machine",
        "gaussian_process",
        "kernel_density",
    }
)
TRAINING_DATA_COMPONENTS = frozenset(
    {
        "_fit_x",
        "_y",
        "x_train",
        "y_train",
        "train_x",
        "train_y",
        "training_data",
        "training_set",
        "support_vectors_",
    }
)
"""Artefact entries known to hold training rows (scikit-learn's own names included)."""


def residual_dof(model: ModelArtefact) -> int:
    if model.residual_dof is not None:
        return model.residual_dof
    return model.training_rows - model.n_parameters


def check_residual_dof(model: ModelArtefact, settings: ExportCheckSettings) -> CheckResult:
    """EXP-2: a model keeps at least ``min_residual_dof`` residual degrees of freedom."""
    dof = residual_dof(model)
    offences: list[Offence] = []
    if dof < settings.min_residual_dof:
        offences.append(
            {
                "model": model.name,
                "residual_dof": dof,
                "detail": f"{dof} residual degrees of freedom, fewer than "
                f"{settings.min_residual_dof}",
            }
        )
    return verdict(
        "residual_degrees_of_freedom",
        ("EXP-2",),
        offences,
        passed=f"{dof} residual degrees of freedom",
        failed="too few residual degrees of freedom: the fit reveals individual rows",
    )


def check_reversible(model: ModelArtefact, settings: ExportCheckSettings) -> CheckResult:
    """SBX-6: a model that could give back its training data never leaves."""
    offences: list[Offence] = []
    family = model.family.strip().lower().replace("-", "_").replace(" ", "_")
    if family in INSTANCE_BASED:
        offences.append({"detail": f"a {model.family} model keeps its training rows"})
    if model.n_parameters >= model.training_rows:
        offences.append(
            {
                "detail": "at least as many parameters as training rows: it can store its data",
                "parameters": model.n_parameters,
                "training_rows": model.training_rows,
            }
        )
    saved = sorted(c for c in model.components if c.lower() in TRAINING_DATA_COMPONENTS)
    if model.contains_training_data or saved:
        offences.append({"detail": "the artefact saves training data", "components": saved})
    if model.min_leaf_size is not None and model.min_leaf_size < settings.min_cell_count:
        offences.append(
            {
                "detail": f"a leaf of {model.min_leaf_size} training rows is a cell below "
                f"{settings.min_cell_count}",
            }
        )
    return verdict(
        "reversible_model",
        ("SBX-6",),
        offences,
        passed="the model keeps no training rows and cannot be inverted to them",
        failed="a reversible model could restore the raw data",
    )


def check_model_identifiers(model: ModelArtefact, grant_items: Sequence[GrantItem]) -> CheckResult:
    """EXP-2: a model fitted on a grade-4 item (an ID number) memorises identities."""
    grade_four = {item.name for item in grant_items if item.grade >= 4}
    offences: list[Offence] = [
        {"feature": feature, "detail": "a grade-4 data item used as a feature"}
        for feature in model.features
        if feature in grade_four
    ]
    return verdict(
        "direct_identifiers",
        ("EXP-2",),
        offences,
        passed="no grade-4 data item among the features",
        failed="direct identifiers never leave the sandbox, not even inside a model",
    )
