"""``/request-review/applications``: one scenario, one application (一场景一申请, REQ-1);
reviews by every required reviewer (REQ-3) and risks found in review (REQ-7)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.confidentiality import confidentiality_of
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.paging import Paging
from libs.service import ServiceContext
from services.request_review.api.schemas import (
    ApplicationBody,
    ApplicationPage,
    ApplicationView,
    ReviewBody,
    RiskBody,
    RiskPage,
    RiskView,
)
from services.request_review.api.views import application_view, risk_view
from services.request_review.commands import applications as application_commands
from services.request_review.domain.application import (
    ApplyForScenario,
    Narrowing,
    RecordReview,
    RequestedItem,
    RequestLine,
)

APPLICATION_READERS = (Role.BUREAU, Role.SUPERVISOR, Role.DEVELOPER, Role.PROVIDER)
REVIEWERS = (Role.BUREAU, Role.PROVIDER)
"""The bureau, providers, and an industry authority (signed in as either)."""
Status = Annotated[str | None, QueryParameter(pattern=r"^(under_review|approved|rejected)$")]


class ApplicationController(Controller):
    path = "/applications"
    tags = ["applications"]

    @post("/", guards=[roles(Role.DEVELOPER)], summary="Apply for one scenario (REQ-1)")
    async def submit(
        self, call: NamedDependency[Call], data: JSONBody[ApplicationBody]
    ) -> ApplicationView:
        cmd = ApplyForScenario(
            scenario_id=data.scenario_id,
            developer_org_id=call.principal.org_id,
            applicant_user_id=call.principal.user_id,
            purpose=data.purpose,
            resources=tuple(
                RequestLine(
                    resource_id=r.resource_id,
                    items=tuple(
                        RequestedItem(name=i.name, justification=i.justification) for i in r.items
                    ),
                )
                for r in data.resources
            ),
            wished_valid_until=data.wished_valid_until,
        )
        return await call.view(application_view, application_commands.submit, cmd)

    @get("/", guards=[roles(*APPLICATION_READERS)], summary="Applications the caller may see")
    async def browse(
        self,
        call: NamedDependency[Call],
        paging: NamedDependency[Paging],
        status: Status = None,
        scenario_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
    ) -> ApplicationPage:
        return await call.page(
            paging,
            application_view,
            application_commands.list_applications,
            status=status,
            scenario_id=scenario_id,
        )

    @get("/{application_id:str}", guards=[roles(*APPLICATION_READERS)], summary="One application")
    async def read(
        self, call: NamedDependency[Call], application_id: FromPath[str]
    ) -> ApplicationView:
        return await call.view(
            application_view, application_commands.get_application, application_id
        )

    @post(
        "/{application_id:str}/reviews",
        guards=[roles(*REVIEWERS)],
        status_code=200,
        summary="Record a required reviewer's decision (REQ-3)",
    )
    async def review(
        self, call: NamedDependency[Call], application_id: FromPath[str], data: JSONBody[ReviewBody]
    ) -> ApplicationView:
        cmd = RecordReview(
            reviewer_org_id=call.principal.org_id,
            reviewer_user_id=call.principal.user_id,
            reviewer_role=call.principal.role.value,
            reviewer_confidentiality=confidentiality_of(
                call.principal
            ),  # SEC-4, decided in domain/
            decision=data.decision,
            opinion=data.opinion,
            expert_opinion=data.expert_opinion,
            narrowing=tuple(
                Narrowing(
                    resource_id=c.resource_id,
                    items=tuple(c.items) if c.items is not None else None,
                    row_filter=c.row_filter,
                    masking=dict(c.masking),
                )
                for c in data.resources
            ),
        )
        return await call.view(application_view, application_commands.review, application_id, cmd)

    @post(
        "/{application_id:str}/risks",
        guards=[roles(*REVIEWERS)],
        summary="Report a risk found in review to the bureau (REQ-7)",
    )
    async def report_risk(
        self, call: NamedDependency[Call], application_id: FromPath[str], data: JSONBody[RiskBody]
    ) -> RiskView:
        risk = await call(
            application_commands.report_risk,
            application_id,
            severity=data.severity,
            description=data.description,
        )
        return risk_view(risk)


class RiskController(Controller):
    path = "/risks"
    tags = ["risks"]

    @get("/", guards=[roles(Role.BUREAU, Role.SUPERVISOR)], summary="Risks reported (REQ-7)")
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
        application_id: Annotated[str | None, QueryParameter(max_length=100)] = None,
        severity: Annotated[
            str | None, QueryParameter(pattern=r"^(low|medium|high|critical)$")
        ] = None,
    ) -> RiskPage:
        found, total = await application_commands.list_risks(
            ctx,
            application_id=application_id,
            severity=severity,
            offset=paging.offset,
            limit=paging.limit,
        )
        return paging.page(
            items=[risk_view(r) for r in found],
            total=total,
        )
