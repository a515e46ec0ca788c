"""``rectification.overdue`` from evaluation (EVA-3) → AUTH-6 on the operator's agreement.

001 art.24: 运营单位应对评估中发现的问题进行限期整改，若整改不到位，终止运营单位授权运营期
内公共数据资源运营资格. A rectification order not rectified by its deadline ends the
operation qualification: the authorization is revoked and the agreement terminated at
once (ground ``rectification_overdue``), whatever state it is in — active, renewal
pending, suspended or with a correction under review. There is no second grace period:
no suspension, no new correction deadline.

The change goes through identity's own command path (``authorizations.execute``) acting
for the agreement's bureau (AUTH-1: only the bureau terminates), so the aggregate, its
events and the audit log are exactly what a bureau official's command would give.
Idempotent under redelivery: a terminated agreement is no longer in force, so a second
delivery finds nothing to end.
"""

from __future__ import annotations

import logging

from contracts.envelope import Envelope, Role
from contracts.events import RectificationOverdue
from libs.auth.principal import Principal, covers
from libs.service import ServiceContext
from services.identity.commands import authorizations
from services.identity.domain.authorization import Authorization
from services.identity.domain.authorizing import Terminate
from services.identity.repository import AUTHORIZATIONS, from_doc

log = logging.getLogger(__name__)

ACTING_USER = "system:rectification-overdue"
"""Who the audit log shows acting: the bureau's order, applied by the platform."""


def acting_bureau(auth: Authorization) -> Principal:
    """The agreement's own bureau; the command path checks AUTH-1 against it."""
    return Principal(
        user_id=ACTING_USER, org_id=auth.bureau_org_id, role=Role.BUREAU, region=auth.region
    )


def reason_for(event: RectificationOverdue) -> str:
    return (
        f"整改逾期: rectification order {event.order_id} was not rectified by "
        f"{event.due_on.isoformat()}; operation qualification terminated (EVA-3, AUTH-6)"
    )


async def _agreements_of(ctx: ServiceContext, operator_org_id: str) -> list[Authorization]:
    docs = await ctx.store.find(
        AUTHORIZATIONS,
        {
            "operator_org_id": operator_org_id,
            "state": {"$in": [s.value for s in authorizations.IN_FORCE]},
        },
    )
    return [from_doc(d, Authorization) for d in docs]


async def apply_overdue(ctx: ServiceContext, envelope: Envelope) -> None:
    """EVA-3 → AUTH-6: terminate every agreement of the operator in force in this region."""
    event = envelope.payload
    if not isinstance(event, RectificationOverdue):
        raise TypeError(f"expected rectification.overdue, got {envelope.type}")
    reason = reason_for(event)
    for auth in await _agreements_of(ctx, event.operator_org_id):
        if not covers(envelope.region, auth.region):
            continue
        command = Terminate("rectification_overdue", reason)
        await authorizations.execute(ctx, acting_bureau(auth), auth.authorization_id, command)
