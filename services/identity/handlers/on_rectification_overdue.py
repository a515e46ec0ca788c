"""``rectification.overdue`` from evaluation (EVA-3) → AUTH-6 on the operator's agreement.

An evaluation finding left unrectified past its deadline is a violation: the bureau's
standing order suspends the agreement's data-use permissions at once. If the agreement
is already suspended and its own correction deadline has passed too, it was not
corrected: the authorization is revoked and the agreement terminated (``not_corrected``).

The change goes through identity's own command path (``authorizations.execute``) acting
for the agreement's bureau (AUTH-1: only the bureau suspends or terminates), so the
aggregate, its events and the audit log are exactly what a bureau official's command
would give. Idempotent under redelivery: the suspension's reason names the order, and
an agreement already suspended for this order is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from contracts.envelope import Envelope, Role
from contracts.events import RectificationOverdue
from libs.auth.principal import Principal, covers
from libs.bus.consumer import EnvelopeHandler
from libs.service import ServiceContext
from services.identity.commands import authorizations
from services.identity.commands.common import audit
from services.identity.domain.authorization import Authorization, State
from services.identity.domain.authorizing import Suspend, Terminate
from services.identity.domain.dates import local_date
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
        f"{event.due_on.isoformat()} (EVA-3, AUTH-6)"
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
    """EVA-3 → AUTH-6 for every agreement of the operator in force in this region."""
    event = envelope.payload
    assert isinstance(event, RectificationOverdue)
    reason = reason_for(event)
    for auth in await _agreements_of(ctx, event.operator_org_id):
        if not covers(envelope.region, auth.region):
            continue
        bureau = acting_bureau(auth)
        if auth.state in (State.ACTIVE, State.RENEWAL_PENDING):
            await authorizations.execute(ctx, bureau, auth.authorization_id, Suspend(reason))
            continue
        suspension = auth.suspension
        if suspension is not None and event.order_id in suspension.reason:
            continue  # this order's suspension is in place already (redelivery)
        today = local_date(ctx.clock.now())
        not_corrected = (
            auth.state is State.SUSPENDED
            and suspension is not None
            and today > suspension.correction_due
        )
        if not_corrected:
            await authorizations.execute(
                ctx, bureau, auth.authorization_id, Terminate("not_corrected", reason)
            )
            continue
        # Suspended with its correction period still running, or a correction reported
        # and under review: AUTH-6 leaves the next step to the bureau; record the order.
        await audit(
            ctx,
            bureau,
            "authorization.rectification_overdue_noted",
            auth.authorization_id,
            {"order_id": event.order_id, "state": auth.state.value},
        )


def handlers(ctx: ServiceContext) -> Mapping[str, EnvelopeHandler]:
    async def on_overdue(envelope: Envelope) -> None:
        await apply_overdue(ctx, envelope)

    return {"rectification.overdue": on_overdue}
