"""``request.scenarios`` (request review): a scenario's class decides free or paid use
(有条件无偿, BIL-1)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.billing.commands import upstream

ROUTES: dict[str, Route] = {
    "scenario.filed": upstream.keep_scenario,
    "scenario.changed": upstream.keep_scenario,
}
