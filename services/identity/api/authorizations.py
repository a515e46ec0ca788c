"""``/identity/authorizations``: operator authorization (授权运营) from the tender to the end
of the agreement. Every route that authorizes is the bureau's alone (AUTH-1); operators
apply, renew and report corrections; anyone signed in may object during publicity."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import roles
from libs.auth.principal import Principal
from libs.http.calls import Call
from libs.http.paging import Paging
from libs.http.views import converted
from libs.service import ServiceContext
from services.identity.api.bodies import (
    ApplicationBody,
    AttachmentBody,
    CollectiveDecisionBody,
    CorrectionBody,
    DraftBody,
    FinanceOpinionBody,
    ObjectionBody,
    ObjectionDecisionBody,
    PublishTenderBody,
    ReasonBody,
    RenewalBody,
    RenewalDecisionBody,
    ScoreBody,
    TerminationBody,
    TransferBody,
)
from services.identity.api.guards import SIGNED_IN, bureau_only
from services.identity.api.views import AuthorizationPage, AuthorizationView, SweepView
from services.identity.commands import authorizations as commands
from services.identity.commands.common import new_id
from services.identity.domain import authorizing as cmd
from services.identity.domain.agreement import AuthorizationMode, Scope, missing_sections
from services.identity.domain.application import (
    Attachment,
    OperatorApplication,
    OrganizationNature,
    Shareholder,
)
from services.identity.domain.authorization import TRANSITIONS, Authorization, SelectionMode
from services.identity.repository import plan_version

AUTHORIZES = bureau_only(rule="AUTH-1")
OBJECTORS = tuple(r for r in SIGNED_IN if r is not Role.BUREAU)


def view(
    auth: Authorization, principal: Principal | None = None, emergency_plan_version: int = 0
) -> AuthorizationView:
    """The whole record for the bureau and supervisors with jurisdiction; applicants and
    others see only their own application (competitors' records stay private)."""
    full = principal is None or (
        principal.role in (Role.BUREAU, Role.SUPERVISOR) and principal.within(auth.region)
    )
    shown = tuple(
        a for a in auth.applications if full or (principal and a.org_id == principal.org_id)
    )
    sections = auth.agreement.sections if auth.agreement else {}
    return converted(
        auth,
        AuthorizationView,
        applications=msgspec.to_builtins(list(shown)),
        operator_org_id=auth.operator_org_id,
        next_steps=sorted(TRANSITIONS[auth.state]),
        missing_sections=missing_sections(sections) if auth.agreement else [],
        emergency_plan_version=emergency_plan_version,
    )


def _attachment(body: AttachmentBody | None) -> Attachment | None:
    return None if body is None else msgspec.convert(msgspec.to_builtins(body), Attachment)


async def run(
    ctx: ServiceContext, principal: Principal, auth_id: str, command: cmd.Command
) -> AuthorizationView:
    after = await commands.execute(ctx, principal, auth_id, command)
    return view(after, principal, await plan_version(ctx.store, auth_id))


class AuthorizationController(Controller):
    path = "/authorizations"
    tags = ["operator authorization"]

    @post("/", guards=[AUTHORIZES], summary="Publish a tender for the operator (遴选公告)")
    async def publish(
        self, call: NamedDependency[Call], data: JSONBody[PublishTenderBody]
    ) -> AuthorizationView:
        auth = await call(
            commands.publish_tender,
            title=data.title,
            selection_mode=SelectionMode(data.selection_mode),
            scope=Scope(
                mode=AuthorizationMode(data.mode),
                domain=data.domain,
                industry_authority_org_id=data.industry_authority_org_id,
                resources=tuple(data.resources),
            ),
            invited_org_ids=tuple(data.invited_org_ids),
        )
        return view(auth)

    @get("/", guards=[roles(*SIGNED_IN)], summary="Authorizations you may see")
    async def browse(
        self,
        call: NamedDependency[Call],
        paging: NamedDependency[Paging],
        in_state: Annotated[str | None, QueryParameter(name="state")] = None,
    ) -> AuthorizationPage:
        found, total = await call(
            commands.browse, state=in_state, offset=paging.offset, limit=paging.limit
        )
        items = [view(a, call.principal) for a in found]
        return paging.page(items=items, total=total)

    @get("/{auth_id:str}", guards=[roles(*SIGNED_IN)], summary="One authorization")
    async def read(self, call: NamedDependency[Call], auth_id: FromPath[str]) -> AuthorizationView:
        found = await call(commands.get, auth_id)
        return view(found, call.principal, await plan_version(call.ctx.store, auth_id))

    @post(
        "/{auth_id:str}/applications",
        guards=[roles(Role.OPERATOR)],
        summary="Apply as operator (AUTH-9)",
    )
    async def apply(
        self, call: NamedDependency[Call], auth_id: FromPath[str], data: JSONBody[ApplicationBody]
    ) -> AuthorizationView:
        record = OperatorApplication(
            credit_code=data.credit_code,
            legal_representative=data.legal_representative,
            security_officer=data.security_officer,
            founded_on=data.founded_on,
            business_term_ends_on=data.business_term_ends_on,
            contact_name=data.contact_name,
            contact_phone=data.contact_phone,
            organization_nature=OrganizationNature(data.organization_nature),
            profile=data.profile,
            strengths=data.strengths,
            operation_plan_summary=data.operation_plan_summary,
            expected_results=data.expected_results,
            qualifications=dict(data.qualifications),
            contact_address=data.contact_address,
            shareholders=msgspec.convert(
                msgspec.to_builtins(data.shareholders), tuple[Shareholder, ...]
            ),
            actual_controller=data.actual_controller,
            audit_report=_attachment(data.audit_report),
            financial_statements=_attachment(data.financial_statements),
            data_security_commitment=_attachment(data.data_security_commitment),
            security_risk_self_assessment=_attachment(data.security_risk_self_assessment),
        )
        return await call(run, auth_id, cmd.SubmitApplication(new_id("app"), record))

    @post("/{auth_id:str}/applications/close", guards=[AUTHORIZES], status_code=200)
    async def close_applications(
        self, call: NamedDependency[Call], auth_id: FromPath[str]
    ) -> AuthorizationView:
        """Close the applications and begin the evaluation (评审)."""
        return await call(run, auth_id, cmd.CloseApplications())

    @post(
        "/{auth_id:str}/applications/{application_id:str}/score",
        guards=[AUTHORIZES],
        status_code=200,
    )
    async def score(
        self,
        call: NamedDependency[Call],
        auth_id: FromPath[str],
        application_id: FromPath[str],
        data: JSONBody[ScoreBody],
    ) -> AuthorizationView:
        """Record the evaluation score (0-100) of one application."""
        command = cmd.ScoreApplication(application_id, data.score, data.remarks)
        return await call(run, auth_id, command)

    @post("/{auth_id:str}/result", guards=[AUTHORIZES], status_code=200)
    async def publicize(
        self, call: NamedDependency[Call], auth_id: FromPath[str]
    ) -> AuthorizationView:
        """Publicize the selected operator (结果公示) for the jurisdiction's period."""
        return await call(run, auth_id, cmd.PublicizeResult())

    @post("/{auth_id:str}/objections", guards=[roles(*OBJECTORS)])
    async def object_to(
        self, call: NamedDependency[Call], auth_id: FromPath[str], data: JSONBody[ObjectionBody]
    ) -> AuthorizationView:
        """File an objection (异议) during the publicity period (AUTH-2)."""
        command = cmd.FileObjection(new_id("obj"), data.grounds)
        return await call(run, auth_id, command)

    @post(
        "/{auth_id:str}/objections/{objection_id:str}/decision",
        guards=[AUTHORIZES],
        status_code=200,
    )
    async def decide_objection(
        self,
        call: NamedDependency[Call],
        auth_id: FromPath[str],
        objection_id: FromPath[str],
        data: JSONBody[ObjectionDecisionBody],
    ) -> AuthorizationView:
        """Uphold (the result is void, back to evaluation) or dismiss an objection."""
        command = cmd.DecideObjection(objection_id, data.uphold, data.reason)
        return await call(run, auth_id, command)

    @put("/{auth_id:str}/agreement", guards=[AUTHORIZES])
    async def draft(
        self, call: NamedDependency[Call], auth_id: FromPath[str], data: JSONBody[DraftBody]
    ) -> AuthorizationView:
        """Draft or redraft the agreement (协议拟定): term and sections (AUTH-3, AUTH-4)."""
        command = cmd.DraftAgreement(
            new_id("agr"), data.starts_on, data.ends_on, dict(data.sections)
        )
        return await call(run, auth_id, command)

    @post("/{auth_id:str}/agreement/collective-decision", guards=[AUTHORIZES], status_code=200)
    async def collective_decision(
        self,
        call: NamedDependency[Call],
        auth_id: FromPath[str],
        data: JSONBody[CollectiveDecisionBody],
    ) -> AuthorizationView:
        """Record the bureau's collective decision (三重一大) on the draft (AUTH-11)."""
        command = cmd.RecordCollectiveDecision(
            data.meeting, data.decided_on, data.approved, data.body
        )
        return await call(run, auth_id, command)

    @post("/{auth_id:str}/agreement/finance-opinion", guards=[AUTHORIZES], status_code=200)
    async def finance_opinion(
        self,
        call: NamedDependency[Call],
        auth_id: FromPath[str],
        data: JSONBody[FinanceOpinionBody],
    ) -> AuthorizationView:
        """Record the finance department's opinion on revenue sharing (AUTH-11)."""
        command = cmd.RecordFinanceOpinion(data.department, data.opinion, data.given_on)
        return await call(run, auth_id, command)

    @post("/{auth_id:str}/agreement/signature", guards=[AUTHORIZES], status_code=200)
    async def sign(self, call: NamedDependency[Call], auth_id: FromPath[str]) -> AuthorizationView:
        """Sign the agreement: only after publicity closed (AUTH-2), with every section
        (AUTH-4), a term within the jurisdiction's (AUTH-3), exclusivity per AUTH-10, the
        collective decision and the finance opinion (AUTH-11), the approved
        implementation plan (AUTH-12) and the bureau's emergency plan (SEC-2)."""
        return await call(run, auth_id, cmd.SignAgreement())

    @post("/{auth_id:str}/renewal", guards=[roles(Role.OPERATOR)], status_code=200)
    async def apply_for_renewal(
        self, call: NamedDependency[Call], auth_id: FromPath[str], data: JSONBody[RenewalBody]
    ) -> AuthorizationView:
        """The operator applies for renewal within the last months of the term (AUTH-5)."""
        command = cmd.ApplyForRenewal(data.proposed_ends_on)
        return await call(run, auth_id, command)

    @post("/{auth_id:str}/renewal/decision", guards=[AUTHORIZES], status_code=200)
    async def decide_renewal(
        self,
        call: NamedDependency[Call],
        auth_id: FromPath[str],
        data: JSONBody[RenewalDecisionBody],
    ) -> AuthorizationView:
        """Approve (the term is extended, AUTH-3) or reject a renewal."""
        command = cmd.DecideRenewal(data.approve, data.reason, data.ends_on)
        return await call(run, auth_id, command)

    @post("/{auth_id:str}/suspension", guards=[AUTHORIZES], status_code=200)
    async def suspend(
        self, call: NamedDependency[Call], auth_id: FromPath[str], data: JSONBody[ReasonBody]
    ) -> AuthorizationView:
        """Suspend for a violation, with a correction deadline (AUTH-6)."""
        return await call(run, auth_id, cmd.Suspend(data.reason))

    @post("/{auth_id:str}/correction", guards=[roles(Role.OPERATOR)], status_code=200)
    async def report_correction(
        self, call: NamedDependency[Call], auth_id: FromPath[str], data: JSONBody[CorrectionBody]
    ) -> AuthorizationView:
        """The operator reports its correction (整改报告) by the deadline (AUTH-6)."""
        return await call(run, auth_id, cmd.ReportCorrection(data.report))

    @post("/{auth_id:str}/reinstatement", guards=[AUTHORIZES], status_code=200)
    async def reinstate(
        self, call: NamedDependency[Call], auth_id: FromPath[str]
    ) -> AuthorizationView:
        """Accept the correction: the agreement is active again (AUTH-6)."""
        return await call(run, auth_id, cmd.Reinstate())

    @post("/{auth_id:str}/termination", guards=[AUTHORIZES], status_code=200)
    async def terminate(
        self, call: NamedDependency[Call], auth_id: FromPath[str], data: JSONBody[TerminationBody]
    ) -> AuthorizationView:
        """Terminate the agreement on one of the grounds of AUTH-6."""
        command = cmd.Terminate(data.ground, data.reason)
        return await call(run, auth_id, command)

    @post("/{auth_id:str}/cancellation", guards=[AUTHORIZES], status_code=200)
    async def cancel(
        self, call: NamedDependency[Call], auth_id: FromPath[str], data: JSONBody[ReasonBody]
    ) -> AuthorizationView:
        """Cancel the selection before an agreement is signed."""
        return await call(run, auth_id, cmd.CancelTender(data.reason))

    @post("/{auth_id:str}/transfer", guards=[roles(Role.OPERATOR)], status_code=200)
    async def transfer(
        self, call: NamedDependency[Call], auth_id: FromPath[str], data: JSONBody[TransferBody]
    ) -> AuthorizationView:
        """Transfer or subcontract the operation right: always refused (AUTH-8), and the
        attempt is recorded in the audit log."""
        command = cmd.TransferOperationRight(data.to_org_id, data.kind)
        await call(commands.refuse_transfer, auth_id, command)
        raise AssertionError("unreachable: AUTH-8 refuses every transfer")


@post("/sweeps", guards=[bureau_only()], status_code=200, tags=["operator authorization"])
async def run_sweep(ctx: NamedDependency[ServiceContext]) -> SweepView:
    """Run the periodic sweep now: close ended publicity periods, expire agreements."""
    return SweepView(**await commands.sweep(ctx))
