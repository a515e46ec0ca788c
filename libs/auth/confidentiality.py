"""SEC-4 (保密协议) from the access token: what the caller's token says of their
confidentiality agreement, for a service's domain admission to decide with.

Identity writes the agreement's last day into every password sign-in token (claim
``cfa``, ``Principal.confidentiality_until``); ``confidentiality_of`` reads it into the
pure ``contracts.confidentiality.Confidentiality``. The decision itself is
``contracts.confidentiality.require_current``, called from each service's ``domain/``
admission with this claim as an input: request-review's ``record_review``, sandbox-broker's
``admit`` (job, import, export), product-release's export decision (``ApproveExport``,
``RejectExport``). No api module decides SEC-4; ``require_confidentiality`` only composes
the reader with the decision (kept for the identity unit test that states the rule on a
``Principal``) and is called by no service.
"""

from __future__ import annotations

from datetime import date

from contracts.confidentiality import RULE, Confidentiality, require_current
from libs.auth.principal import Principal


def confidentiality_of(principal: Principal) -> Confidentiality:
    """The caller's confidentiality claim: a person (signed in with a password, ``staff``)
    and the last day of their current agreement; machine clients are not people."""
    return Confidentiality(
        user_id=principal.user_id,
        person=principal.staff,
        until=principal.confidentiality_until,
    )


def require_confidentiality(principal: Principal, today: date, *, doing: str) -> None:
    """``require_current`` on the caller's claim (SEC-4). Services do not call it: their
    domain admission takes ``confidentiality_of(principal)`` as an input."""
    require_current(confidentiality_of(principal), today, doing=doing)


__all__ = ["RULE", "confidentiality_of", "require_confidentiality"]
