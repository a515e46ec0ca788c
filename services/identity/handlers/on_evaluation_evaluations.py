"""``evaluation.evaluations`` (evaluation): ``rectification.overdue`` — a rectification
order not rectified by its deadline terminates the operator's agreement (EVA-3 → AUTH-6),
through identity's own command path (``commands/rectification_overdue.py``)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.identity.commands import rectification_overdue

ROUTES: dict[str, Route] = {
    "rectification.overdue": rectification_overdue.apply_overdue,
}
