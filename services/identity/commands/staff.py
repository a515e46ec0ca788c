"""Staff records (SEC-4): the bureau records a person's security training and
confidentiality agreement; both the bureau and the person's organization read them; the
sign-in reads the current agreement into the token."""

from __future__ import annotations

from datetime import date

from contracts.envelope import Role
from contracts.errors import Forbidden, NotFound
from libs.auth.principal import Principal
from libs.service import ServiceContext
from services.identity.commands.common import audit, new_id
from services.identity.domain.account import User
from services.identity.domain.staff import StaffRecord, check_record
from services.identity.repository import USERS, from_doc, to_doc

STAFF_RECORDS = "staff_records"


async def _person(ctx: ServiceContext, username: str) -> User:
    doc = await ctx.store.get(USERS, username)
    if doc is None:
        raise NotFound(f"no user {username}", field="username")
    return from_doc(doc, User)


async def record(
    ctx: ServiceContext,
    principal: Principal,
    username: str,
    *,
    kind: str,
    valid_from: date,
    valid_until: date,
    reference: str,
) -> StaffRecord:
    """SEC-4: only the bureau of the person's jurisdiction records training and agreements."""
    person = await _person(ctx, username)
    if principal.role is not Role.BUREAU or not principal.within(person.region):
        raise Forbidden(
            "only the bureau of the person's jurisdiction records staff training and "
            "confidentiality agreements",
            rule="SEC-4",
        )
    check_record(kind, valid_from, valid_until, reference)
    staff_record = StaffRecord(
        record_id=new_id("staff"),
        username=person.username,
        org_id=person.org_id,
        kind=kind,
        valid_from=valid_from,
        valid_until=valid_until,
        reference=reference.strip(),
        recorded_by=principal.user_id,
        recorded_at=ctx.clock.now(),
    )
    await ctx.store.insert(STAFF_RECORDS, to_doc(staff_record, staff_record.record_id))
    await audit(
        ctx,
        principal,
        f"staff.{kind}",
        username,
        {"valid_from": valid_from.isoformat(), "valid_until": valid_until.isoformat()},
    )
    return staff_record


async def records_of(ctx: ServiceContext, username: str) -> list[StaffRecord]:
    docs = await ctx.store.find(STAFF_RECORDS, {"username": username})
    return sorted(
        (from_doc(d, StaffRecord) for d in docs),
        key=lambda r: (r.valid_from, r.recorded_at, r.kind, r.record_id),
    )


async def list_records(
    ctx: ServiceContext, principal: Principal, username: str
) -> list[StaffRecord]:
    """The bureau of the person's jurisdiction, the person's organization and the person."""
    person = await _person(ctx, username)
    if principal.org_id != person.org_id and not (
        principal.role is Role.BUREAU and principal.within(person.region)
    ):
        raise Forbidden(f"the records of {username} are not yours to read")
    return await records_of(ctx, username)
