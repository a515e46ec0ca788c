"""``/identity/competition-complaints``: a data merchant complains that the operator
abuses a dominant position (DEV-3); the operator answers with its reasons; the bureau
records its finding. Parties see their own; the bureau and supervisors their region's."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.views import converted
from services.identity.api.bodies import ComplaintAnswerBody, ComplaintBody, ComplaintFindingBody
from services.identity.api.guards import bureau_only
from services.identity.api.views import ComplaintView
from services.identity.commands import complaints

READERS = (Role.BUREAU, Role.SUPERVISOR, Role.OPERATOR, Role.DEVELOPER)


class ComplaintController(Controller):
    path = "/competition-complaints"
    tags = ["data merchants"]

    @post("/", guards=[roles(Role.DEVELOPER)], summary="Complain of abuse of dominance")
    async def file(
        self, call: NamedDependency[Call], data: JSONBody[ComplaintBody]
    ) -> ComplaintView:
        made = await call(
            complaints.file,
            operator_org_id=data.operator_org_id,
            ground=data.ground,
            account=data.account,
        )
        return converted(made, ComplaintView)

    @get("/", guards=[roles(*READERS)], summary="Complaints the caller may see")
    async def browse(self, call: NamedDependency[Call]) -> list[ComplaintView]:
        found = await call(complaints.browse)
        return [converted(c, ComplaintView) for c in found]

    @post(
        "/{complaint_id:str}/answer",
        guards=[roles(Role.OPERATOR)],
        status_code=200,
        summary="The operator states its reasons (DEV-3)",
    )
    async def answer(
        self,
        call: NamedDependency[Call],
        complaint_id: FromPath[str],
        data: JSONBody[ComplaintAnswerBody],
    ) -> ComplaintView:
        after = await call(complaints.answer, complaint_id, data.answer)
        return converted(after, ComplaintView)

    @post(
        "/{complaint_id:str}/finding",
        guards=[bureau_only(rule="DEV-3")],
        status_code=200,
        summary="The bureau records its finding (DEV-3)",
    )
    async def decide(
        self,
        call: NamedDependency[Call],
        complaint_id: FromPath[str],
        data: JSONBody[ComplaintFindingBody],
    ) -> ComplaintView:
        after = await call(
            complaints.decide, complaint_id, uphold=data.uphold, finding=data.finding
        )
        return converted(after, ComplaintView)
