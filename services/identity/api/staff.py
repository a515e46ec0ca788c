"""``/identity/users/{username}/staff-records``: a person's security training and
confidentiality agreement with their validity dates (SEC-4)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.views import converted
from services.identity.api.guards import SIGNED_IN, bureau_only
from services.identity.commands import staff


class StaffRecordBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: Literal["training", "confidentiality"]
    valid_from: dt.date
    valid_until: dt.date
    reference: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class StaffRecordView(msgspec.Struct, kw_only=True):
    record_id: str
    username: str
    org_id: str
    kind: str
    valid_from: dt.date
    valid_until: dt.date
    reference: str
    recorded_by: str
    recorded_at: dt.datetime


class StaffController(Controller):
    path = "/users/{username:str}/staff-records"
    tags = ["accounts"]

    @post("/", guards=[bureau_only(rule="SEC-4")], summary="Record training or agreement")
    async def record(
        self, call: NamedDependency[Call], username: FromPath[str], data: JSONBody[StaffRecordBody]
    ) -> StaffRecordView:
        done = await call(
            staff.record,
            username,
            kind=data.kind,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            reference=data.reference,
        )
        return converted(done, StaffRecordView)

    @get("/", guards=[roles(*SIGNED_IN)], summary="A person's training and agreements")
    async def browse(
        self, call: NamedDependency[Call], username: FromPath[str]
    ) -> list[StaffRecordView]:
        found = await call(staff.list_records, username)
        return [converted(r, StaffRecordView) for r in found]
