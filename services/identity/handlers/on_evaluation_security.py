"""``evaluation.security`` (evaluation): ``emergency_plan.adopted`` — the read model of
emergency plans (一授权一预案) that signing an agreement consults (SEC-2),
kept by ``commands/emergency_plans.py``."""

from __future__ import annotations

from libs.bus.routes import Route
from services.identity.commands import emergency_plans

ROUTES: dict[str, Route] = {
    "emergency_plan.adopted": emergency_plans.record_plan,
}
