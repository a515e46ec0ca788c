"""The console's pages, one module per journey; ``ROUTES`` is every handler, in one list.

Add a journey as a module here with module-level handlers asking for ``who`` and
``platform`` (see ``services/console/web.py``) and its templates under
``templates/<module>/``, then list its ``ROUTES`` below and its link in
``services/console/navigation.py``.
"""

from __future__ import annotations

from typing import Any

from services.console.api import (
    applications,
    export_reviews,
    home,
    negative_list,
    operations,
    operator_authorizations,
    product_filings,
    sandboxes,
    sign_in,
    supervision,
)
from services.console.api.admission import ROUTES as ADMISSION_ROUTES
from services.console.api.admission_reviews import ROUTES as ADMISSION_REVIEW_ROUTES
from services.console.api.exports import ROUTES as EXPORT_ROUTES
from services.console.api.operator import ROUTES as OPERATOR_ROUTES
from services.console.api.product_releases import ROUTES as RELEASE_ROUTES
from services.console.api.products import ROUTES as PRODUCT_ROUTES
from services.console.api.provider import ROUTES as PROVIDER_ROUTES
from services.console.api.scenario_application import ROUTES as APPLICATION_FORM_ROUTES
from services.console.api.scenario_changes import ROUTES as SCENARIO_CHANGE_ROUTES
from services.console.api.workbench import ROUTES as WORKBENCH_ROUTES

ROUTES: list[Any] = [
    *sign_in.ROUTES,
    *home.ROUTES,
    *applications.ROUTES,
    *sandboxes.ROUTES,
    *operations.ROUTES,
    *PROVIDER_ROUTES,
    *OPERATOR_ROUTES,
    *export_reviews.ROUTES,
    *product_filings.ROUTES,
    *operator_authorizations.ROUTES,
    *supervision.ROUTES,
    *negative_list.ROUTES,
    *ADMISSION_ROUTES,
    *APPLICATION_FORM_ROUTES,
    *WORKBENCH_ROUTES,
    *EXPORT_ROUTES,
    *PRODUCT_ROUTES,
    *RELEASE_ROUTES,
    *ADMISSION_REVIEW_ROUTES,
    *SCENARIO_CHANGE_ROUTES,
]
