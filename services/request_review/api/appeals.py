"""``/request-review/appeals``: appeals (申诉) to the bureau against a rejected
admission, application or export review, and the bureau's decision (REQ-6)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.paging import Paging
from services.request_review.api.schemas import (
    AppealBody,
    AppealDecisionBody,
    AppealPage,
    AppealView,
)
from services.request_review.api.views import appeal_view
from services.request_review.commands import appeals as appeal_commands

APPEAL_READERS = (Role.BUREAU, Role.SUPERVISOR, Role.DEVELOPER)


class AppealController(Controller):
    path = "/appeals"
    tags = ["appeals"]

    @post("/", guards=[roles(Role.DEVELOPER)], summary="Appeal to the bureau (申诉, REQ-6)")
    async def file(self, call: NamedDependency[Call], data: JSONBody[AppealBody]) -> AppealView:
        appeal = await call(
            appeal_commands.file_appeal,
            subject_kind=data.subject_kind,
            subject_id=data.subject_id,
            grounds=data.grounds,
        )
        return appeal_view(appeal)

    @get("/", guards=[roles(*APPEAL_READERS)], summary="Appeals the caller may see")
    async def browse(
        self,
        call: NamedDependency[Call],
        paging: NamedDependency[Paging],
        status: Annotated[str | None, QueryParameter(pattern=r"^(filed|upheld|dismissed)$")] = None,
        subject_kind: Annotated[
            str | None, QueryParameter(pattern=r"^(admission|application|export)$")
        ] = None,
    ) -> AppealPage:
        return await call.page(
            paging,
            appeal_view,
            appeal_commands.list_appeals,
            status=status,
            subject_kind=subject_kind,
        )

    @get("/{appeal_id:str}", guards=[roles(*APPEAL_READERS)], summary="One appeal")
    async def read(self, call: NamedDependency[Call], appeal_id: FromPath[str]) -> AppealView:
        return await call.view(appeal_view, appeal_commands.get_appeal, appeal_id)

    @post(
        "/{appeal_id:str}/decision",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="The bureau upholds or dismisses the appeal (REQ-6)",
    )
    async def decide(
        self,
        call: NamedDependency[Call],
        appeal_id: FromPath[str],
        data: JSONBody[AppealDecisionBody],
    ) -> AppealView:
        appeal = await call(
            appeal_commands.decide,
            appeal_id,
            decision=data.decision,
            reasoning=data.reasoning,
        )
        return appeal_view(appeal)
