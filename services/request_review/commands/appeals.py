"""Commands on appeals (申诉, REQ-6): file against a rejected admission, application or
export review; the bureau decides; an upheld application appeal reopens the review."""

from __future__ import annotations

from typing import Any

from contracts.envelope import SYSTEM_ACTOR, Actor
from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from libs import aggregate
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document, DuplicateDocument
from services.request_review import repository as repo
from services.request_review.commands import common as commands
from services.request_review.domain import appeal as rules
from services.request_review.domain import application as applications
from services.request_review.domain.appeal import Appeal
from services.request_review.domain.standing import grant_of_sandbox


async def _check_subject(
    ctx: ServiceContext, principal: Principal, subject_kind: str, subject_id: str
) -> None:
    """REQ-6: who may appeal what."""
    if subject_kind == "application":
        doc = await ctx.store.get(repo.APPLICATIONS, subject_id)
        if doc is None:
            raise DomainError(f"no application {subject_id}", rule="REQ-6", field="subject_id")
        rules.check_application_appeal(
            repo.application_from_doc(doc), appellant_org_id=principal.org_id
        )
    elif subject_kind == "export":
        export = await ctx.store.get(repo.EXPORTS, subject_id)
        if export is None:
            raise DomainError(
                f"no rejected export {subject_id} is known", rule="REQ-6", field="subject_id"
            )
        record = repo.export_from_doc(export)
        grant = await ctx.store.get(
            repo.GRANTS, record.grant_id or grant_of_sandbox(record.sandbox_id)
        )
        owner = str(grant["developer_org_id"]) if grant else ""
        rules.check_own_appeal("export", owner, appellant_org_id=principal.org_id)
    elif subject_kind == "admission":
        admission = await ctx.store.get(repo.REJECTED_ADMISSIONS, subject_id)
        if admission is None:
            raise DomainError(
                f"no rejected admission {subject_id} is known (identity's "
                "developer.admission_rejected)",
                rule="REQ-6",
                field="subject_id",
            )
        rules.check_own_appeal(
            "admission", str(admission["developer_org_id"]), appellant_org_id=principal.org_id
        )


async def file_appeal(
    ctx: ServiceContext,
    principal: Principal,
    *,
    subject_kind: str,
    subject_id: str,
    grounds: str,
) -> Appeal:
    """REQ-6: one appeal per subject, to the bureau."""
    if subject_kind in rules.KINDS:
        await _check_subject(ctx, principal, subject_kind, subject_id)
    appeal, event = rules.file_appeal(
        subject_kind=subject_kind,
        subject_id=subject_id,
        appellant_org_id=principal.org_id,
        appellant_user_id=principal.user_id,
        grounds=grounds,
        now=ctx.clock.now(),
    )
    actor = principal.actor()
    try:
        await commands.insert(
            ctx, repo.APPEALS, repo.appeal_to_doc(appeal), actor, [(appeal.appeal_id, event)]
        )
    except DuplicateDocument:
        raise Conflict(
            f"the {subject_kind} {subject_id} was appealed already; one appeal per subject",
            rule="REQ-6",
        ) from None
    await commands.audit(
        ctx,
        actor,
        "appeal.file",
        appeal.appeal_id,
        {"subject_kind": subject_kind, "subject_id": subject_id},
    )
    return appeal


async def get_appeal(ctx: ServiceContext, principal: Principal, appeal_id: str) -> Appeal:
    doc = await ctx.store.get(repo.APPEALS, appeal_id)
    if doc is None:
        raise NotFound(f"no appeal {appeal_id}")
    appeal = repo.appeal_from_doc(doc)
    if not rules.visible_to(appeal, role=principal.role.value, org_id=principal.org_id):
        raise Forbidden(f"appeal {appeal_id} is not yours to read", rule="REQ-6")
    return appeal


async def list_appeals(
    ctx: ServiceContext,
    principal: Principal,
    *,
    status: str | None,
    subject_kind: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Appeal], int]:
    where: dict[str, Any] = {}
    if principal.role.value not in {"bureau", "supervisor"}:
        where["appellant_org_id"] = principal.org_id
    if status:
        where["status"] = status
    if subject_kind:
        where["subject_kind"] = subject_kind
    docs, total = await commands.page(
        ctx, repo.APPEALS, where, sort_key="filed_key", offset=offset, limit=limit
    )
    return [repo.appeal_from_doc(d) for d in docs], total


async def decide(
    ctx: ServiceContext, principal: Principal, appeal_id: str, *, decision: str, reasoning: str
) -> Appeal:
    """REQ-6: the bureau upholds or dismisses; an upheld application appeal sends the
    application back to review (reviews reset)."""
    commands.in_jurisdiction(ctx, principal, "REQ-6")
    now = ctx.clock.now()
    actor = principal.actor()

    def decide_appeal(doc: Document) -> tuple[Document, commands.Staged]:
        after, event = rules.decide(
            repo.appeal_from_doc(doc),
            decision=decision,
            reasoning=reasoning,
            by_org_id=principal.org_id,
            now=now,
        )
        return repo.appeal_to_doc(after), [(appeal_id, event)]

    saved, _ = await commands.update(ctx, repo.APPEALS, appeal_id, decide_appeal, actor)
    appeal = repo.appeal_from_doc(saved)
    await commands.audit(
        ctx,
        actor,
        "appeal.decide",
        appeal_id,
        {
            "decision": decision,
            "subject_kind": appeal.subject_kind,
            "subject_id": appeal.subject_id,
        },
    )
    if appeal.status == rules.State.UPHELD.value and appeal.subject_kind == "application":
        await _reopen(ctx, actor, appeal.subject_id)
    return appeal


async def ensure_reopened(ctx: ServiceContext) -> None:
    """At start: every upheld application appeal has reopened its application (repairs
    a crash between the decision and the reopening)."""
    upheld = await ctx.store.find(
        repo.APPEALS, {"status": rules.State.UPHELD.value, "subject_kind": "application"}
    )
    for doc in upheld:
        await _reopen(ctx, SYSTEM_ACTOR, str(doc["subject_id"]))


async def _reopen(ctx: ServiceContext, actor: Actor, application_id: str) -> None:
    """The application returns to review. Its reopening is no event of its own: the
    ``appeal.decided`` event (upheld, subject the application) says so to consumers."""
    reopened: list[bool] = [False]

    async def attempt() -> None:
        reopened[0] = False
        doc = await ctx.store.get(repo.APPLICATIONS, application_id)
        if doc is None:
            return
        current = repo.application_from_doc(doc)
        if current.status != applications.State.REJECTED.value or current.round > 1:
            return  # reopened already: one appeal per subject, so at most once
        new_doc = repo.application_to_doc(applications.reopen(current))
        await aggregate.save(ctx, repo.APPLICATIONS, new_doc, [], actor=actor, previous=doc)
        reopened[0] = True

    await aggregate.retrying(attempt)
    if reopened[0]:
        await commands.audit(
            ctx, actor, "application.reopen", application_id, {"cause": "appeal upheld"}
        )
