"""``/identity/admissions``: developers apply for admission (入驻, DEV-1), the operator
reviews and signs the development agreement, either ends it (DEV-2); the bureau reads the
report of admissions per period."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.http.calls import Call
from libs.http.views import converted
from services.identity.api.bodies import (
    AdmissionBody,
    CooperationFilingBody,
    DevelopmentAgreementBody,
    EndAdmissionBody,
    ReviewBody,
)
from services.identity.api.guards import SIGNED_IN, bureau_only
from services.identity.api.views import AdmissionReport, AdmissionView
from services.identity.commands import admissions
from services.identity.domain.admission import Admission, AdmissionRequest, State


def admission_view(admission: Admission) -> AdmissionView:
    return converted(admission, AdmissionView, cooperation_complete=admission.cooperation_complete)


class AdmissionController(Controller):
    path = "/admissions"
    tags = ["developer admission"]

    @post("/", guards=[roles(Role.DEVELOPER)], summary="Apply for admission (入驻申请)")
    async def apply(
        self, call: NamedDependency[Call], data: JSONBody[AdmissionBody]
    ) -> AdmissionView:
        declared = AdmissionRequest(
            data_management_capability=data.data_management_capability,
            security_capability=data.security_capability,
            no_security_incident_3_years=data.no_security_incident_3_years,
            good_standing=data.good_standing,
        )
        admission = await call(admissions.apply, data.operator_org_id, declared)
        return admission_view(admission)

    @get(
        "/",
        guards=[roles(Role.DEVELOPER, Role.OPERATOR)],
        summary="My admissions (as developer or operator)",
    )
    async def mine(self, call: NamedDependency[Call]) -> list[AdmissionView]:
        found = await call(admissions.mine)
        return [admission_view(a) for a in found]

    @get(
        "/report",
        guards=[bureau_only()],
        summary="Admissions granted or ended in a period (报备, DEV-1)",
    )
    async def report(
        self, call: NamedDependency[Call], first: FromQuery[date], last: FromQuery[date]
    ) -> AdmissionReport:
        found = await call(admissions.report, first=first, last=last)
        views = [admission_view(a) for a in found]
        return AdmissionReport(
            first=first,
            last=last,
            admitted=[v for v in views if v.admitted_at is not None],
            ended=[v for v in views if v.state in (State.REMOVED, State.EXITED)],
        )

    @get("/{admission_id:str}", guards=[roles(*SIGNED_IN)], summary="One admission")
    async def read(self, call: NamedDependency[Call], admission_id: FromPath[str]) -> AdmissionView:
        admission = await call(admissions.get, admission_id)
        return admission_view(admission)

    @post(
        "/{admission_id:str}/review",
        guards=[roles(Role.OPERATOR)],
        status_code=200,
        summary="The operator approves or rejects (with a reason)",
    )
    async def review(
        self, call: NamedDependency[Call], admission_id: FromPath[str], data: JSONBody[ReviewBody]
    ) -> AdmissionView:
        admission = await call(
            admissions.review, admission_id, approve=data.approve, reason=data.reason
        )
        return admission_view(admission)

    @post(
        "/{admission_id:str}/agreement",
        guards=[roles(Role.OPERATOR)],
        status_code=200,
        summary="Sign the development agreement (开发利用协议): the developer is admitted",
    )
    async def sign(
        self,
        call: NamedDependency[Call],
        admission_id: FromPath[str],
        data: JSONBody[DevelopmentAgreementBody],
    ) -> AdmissionView:
        admission = await call(admissions.sign_agreement, admission_id, terms=data.terms)
        return admission_view(admission)

    @post(
        "/{admission_id:str}/filing",
        guards=[roles(Role.OPERATOR)],
        status_code=200,
        summary="File the signed cooperation agreement with the bureau (合作协议备案, DEV-3)",
    )
    async def file_cooperation(
        self,
        call: NamedDependency[Call],
        admission_id: FromPath[str],
        data: JSONBody[CooperationFilingBody],
    ) -> AdmissionView:
        admission = await call(
            admissions.file_cooperation,
            admission_id,
            reference=data.reference,
            summary=data.summary,
        )
        return admission_view(admission)

    @get(
        "/filings",
        guards=[bureau_only(rule="DEV-3")],
        summary="Cooperation agreements filed with the bureau, and admissions not yet filed",
    )
    async def filings(
        self, call: NamedDependency[Call], filed: Annotated[bool | None, QueryParameter()] = None
    ) -> list[AdmissionView]:
        found = await call(admissions.filings, filed=filed)
        return [admission_view(a) for a in found]

    @post(
        "/{admission_id:str}/end",
        guards=[roles(Role.OPERATOR, Role.DEVELOPER)],
        status_code=200,
        summary="The developer exits, or the operator removes it (DEV-2)",
    )
    async def end(
        self,
        call: NamedDependency[Call],
        admission_id: FromPath[str],
        data: JSONBody[EndAdmissionBody],
    ) -> AdmissionView:
        admission = await call(admissions.end, admission_id, reason=data.reason)
        return admission_view(admission)
