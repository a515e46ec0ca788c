"""SEC-4 at the admission points (保密协议): a person without a current confidentiality
agreement may not review applications, run jobs in a sandbox or decide exports.

Identity writes the agreement's last day into every password sign-in token (claim
``cfa``); the services that do those things call ``require_confidentiality`` with their
clock's date. Machine clients and system actors are not people and are not checked.
"""

from __future__ import annotations

from datetime import date

from contracts.errors import Forbidden
from libs.auth.principal import Principal

RULE = "SEC-4"


def require_confidentiality(principal: Principal, today: date, *, doing: str) -> None:
    """Raise ``Forbidden`` naming SEC-4 unless the signed-in person's confidentiality
    agreement runs through ``today``."""
    if not principal.staff:
        return
    until = principal.confidentiality_until
    if until is None or until < today:
        state = "has expired" if until else "is not recorded"
        raise Forbidden(
            f"{principal.user_id} may not {doing}: their confidentiality agreement (保密协议) "
            f"{state} (SEC-4); the bureau records a current one, then sign in again",
            rule=RULE,
        )
