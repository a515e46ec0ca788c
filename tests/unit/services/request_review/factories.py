"""Builders of request-review domain records for unit tests (``*_factory(**overrides)``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from services.request_review.domain.application import (
    Application,
    ApplyForScenario,
    RequestedItem,
    RequestLine,
    submit,
)
from services.request_review.domain.scenario import Scenario, ScenarioTerms
from services.request_review.domain.standing import (
    AgreementRecord,
    DeveloperRecord,
    ResourceRecord,
)

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)
SIGNED = datetime(2026, 1, 1, tzinfo=UTC)


def terms_factory(**overrides: Any) -> ScenarioTerms:
    values: dict[str, Any] = {
        "name": "普惠金融",
        "domain": "金融",
        "purpose": "授信评估",
        "expected_value": "降低融资成本",
        "scenario_class": "commercial",
    }
    values.update(overrides)
    return ScenarioTerms(**values)


def scenario_factory(**overrides: Any) -> Scenario:
    values: dict[str, Any] = {
        "scenario_id": "scn-1",
        "operator_org_id": "org-op",
        "terms": terms_factory(),
        "next_review_on": date(2027, 3, 2),
        "filed_at": NOW,
    }
    values.update(overrides)
    return Scenario(**values)


def agreement_factory(**overrides: Any) -> AgreementRecord:
    values: dict[str, Any] = {
        "agreement_id": "agr-1",
        "operator_org_id": "org-op",
        "mode": "whole",
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2028, 12, 31),
        "signed_at": SIGNED,
    }
    values.update(overrides)
    return AgreementRecord(**values)


def developer_factory(**overrides: Any) -> DeveloperRecord:
    values: dict[str, Any] = {"developer_org_id": "org-dev", "admitted_at": SIGNED}
    values.update(overrides)
    return DeveloperRecord(**values)


def resource_factory(resource_id: str = "res-tax", **overrides: Any) -> ResourceRecord:
    values: dict[str, Any] = {
        "resource_id": resource_id,
        "provider_org_id": "org-tax" if resource_id == "res-tax" else "org-market",
        "published_items": ("a", "b", "c"),
        "published_at": SIGNED,
    }
    values.update(overrides)
    return ResourceRecord(**values)


def line(resource_id: str, *items: str) -> RequestLine:
    return RequestLine(
        resource_id=resource_id,
        items=tuple(RequestedItem(name=i, justification=f"need {i}") for i in items),
    )


def command_factory(**overrides: Any) -> ApplyForScenario:
    values: dict[str, Any] = {
        "scenario_id": "scn-1",
        "developer_org_id": "org-dev",
        "applicant_user_id": "u-dev",
        "purpose": "评估",
        "resources": (line("res-tax", "a", "b"), line("res-market", "a")),
    }
    values.update(overrides)
    return ApplyForScenario(**values)


def application_factory(
    *, agreement: AgreementRecord | None = None, **overrides: Any
) -> Application:
    application, _ = submit(
        command_factory(),
        application_id="app-1",
        scenario=scenario_factory(),
        developer=developer_factory(),
        agreement=agreement or agreement_factory(),
        resources={r.resource_id: r for r in (resource_factory(), resource_factory("res-market"))},
        now=NOW,
    )
    return replace(application, **overrides)
