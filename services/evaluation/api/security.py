"""``/evaluation/incidents``, ``/evaluation/emergency-plans`` and ``/evaluation/inspections``:
incident reports to the bureau, one emergency plan per authorization with its drills
(SEC-2), and inspections whose findings are tracked to closure (SEC-6)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, PathParameter

from contracts.envelope import Role
from contracts.errors import DomainError
from libs.auth.guard import roles
from libs.http.calls import Call
from services.evaluation.api import schemas as s
from services.evaluation.api import views
from services.evaluation.commands import security as sec

REPORTERS = (Role.OPERATOR, Role.DEVELOPER, Role.PROVIDER, Role.SUPERVISOR)
"""SEC-2: those who run, develop on, supply or oversee the platform report incidents."""
INCIDENT_READERS = (Role.BUREAU, *REPORTERS)
PLAN_READERS = (Role.BUREAU, Role.SUPERVISOR, Role.OPERATOR)
PLAN_PARTIES = (Role.BUREAU, Role.OPERATOR)
"""SEC-2: the bureau draws up plans and organizes drills; an operator that tries is
refused by the domain with the rule named (it takes part, it does not draw up)."""
INSPECTION_READERS = (Role.BUREAU, Role.SUPERVISOR, Role.OPERATOR, Role.DEVELOPER, Role.PROVIDER)


def instant(text: str) -> datetime:
    """The body's pattern admits only RFC 3339 with an offset; a value out of range
    (month 13) is still refused here, as invalid input."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise DomainError(
            f"{text!r} is not a valid instant", rule="SEC-2", field="occurred_at"
        ) from None


FindingIndex = Annotated[int, PathParameter(ge=0, le=99)]


class IncidentController(Controller):
    path = "/incidents"
    tags = ["security"]

    @post("/", guards=[roles(*REPORTERS)], summary="Report a security incident (SEC-2)")
    async def report(
        self, call: NamedDependency[Call], data: JSONBody[s.IncidentBody]
    ) -> s.IncidentView:
        made = await call(
            sec.report_incident,
            severity=data.severity,
            summary=data.summary,
            occurred_at=instant(data.occurred_at),
        )
        return views.incident(made)

    @get("/", guards=[roles(*INCIDENT_READERS)], summary="Incidents the caller may see")
    async def browse(self, call: NamedDependency[Call]) -> list[s.IncidentView]:
        return [views.incident(i) for i in await call(sec.list_incidents)]

    @get("/{incident_id:str}", guards=[roles(*INCIDENT_READERS)], summary="One incident")
    async def read(self, call: NamedDependency[Call], incident_id: FromPath[str]) -> s.IncidentView:
        return await call.view(views.incident, sec.get_incident, incident_id)


class PlanController(Controller):
    path = "/emergency-plans"
    tags = ["security"]

    @put(
        "/{authorization_id:str}",
        guards=[roles(*PLAN_PARTIES)],
        summary="Draw up the authorization's emergency plan with the departments concerned; "
        "drawing up again versions it (一授权一预案, SEC-2)",
    )
    async def draw_up(
        self,
        call: NamedDependency[Call],
        authorization_id: FromPath[str],
        data: JSONBody[s.PlanBody],
    ) -> s.PlanView:
        plan = await call(
            sec.draw_up_plan,
            authorization_id,
            title=data.title,
            content=data.content,
            departments=tuple(data.departments),
        )
        return views.plan(plan)

    @get("/{authorization_id:str}", guards=[roles(*PLAN_READERS)], summary="The plan in force")
    async def read(
        self, call: NamedDependency[Call], authorization_id: FromPath[str]
    ) -> s.PlanView:
        return await call.view(views.plan, sec.get_plan, authorization_id)

    @post(
        "/{authorization_id:str}/drills",
        guards=[roles(*PLAN_PARTIES)],
        summary="Record a drill the bureau organized, the operator taking part (SEC-2)",
    )
    async def drill(
        self,
        call: NamedDependency[Call],
        authorization_id: FromPath[str],
        data: JSONBody[s.DrillBody],
    ) -> s.PlanView:
        plan = await call(
            sec.record_drill,
            authorization_id,
            held_on=data.held_on,
            scenario=data.scenario,
            participants=data.participants,
            participating_org_ids=tuple(data.participating_org_ids),
            lessons=data.lessons,
        )
        return views.plan(plan)


class InspectionController(Controller):
    path = "/inspections"
    tags = ["security"]

    @post("/", guards=[roles(Role.BUREAU)], summary="Record a security inspection (SEC-6)")
    async def record(
        self, call: NamedDependency[Call], data: JSONBody[s.InspectionBody]
    ) -> s.InspectionView:
        made = await call(
            sec.record_inspection,
            subject_org_id=data.subject_org_id,
            inspected_on=data.inspected_on,
            findings=tuple(data.findings),
        )
        return views.inspection(made)

    @get("/", guards=[roles(*INSPECTION_READERS)], summary="Inspections the caller may see")
    async def browse(self, call: NamedDependency[Call]) -> list[s.InspectionView]:
        found = await call(sec.list_inspections)
        return [views.inspection(i) for i in found]

    @get("/{inspection_id:str}", guards=[roles(*INSPECTION_READERS)], summary="One inspection")
    async def read(
        self, call: NamedDependency[Call], inspection_id: FromPath[str]
    ) -> s.InspectionView:
        return await call.view(views.inspection, sec.get_inspection, inspection_id)

    @post(
        "/{inspection_id:str}/findings/{index:int}/closure",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="Close a finding once rectified (SEC-6)",
    )
    async def close(
        self,
        call: NamedDependency[Call],
        inspection_id: FromPath[str],
        index: FindingIndex,
        data: JSONBody[s.ClosureBody],
    ) -> s.InspectionView:
        after = await call(sec.close_finding, inspection_id, index, data.note)
        return views.inspection(after)
