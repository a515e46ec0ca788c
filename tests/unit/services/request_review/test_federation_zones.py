"""Operating zones per domain (运营专区) and county pilots as configured scopes (FED-3)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.errors import DomainError
from services.request_review.domain.operating_zone import check_application, parse_zones

CITY = "370300"
HEALTH: dict[str, Any] = {
    "code": "health",
    "domain": "医疗健康",
    "name": "医疗健康专区",
    "resources": ["r-hospital-visits", "r-insurance-claims"],
    "scenarios": ["s-chronic-care"],
    "developers": ["org-dev-health"],
}
TRANSPORT: dict[str, Any] = {
    "code": "transport",
    "domain": "交通运输",
    "name": "交通运输专区（张店区试点）",
    "resources": ["r-bus-gps"],
    "scenarios": ["s-bus-routes"],
    "developers": ["org-dev-transit"],
    "pilot_region": "370303",
}
ZONES = parse_zones([HEALTH, TRANSPORT], CITY)


def test_FED_3_an_application_inside_its_zone_is_accepted() -> None:
    zone = check_application(
        ZONES,
        developer_org_id="org-dev-health",
        scenario_id="s-chronic-care",
        resource_ids=["r-hospital-visits", "r-insurance-claims"],
    )
    assert zone is not None and zone.code == "health"
    pilot = check_application(
        ZONES, developer_org_id="org-dev-transit", scenario_id="s-bus-routes",
        resource_ids=["r-bus-gps"],
    )  # fmt: skip
    assert pilot is not None and pilot.pilot_region == "370303"


def test_FED_3_resources_outside_every_zone_are_not_limited() -> None:
    assert (
        check_application(
            ZONES, developer_org_id="org-any", scenario_id="s-any", resource_ids=["r-tax"]
        )
        is None
    )


@pytest.mark.parametrize(
    ("developer", "scenario", "resources", "field"),
    [
        ("org-dev-other", "s-chronic-care", ["r-hospital-visits"], "developer_org_id"),
        ("org-dev-health", "s-other", ["r-hospital-visits"], "scenario_id"),
        ("org-dev-health", "s-chronic-care", ["r-hospital-visits", "r-tax"], "resources"),
        ("org-dev-health", "s-chronic-care", ["r-hospital-visits", "r-bus-gps"], "resources"),
        ("org-dev-health", "s-chronic-care", ["r-tax"], "resources"),
        ("org-dev-other", "s-chronic-care", ["r-tax"], "developer_org_id"),
    ],
)
def test_FED_3_an_application_crossing_a_zones_scope_is_refused_naming_the_field(
    developer: str, scenario: str, resources: list[str], field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        check_application(
            ZONES, developer_org_id=developer, scenario_id=scenario, resource_ids=resources
        )
    assert refused.value.rule == "FED-3"
    assert refused.value.field == field


@pytest.mark.parametrize(
    ("zones", "field"),
    [
        ([HEALTH, {**TRANSPORT, "resources": ["r-hospital-visits"]}], "resources"),
        ([HEALTH, {**TRANSPORT, "scenarios": ["s-chronic-care"]}], "scenarios"),
        ([HEALTH, {**HEALTH}], "code"),
        ([HEALTH, {**TRANSPORT, "domain": "医疗健康"}], "domain"),
        ([{**TRANSPORT, "pilot_region": "370103"}], "pilot_region"),
        ([{**TRANSPORT, "pilot_region": "370300"}], "pilot_region"),
        ([{**HEALTH, "developers": "org-dev-health"}], "developers"),
        ([{**HEALTH, "code": ""}], "code"),
    ],
)
def test_FED_3_an_inconsistent_zone_configuration_is_refused(
    zones: list[dict[str, Any]], field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        parse_zones(zones, CITY)
    assert refused.value.rule == "FED-3" and refused.value.field == field


def test_FED_3_every_scenario_of_a_zones_domain_runs_in_that_zone() -> None:
    zone = check_application(
        ZONES,
        developer_org_id="org-dev-health",
        scenario_id="s-filed-later",
        resource_ids=["r-hospital-visits"],
        scenario_domain="医疗健康",
    )
    assert zone is not None and zone.code == "health"
    with pytest.raises(DomainError) as refused:  # a health scenario on outside resources
        check_application(
            ZONES,
            developer_org_id="org-dev-health",
            scenario_id="s-filed-later",
            resource_ids=["r-tax"],
            scenario_domain="医疗健康",
        )
    assert refused.value.rule == "FED-3" and refused.value.field == "resources"
    with pytest.raises(DomainError) as stranger:  # a developer not admitted to the zone
        check_application(
            ZONES,
            developer_org_id="org-dev-other",
            scenario_id="s-filed-later",
            resource_ids=["r-tax"],
            scenario_domain="医疗健康",
        )
    assert stranger.value.field == "developer_org_id"
