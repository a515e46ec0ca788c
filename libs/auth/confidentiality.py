"""SEC-4 (保密协议) from the access token: what the caller's token says of their
confidentiality agreement, for a service's domain admission to decide with.

Identity writes the agreement's last day into every password sign-in token (claim
``cfa``, ``Principal.confidentiality_until``); ``confidentiality_of`` reads it into the
pure ``contracts.confidentiality.Confidentiality``. The decision itself is
``contracts.confidentiality.require_current``, called from each service's ``domain/``
admission (request-review's ``record_review``). ``require_confidentiality`` is the same
decision for the api modules whose domain admission does not take the claim yet
(sandbox-broker's job submission, product-release's export decision).
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
    """``require_current`` on the caller's claim (SEC-4), for api modules whose domain
    admission does not take the claim yet."""
    require_current(confidentiality_of(principal), today, doing=doing)


__all__ = ["RULE", "confidentiality_of", "require_confidentiality"]
