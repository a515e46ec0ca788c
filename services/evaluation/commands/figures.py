"""The figures evaluation judges by, counted from its facts and its own records: an
operator's year (EVA-1, EVA-2, EVA-5), a provider's supply (EVA-4) and a resource's
contribution (EVA-6).

Attribution: scenarios name their operator; products, approved applications and usage
belong to the operator of their scenario, and to every operator when they name no
scenario the platform knows (a city normally has one whole authorization, AUTH-10).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from libs.service import ServiceContext
from libs.store.port import Document
from services.evaluation.domain.calendar import year_of
from services.evaluation.domain.indicators import YearFigures
from services.evaluation.domain.rectification import RectificationOrder, State
from services.evaluation.domain.security import Incident
from services.evaluation.domain.supply import Contribution, SupplyCounts
from services.evaluation.repository import FACTS, INCIDENTS, ORDERS, from_doc


async def _facts(ctx: ServiceContext, *kinds: str) -> list[Document]:
    return await ctx.store.find(FACTS, {"kind": {"$in": list(kinds)}}, sort=[("at", 1)])


def _of(facts: Iterable[Document], kind: str) -> list[Document]:
    return [f for f in facts if f["kind"] == kind]


def _payload(fact: Document) -> dict[str, Any]:
    payload: dict[str, Any] = fact["payload"]
    return payload


async def year_figures(ctx: ServiceContext, operator_org_id: str, year: int) -> YearFigures:
    """Cumulative counts (scenarios, products) stand at the end of ``year``; the rest
    are of the year itself."""
    facts = await _facts(
        ctx,
        "agreement.signed",
        "agreement.suspended",
        "agreement.terminated",
        "scenario.filed",
        "scenario.reevaluated",
        "application.decided",
        "product.released",
        "product.withdrawn",
        "usage.metered",
        "job.finished",
        "invoice.issued",
        "trade.executed",
    )
    upto = [f for f in facts if f["year"] <= year]
    within = [f for f in facts if f["year"] == year]

    def own(f: Document) -> bool:
        return bool(f.get("operator_org_id") == operator_org_id)

    all_scenarios = {f["scenario_id"] for f in _of(facts, "scenario.filed")}
    my_scenarios = {f["scenario_id"] for f in _of(facts, "scenario.filed") if own(f)}
    retired = {
        f["scenario_id"]
        for f in _of(upto, "scenario.reevaluated")
        if _payload(f).get("outcome") == "retired"
    }

    def attributed(f: Document) -> bool:
        scenario = f.get("scenario_id", "")
        return scenario in my_scenarios or scenario not in all_scenarios

    released_upto = {f["product_id"] for f in _of(upto, "product.released") if attributed(f)}
    withdrawn_upto = {f["product_id"] for f in _of(upto, "product.withdrawn")}
    my_products = {f["product_id"] for f in _of(facts, "product.released") if attributed(f)}

    def used(f: Document) -> bool:
        product = f.get("product_id", "")
        if product:
            return product in my_products
        return attributed(f)

    incidents = [
        from_doc(d, Incident) for d in await ctx.store.find(INCIDENTS, {"region": ctx.region})
    ]
    orders = [
        from_doc(d, RectificationOrder)
        for d in await ctx.store.find(ORDERS, {"operator_org_id": operator_org_id})
    ]
    orders_in_year = [o for o in orders if year_of(o.ordered_at) == year]
    return YearFigures(
        year=year,
        agreement_signed=any(own(f) for f in _of(upto, "agreement.signed")),
        agreement_terminated=any(own(f) for f in _of(upto, "agreement.terminated")),
        suspensions=sum(1 for f in _of(within, "agreement.suspended") if own(f)),
        scenarios_total=len(
            {f["scenario_id"] for f in _of(upto, "scenario.filed") if own(f)} - retired
        ),
        scenarios_in_year=len({f["scenario_id"] for f in _of(within, "scenario.filed") if own(f)}),
        products_total=len(released_upto - withdrawn_upto),
        products_in_year=len(
            {f["product_id"] for f in _of(within, "product.released") if attributed(f)}
        ),
        applications_approved=sum(
            1
            for f in _of(within, "application.decided")
            if _payload(f).get("decision") == "approved" and attributed(f)
        ),
        usage_quantity=sum(
            int(_payload(f).get("quantity", 0)) for f in _of(within, "usage.metered") if used(f)
        ),
        jobs_finished=len(_of(within, "job.finished")),
        revenue_fen=sum(
            int(_payload(f).get("total_fen", 0)) for f in _of(within, "invoice.issued")
        ),
        trades=len(_of(within, "trade.executed")),
        incidents=dict(Counter(i.severity for i in incidents if year_of(i.occurred_at) == year)),
        orders_issued=len(orders_in_year),
        orders_overdue=sum(1 for o in orders_in_year if o.state is State.OVERDUE),
        orders_open=sum(1 for o in orders_in_year if o.state in {State.ORDERED, State.REPORTED}),
        orders_completed=sum(1 for o in orders_in_year if o.state is State.COMPLETED),
    )


async def resource_providers(ctx: ServiceContext) -> dict[str, str]:
    """Resource id → providing organization, from registrations and publications."""
    facts = await _facts(ctx, "resource.registered", "resource.published")
    return {f["resource_id"]: f.get("provider_org_id", "") for f in facts}


async def supply_counts(
    ctx: ServiceContext, provider_org_id: str, year: int | None
) -> SupplyCounts:
    """EVA-4 counts of one provider, of one year (by the event's year) or of all time."""
    facts = await _facts(
        ctx,
        "resource.registered",
        "resource.published",
        "objection.raised",
        "objection.resolved",
        "objection.escalated",
    )
    providers = {
        f["resource_id"]: f.get("provider_org_id", "")
        for f in facts
        if f["kind"] in {"resource.registered", "resource.published"}
    }
    in_scope = [f for f in facts if year is None or f["year"] == year]

    def theirs(f: Document) -> bool:
        provider = f.get("provider_org_id") or providers.get(f.get("resource_id", ""), "")
        return bool(provider == provider_org_id)

    raised = {f["objection_id"] for f in _of(in_scope, "objection.raised") if theirs(f)}
    resolved = {f["objection_id"] for f in _of(facts, "objection.resolved")} & raised
    escalated = {f["objection_id"] for f in _of(facts, "objection.escalated")} & raised
    return SupplyCounts(
        provider_org_id=provider_org_id,
        resources_registered=len(
            {f["resource_id"] for f in _of(in_scope, "resource.registered") if theirs(f)}
        ),
        resources_published=len(
            {f["resource_id"] for f in _of(in_scope, "resource.published") if theirs(f)}
        ),
        objections_raised=len(raised),
        objections_resolved_in_time=len(resolved - escalated),
        objections_resolved_late=len(resolved & escalated),
        objections_escalated=len(escalated),
        objections_open=len(raised - resolved - escalated),
    )


async def contribution(ctx: ServiceContext, resource_id: str) -> Contribution | None:
    """EVA-6: ``None`` when the resource is unknown to evaluation."""
    facts = await _facts(
        ctx,
        "resource.registered",
        "resource.published",
        "application.submitted",
        "application.decided",
        "product.released",
        "usage.metered",
    )
    provider = next(
        (
            f.get("provider_org_id", "")
            for f in facts
            if f["kind"] in {"resource.registered", "resource.published"}
            and f.get("resource_id") == resource_id
        ),
        None,
    )
    if provider is None:
        return None
    naming = {
        f["application_id"]
        for f in _of(facts, "application.submitted")
        if any(r.get("resource_id") == resource_id for r in _payload(f).get("resources", []))
    }
    approved = [
        f
        for f in _of(facts, "application.decided")
        if f["application_id"] in naming and _payload(f).get("decision") == "approved"
    ]
    scenarios = {f["scenario_id"] for f in approved if f.get("scenario_id")}
    products = {
        f["product_id"] for f in _of(facts, "product.released") if f.get("scenario_id") in scenarios
    }
    usage = sum(
        int(_payload(f).get("quantity", 0))
        for f in _of(facts, "usage.metered")
        if f.get("product_id") in products or f.get("scenario_id") in scenarios
    )
    return Contribution(
        resource_id=resource_id,
        provider_org_id=provider,
        applications_approved=len({f["application_id"] for f in approved}),
        scenarios=len(scenarios),
        products=len(products),
        usage_quantity=usage,
    )
