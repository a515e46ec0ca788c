"""Commands on applications (一场景一申请): submit (REQ-1, REQ-2, REQ-4), review
(REQ-3) with the grant issued on the last approval (REQ-5), risks (REQ-7), and who may
read what."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from contracts.envelope import SYSTEM_ACTOR, Actor
from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument
from services.request_review import repository as repo
from services.request_review.commands import common as commands
from services.request_review.domain import application as rules
from services.request_review.domain import grant as grants
from services.request_review.domain import risk as risks
from services.request_review.domain.application import Application, ApplyForScenario, RecordReview
from services.request_review.domain.calendar import local_day
from services.request_review.domain.grant import Grant
from services.request_review.domain.operating_zone import check_application as check_zone
from services.request_review.domain.operating_zone import parse_zones
from services.request_review.domain.risk import Risk
from services.request_review.domain.standing import governing_agreement

ISSUED_GRANT = "issued_grant"
"""The grant an approval decided, kept in the application document so that a crash
before the grant document is written is repaired at start (``ensure_grants``)."""


async def submit(ctx: ServiceContext, principal: Principal, cmd: ApplyForScenario) -> Application:
    """REQ-1, REQ-2, REQ-4: a developer applies for one scenario; FED-3: within the scope
    of the operating zone (运营专区) its resources or scenario belong to."""
    rules.check_request(cmd)
    doc = await ctx.store.get(repo.SCENARIOS, cmd.scenario_id)
    if doc is None:
        raise DomainError(f"no scenario {cmd.scenario_id}", rule="REQ-1", field="scenario_id")
    scenario = repo.scenario_from_doc(doc)
    check_zone(
        parse_zones(ctx.operating_zones, ctx.region),
        developer_org_id=cmd.developer_org_id,
        scenario_id=cmd.scenario_id,
        resource_ids=[r.resource_id for r in cmd.resources],
        scenario_domain=scenario.terms.domain,
    )
    now = ctx.clock.now()
    agreement = governing_agreement(
        await commands.agreements_of(ctx, scenario.operator_org_id),
        operator_org_id=scenario.operator_org_id,
        domain=scenario.terms.domain,
        today=local_day(now),
    )
    application_id = str(uuid.uuid4())
    application, event = rules.submit(
        cmd,
        application_id=application_id,
        scenario=scenario,
        developer=await commands.developer(ctx, cmd.developer_org_id),
        agreement=agreement,
        resources=await commands.resources(ctx, [r.resource_id for r in cmd.resources]),
        now=now,
    )
    actor = principal.actor()
    await commands.insert(
        ctx,
        repo.APPLICATIONS,
        repo.application_to_doc(application),
        actor,
        [(application_id, event)],
    )
    await commands.audit(
        ctx,
        actor,
        "application.submit",
        application_id,
        {
            "scenario_id": application.scenario_id,
            "agreement_id": application.agreement_id,
            "resources": list(application.resource_ids),
            "reviewers": [f"{s.party}:{s.org_id}" for s in application.reviewers],
        },
    )
    return application


async def _load(ctx: ServiceContext, application_id: str) -> Application:
    doc = await ctx.store.get(repo.APPLICATIONS, application_id)
    if doc is None:
        raise NotFound(f"no application {application_id}")
    return repo.application_from_doc(doc)


async def get_application(
    ctx: ServiceContext, principal: Principal, application_id: str
) -> Application:
    application = await _load(ctx, application_id)
    if not rules.visible_to(application, role=principal.role.value, org_id=principal.org_id):
        raise Forbidden(f"application {application_id} is not yours to read", rule="REQ-3")
    return application


async def list_applications(
    ctx: ServiceContext,
    principal: Principal,
    *,
    status: str | None,
    scenario_id: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Application], int]:
    """All for the bureau and supervisors; a developer's own; a reviewer's (a provider's:
    those requesting its data)."""
    where: dict[str, Any] = {}
    role = principal.role.value
    if role == "developer":
        where["developer_org_id"] = principal.org_id
    elif role not in {"bureau", "supervisor"}:
        where["reviewer_org_ids"] = principal.org_id
    if status:
        where["status"] = status
    if scenario_id:
        where["scenario_id"] = scenario_id
    docs, total = await commands.page(
        ctx, repo.APPLICATIONS, where, sort_key="submitted_key", offset=offset, limit=limit
    )
    return [repo.application_from_doc(d) for d in docs], total


async def review(
    ctx: ServiceContext, principal: Principal, application_id: str, cmd: RecordReview
) -> Application:
    """REQ-3: a required reviewer approves or rejects; the last approval issues the grant
    (REQ-5) if the preconditions still hold (REQ-4)."""
    if principal.role.value == "bureau":
        commands.in_jurisdiction(ctx, principal, "REQ-3")
    current = await _load(ctx, application_id)
    settings = await commands.settings(ctx)
    agreement = await commands.agreement(ctx, current.agreement_id)
    developer = await commands.developer(ctx, current.developer_org_id)
    now = ctx.clock.now()
    today = local_day(now)

    def decide(doc: Document) -> tuple[Document, commands.Staged]:
        after, events = rules.record_review(repo.application_from_doc(doc), cmd, now=now)
        staged: commands.Staged = [(application_id, e) for e in events]
        if after.status != rules.State.APPROVED.value:
            return repo.application_to_doc(after), staged
        grants.check_still_grantable(
            agreement_active=agreement is not None and agreement.is_active(today),
            agreement_standing=agreement.standing(today) if agreement else "unknown",
            developer_in_good_standing=developer is not None and developer.in_good_standing,
            developer_org_id=after.developer_org_id,
        )
        if agreement is None or agreement.ends_on is None:  # refused just above; typed
            raise Conflict("the operator's agreement has no term; no grant issued", rule="REQ-4")
        grant, _ = grants.issue(
            after,
            now=now,
            agreement_ends_on=agreement.ends_on,
            default_days=settings.default_grant_validity_days,
        )
        approved = repo.application_to_doc(replace(after, grant_id=grant.grant_id))
        approved[ISSUED_GRANT] = repo.grant_to_doc(grant)
        return approved, staged

    saved, _ = await commands.update(
        ctx, repo.APPLICATIONS, application_id, decide, principal.actor()
    )
    application = repo.application_from_doc(saved)
    await commands.audit(
        ctx,
        principal.actor(),
        "application.review",
        application_id,
        {
            "decision": cmd.decision,
            "round": application.round,
            "status": application.status,
            "expert_opinion": bool(cmd.expert_opinion),
        },
    )
    if ISSUED_GRANT in saved:
        await _write_grant(ctx, saved, principal.actor())
    return application


async def _write_grant(ctx: ServiceContext, application_doc: Document, actor: Actor) -> Grant:
    """The grant document with its ``grant.issued`` event; a second write (a repair that
    raced a live request) finds it there."""
    grant = repo.grant_from_doc(application_doc[ISSUED_GRANT])
    try:
        await commands.insert(
            ctx,
            repo.GRANTS,
            repo.grant_to_doc(grant),
            actor,
            [(grant.grant_id, grants.issued_event(grant))],
        )
    except DuplicateDocument:
        return grant
    await commands.audit(
        ctx,
        actor,
        "grant.issue",
        grant.grant_id,
        {
            "application_id": grant.application_id,
            "valid_until": grant.valid_until.isoformat(),
            "usable_only_in": grants.USABLE_ONLY_IN,
        },
    )
    return grant


async def ensure_grants(ctx: ServiceContext) -> int:
    """At start: every approved application has its grant document (repairs a crash
    between the approval and the grant's write). Returns how many were written."""
    written = 0
    docs = await ctx.store.find(repo.APPLICATIONS, {"status": rules.State.APPROVED.value})
    for doc in docs:
        if ISSUED_GRANT in doc and await ctx.store.get(repo.GRANTS, doc["grant_id"]) is None:
            await _write_grant(ctx, doc, SYSTEM_ACTOR)
            written += 1
    return written


async def report_risk(
    ctx: ServiceContext,
    principal: Principal,
    application_id: str,
    *,
    severity: str,
    description: str,
) -> Risk:
    """REQ-7: a required reviewer reports a risk found in review to the bureau."""
    application = await _load(ctx, application_id)
    rules.slot_for(application, role=principal.role.value, org_id=principal.org_id)
    risk_id = str(uuid.uuid4())
    risk, event = risks.report(
        risk_id=risk_id,
        application_id=application_id,
        reporter_org_id=principal.org_id,
        reporter_user_id=principal.user_id,
        severity=severity,
        description=description,
        now=ctx.clock.now(),
    )
    actor = principal.actor()
    await commands.insert(ctx, repo.RISKS, repo.risk_to_doc(risk), actor, [(risk_id, event)])
    await commands.audit(
        ctx, actor, "risk.report", risk_id, {"application_id": application_id, "severity": severity}
    )
    return risk


async def list_risks(
    ctx: ServiceContext,
    *,
    application_id: str | None,
    severity: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Risk], int]:
    where: dict[str, str] = {}
    if application_id:
        where["application_id"] = application_id
    if severity:
        where["severity"] = severity
    docs, total = await commands.page(
        ctx, repo.RISKS, where, sort_key="reported_key", offset=offset, limit=limit
    )
    return [repo.risk_from_doc(d) for d in docs], total
