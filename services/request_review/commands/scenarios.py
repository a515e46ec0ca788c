"""Commands on scenarios (应用场景, REQ-1, REQ-8): file, change, re-evaluate, list due."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace

from contracts.errors import NotFound
from libs.auth.principal import Principal
from libs.service import ServiceContext
from libs.store.port import Document
from services.request_review import repository as repo
from services.request_review.commands import common as commands
from services.request_review.domain import scenario as rules
from services.request_review.domain.calendar import local_day
from services.request_review.domain.scenario import Scenario, ScenarioTerms


def _detail(scenario: Scenario) -> dict[str, str]:
    return {
        "scenario_class": scenario.terms.scenario_class,
        "status": scenario.status,
        "next_review_on": scenario.next_review_on.isoformat() if scenario.next_review_on else "",
    }


async def file_scenario(
    ctx: ServiceContext, principal: Principal, terms: ScenarioTerms
) -> Scenario:
    """REQ-1, REQ-8: the operator files a scenario with the bureau (备案)."""
    settings = await commands.settings(ctx)
    scenario_id = str(uuid.uuid4())
    scenario, event = rules.file_scenario(
        terms,
        scenario_id=scenario_id,
        operator_org_id=principal.org_id,
        operator_has_active_agreement=await commands.operator_has_active_agreement(
            ctx, principal.org_id
        ),
        now=ctx.clock.now(),
        interval_days=settings.reevaluation_interval_days,
    )
    actor = principal.actor()
    await commands.insert(
        ctx, repo.SCENARIOS, repo.scenario_to_doc(scenario), actor, [(scenario_id, event)]
    )
    await commands.audit(ctx, actor, "scenario.file", scenario_id, _detail(scenario))
    return scenario


async def get_scenario(ctx: ServiceContext, scenario_id: str) -> Scenario:
    doc = await ctx.store.get(repo.SCENARIOS, scenario_id)
    if doc is None:
        raise NotFound(f"no scenario {scenario_id}")
    return repo.scenario_from_doc(doc)


async def change_scenario(
    ctx: ServiceContext, principal: Principal, scenario_id: str, changes: Mapping[str, str]
) -> Scenario:
    """REQ-8: the filing operator files a change (变更备案); ``changes`` names the terms
    that change, the others stay as they are when the change is decided."""

    def decide(doc: Document) -> tuple[Document, commands.Staged]:
        current = repo.scenario_from_doc(doc)
        terms = replace(current.terms, **changes)
        after, event = rules.change_scenario(current, terms, actor_org_id=principal.org_id)
        return repo.scenario_to_doc(after), [(scenario_id, event)]

    saved, _ = await commands.update(ctx, repo.SCENARIOS, scenario_id, decide, principal.actor())
    scenario = repo.scenario_from_doc(saved)
    await commands.audit(ctx, principal.actor(), "scenario.change", scenario_id, _detail(scenario))
    return scenario


@dataclass(frozen=True, slots=True)
class Reevaluate:
    outcome: str
    note: str


async def reevaluate(
    ctx: ServiceContext, principal: Principal, scenario_id: str, cmd: Reevaluate
) -> Scenario:
    """REQ-8: the bureau continues or retires the scenario."""
    commands.in_jurisdiction(ctx, principal, "REQ-8")
    settings = await commands.settings(ctx)
    now = ctx.clock.now()

    def decide(doc: Document) -> tuple[Document, commands.Staged]:
        after, event = rules.reevaluate(
            repo.scenario_from_doc(doc),
            outcome=cmd.outcome,
            note=cmd.note,
            by_org_id=principal.org_id,
            now=now,
            interval_days=settings.reevaluation_interval_days,
        )
        return repo.scenario_to_doc(after), [(scenario_id, event)]

    saved, _ = await commands.update(ctx, repo.SCENARIOS, scenario_id, decide, principal.actor())
    scenario = repo.scenario_from_doc(saved)
    await commands.audit(
        ctx, principal.actor(), "scenario.reevaluate", scenario_id, _detail(scenario)
    )
    return scenario


async def list_scenarios(
    ctx: ServiceContext,
    *,
    due: bool,
    status: str | None,
    operator_org_id: str | None,
    offset: int,
    limit: int,
) -> tuple[list[Scenario], int]:
    """Scenarios in filing order; ``due`` keeps the active ones whose re-evaluation day
    has come (REQ-8), soonest first."""
    where: dict[str, str] = {}
    if status:
        where["status"] = status
    if operator_org_id:
        where["operator_org_id"] = operator_org_id
    if not due:
        docs, total = await commands.page(
            ctx, repo.SCENARIOS, where, sort_key="filed_at", offset=offset, limit=limit
        )
        return [repo.scenario_from_doc(d) for d in docs], total
    where["status"] = rules.State.ACTIVE.value
    today = local_day(ctx.clock.now())
    docs = await ctx.store.find(repo.SCENARIOS, where, sort=[("next_review_key", 1)])
    found = [s for s in (repo.scenario_from_doc(d) for d in docs) if rules.is_due(s, today)]
    return found[offset : offset + limit], len(found)
