"""SEC-4 (保密协议) as one pure decision: a person without a current confidentiality
agreement may not review applications, run jobs in a sandbox or decide exports.

``Confidentiality`` is what the caller's access token says (identity writes the
agreement's last day into every password sign-in token; ``libs.auth.confidentiality``
reads it); each service's domain admission calls ``require_current`` with it and the
day of the act. Machine clients and system actors are not people and are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.errors import Forbidden

RULE = "SEC-4"


@dataclass(frozen=True, slots=True)
class Confidentiality:
    """The caller as SEC-4 sees it: who, whether a person signed in (``person``), and the
    last day of their current confidentiality agreement, if any."""

    user_id: str
    person: bool
    until: date | None = None


def require_current(who: Confidentiality, today: date, *, doing: str) -> None:
    """SEC-4: raise ``Forbidden`` naming the rule unless a person's confidentiality
    agreement runs through ``today``."""
    if not who.person:
        return
    if who.until is None or who.until < today:
        state = "has expired" if who.until else "is not recorded"
        raise Forbidden(
            f"{who.user_id} may not {doing}: their confidentiality agreement (保密协议) "
            f"{state} (SEC-4); the bureau records a current one, then sign in again",
            rule=RULE,
        )


__all__ = ["RULE", "Confidentiality", "require_current"]
