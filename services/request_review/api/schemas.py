"""Request and response bodies of the request-review API, validated at the edge by
msgspec (a bad body is a 400 problem naming the field, and nothing is written)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from litestar.params import KwargDefinition

from libs.http.paging import Page

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
OptionalText = Annotated[str, msgspec.Meta(max_length=4000)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
ItemName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=100), KwargDefinition(min_length=1, max_length=100)
]
"""A data item's name. Litestar documents the ``msgspec.Meta`` of a struct's fields but not of
a list's or mapping's members, so the bounds are stated once more for the OpenAPI."""
Justification = Annotated[str, msgspec.Meta(max_length=2000)]
"""Checked non-blank by the domain so the problem names REQ-2."""
RowFilter = Annotated[str, msgspec.Meta(max_length=2000)]
Method = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64), KwargDefinition(min_length=1, max_length=64)
]
"""A masking method (a mapping's value: its bounds stated twice, as for ``ItemName``)."""
ScenarioClass = Literal["public_interest", "commercial"]
Days = Annotated[int, msgspec.Meta(ge=1, le=3650)]


class ScenarioBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A scenario filed with the bureau (REQ-1)."""

    name: Name
    domain: Name
    purpose: Text
    expected_value: Text
    scenario_class: ScenarioClass


class ScenarioChangeBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A change filed with the bureau (REQ-8); absent fields stay as they are."""

    name: Name | None = None
    domain: Name | None = None
    purpose: Text | None = None
    expected_value: Text | None = None
    scenario_class: ScenarioClass | None = None


class ReevaluationBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    outcome: Literal["continued", "retired"]
    note: OptionalText = ""


class ReevaluationView(msgspec.Struct, kw_only=True):
    outcome: str
    note: str
    on: dt.date
    by_org_id: str


class ScenarioView(msgspec.Struct, kw_only=True):
    scenario_id: str
    operator_org_id: str
    name: str
    domain: str
    purpose: str
    expected_value: str
    scenario_class: str
    status: str
    next_review_on: dt.date | None
    due: bool
    filed_at: dt.datetime
    changes: int
    reevaluations: list[ReevaluationView]


ScenarioPage = Page[ScenarioView]


class RequestedItemBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: ItemName
    justification: Justification


class RequestedResourceBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    resource_id: Id
    items: Annotated[list[RequestedItemBody], msgspec.Meta(max_length=500)]


class ApplicationBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One scenario, one application (REQ-1); each item with its justification (REQ-2)."""

    scenario_id: Id
    purpose: Text
    resources: Annotated[list[RequestedResourceBody], msgspec.Meta(max_length=100)]
    wished_valid_until: dt.date | None = None


class ConditionBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A reviewer's conditions on one resource: fewer items, a row filter, masking."""

    resource_id: Id
    items: Annotated[list[ItemName], msgspec.Meta(max_length=500)] | None = None
    row_filter: RowFilter = ""
    masking: dict[ItemName, Method] = {}


class ReviewBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    decision: Literal["approve", "reject"]
    opinion: Text
    expert_opinion: OptionalText = ""
    resources: Annotated[list[ConditionBody], msgspec.Meta(max_length=100)] = []


class RiskBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    severity: Literal["low", "medium", "high", "critical"]
    description: Text


class RequestedItemView(msgspec.Struct, kw_only=True):
    name: str
    justification: str


class RequestedResourceView(msgspec.Struct, kw_only=True):
    resource_id: str
    items: list[RequestedItemView]


class ScopeView(msgspec.Struct, kw_only=True):
    resource_id: str
    provider_org_id: str
    items: list[str]
    row_filter: str
    masking: dict[str, str]
    origin_region: str = ""
    """FED-2: the region whose catalog the resource came from (回流: the province's)."""


class ReviewerView(msgspec.Struct, kw_only=True):
    party: str
    org_id: str | None
    """The reviewing organization; ``null`` for the bureau, which reviews as a role (any
    bureau account of the region), never as one organization id."""
    reviewed: bool


class ReviewView(msgspec.Struct, kw_only=True):
    party: str
    reviewer_org_id: str
    decision: str
    opinion: str
    expert_opinion: str
    at: dt.datetime
    round: int


class ApplicationView(msgspec.Struct, kw_only=True):
    application_id: str
    scenario_id: str
    scenario_class: str
    operator_org_id: str
    agreement_id: str
    agreement_mode: str
    developer_org_id: str
    purpose: str
    requested: list[RequestedResourceView]
    wished_valid_until: dt.date | None
    status: str
    round: int
    required_reviewers: list[ReviewerView]
    reviews: list[ReviewView]
    scope: list[ScopeView]
    submitted_at: dt.datetime
    decided_at: dt.datetime | None
    decision_reason: str
    grant_id: str


ApplicationPage = Page[ApplicationView]


class RiskView(msgspec.Struct, kw_only=True):
    risk_id: str
    application_id: str
    reporter_org_id: str
    severity: str
    description: str
    reported_at: dt.datetime


RiskPage = Page[RiskView]


class GrantView(msgspec.Struct, kw_only=True):
    """A grant (REQ-5): usable only inside a sandbox (``usable_only_in``)."""

    grant_id: str
    application_id: str
    scenario_id: str
    scenario_class: str
    operator_org_id: str
    agreement_id: str
    developer_org_id: str
    purpose: str
    resources: list[ScopeView]
    valid_from: dt.datetime
    valid_until: dt.datetime
    status: str
    in_force: bool
    usable_only_in: str
    revoked_at: dt.datetime | None
    revocation_reason: str
    suspended_at: dt.datetime | None = None
    """Closed for now (暂时关闭, AUTH-6) since then, until the agreement is reinstated."""
    suspension_reason: str = ""
    narrowings: list[str] = []
    """What left the grant after issue, and why (CAT-2), one line each."""


GrantPage = Page[GrantView]


class RevocationBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Text


class AppealBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    subject_kind: Literal["admission", "application", "export"]
    subject_id: Id
    grounds: Text


class AppealDecisionBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    decision: Literal["upheld", "dismissed"]
    reasoning: Text


class AppealView(msgspec.Struct, kw_only=True):
    appeal_id: str
    subject_kind: str
    subject_id: str
    appellant_org_id: str
    grounds: str
    status: str
    filed_at: dt.datetime
    decided_at: dt.datetime | None
    reasoning: str
    decided_by_org_id: str


AppealPage = Page[AppealView]


class SettingsBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reevaluation_interval_days: Days
    default_grant_validity_days: Days


class SettingsView(msgspec.Struct, kw_only=True):
    region: str
    reevaluation_interval_days: int
    default_grant_validity_days: int
