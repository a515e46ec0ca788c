"""Domain records to API views."""

from __future__ import annotations

from datetime import datetime

from services.request_review.api.schemas import (
    AppealView,
    ApplicationView,
    GrantView,
    ReevaluationView,
    RequestedItemView,
    RequestedResourceView,
    ReviewerView,
    ReviewView,
    RiskView,
    ScenarioView,
    ScopeView,
)
from services.request_review.domain import grant as grants
from services.request_review.domain.appeal import Appeal
from services.request_review.domain.application import (
    Application,
    ResourceScope,
    outstanding_reviewers,
)
from services.request_review.domain.calendar import local_day
from services.request_review.domain.grant import Grant
from services.request_review.domain.risk import Risk
from services.request_review.domain.scenario import Scenario, is_due


def scenario_view(scenario: Scenario, now: datetime) -> ScenarioView:
    return ScenarioView(
        scenario_id=scenario.scenario_id,
        operator_org_id=scenario.operator_org_id,
        name=scenario.terms.name,
        domain=scenario.terms.domain,
        purpose=scenario.terms.purpose,
        expected_value=scenario.terms.expected_value,
        scenario_class=scenario.terms.scenario_class,
        status=scenario.status,
        next_review_on=scenario.next_review_on,
        due=is_due(scenario, local_day(now)),
        filed_at=scenario.filed_at,
        changes=scenario.changes,
        reevaluations=[
            ReevaluationView(outcome=r.outcome, note=r.note, on=r.on, by_org_id=r.by_org_id)
            for r in scenario.reevaluations
        ],
    )


def scope_view(scope: ResourceScope) -> ScopeView:
    return ScopeView(
        resource_id=scope.resource_id,
        provider_org_id=scope.provider_org_id,
        items=list(scope.items),
        row_filter=scope.row_filter,
        masking=dict(scope.masking),
        origin_region=scope.origin_region,
    )


def application_view(application: Application) -> ApplicationView:
    outstanding = set(outstanding_reviewers(application))
    return ApplicationView(
        application_id=application.application_id,
        scenario_id=application.scenario_id,
        scenario_class=application.scenario_class,
        operator_org_id=application.operator_org_id,
        agreement_id=application.agreement_id,
        agreement_mode=application.agreement_mode,
        developer_org_id=application.developer_org_id,
        purpose=application.purpose,
        requested=[
            RequestedResourceView(
                resource_id=line.resource_id,
                items=[
                    RequestedItemView(name=i.name, justification=i.justification)
                    for i in line.items
                ],
            )
            for line in application.requested
        ],
        wished_valid_until=application.wished_valid_until,
        status=application.status,
        round=application.round,
        required_reviewers=[
            ReviewerView(party=s.party, org_id=s.org_id or None, reviewed=s not in outstanding)
            for s in application.reviewers
        ],
        reviews=[
            ReviewView(
                party=r.party,
                reviewer_org_id=r.reviewer_org_id,
                decision=r.decision,
                opinion=r.opinion,
                expert_opinion=r.expert_opinion,
                at=r.at,
                round=r.round,
            )
            for r in application.reviews
        ],
        scope=[scope_view(s) for s in application.scope],
        submitted_at=application.submitted_at,
        decided_at=application.decided_at,
        decision_reason=application.decision_reason,
        grant_id=application.grant_id,
    )


def grant_view(grant: Grant, now: datetime) -> GrantView:
    return GrantView(
        grant_id=grant.grant_id,
        application_id=grant.application_id,
        scenario_id=grant.scenario_id,
        scenario_class=grant.scenario_class,
        operator_org_id=grant.operator_org_id,
        agreement_id=grant.agreement_id,
        developer_org_id=grant.developer_org_id,
        purpose=grant.purpose,
        resources=[scope_view(s) for s in grant.resources],
        valid_from=grant.valid_from,
        valid_until=grant.valid_until,
        status=grant.status,
        in_force=grant.in_force(now),
        usable_only_in=grants.USABLE_ONLY_IN,
        revoked_at=grant.revoked_at,
        revocation_reason=grant.revocation_reason,
        suspended_at=grant.suspended_at,
        suspension_reason=grant.suspension_reason,
        narrowings=list(grant.narrowings),
    )


def risk_view(risk: Risk) -> RiskView:
    return RiskView(
        risk_id=risk.risk_id,
        application_id=risk.application_id,
        reporter_org_id=risk.reporter_org_id,
        severity=risk.severity,
        description=risk.description,
        reported_at=risk.reported_at,
    )


def appeal_view(appeal: Appeal) -> AppealView:
    return AppealView(
        appeal_id=appeal.appeal_id,
        subject_kind=appeal.subject_kind,
        subject_id=appeal.subject_id,
        appellant_org_id=appeal.appellant_org_id,
        grounds=appeal.grounds,
        status=appeal.status,
        filed_at=appeal.filed_at,
        decided_at=appeal.decided_at,
        reasoning=appeal.reasoning,
        decided_by_org_id=appeal.decided_by_org_id,
    )
