"""Request and response bodies of the product-release API, validated at the edge by msgspec."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from libs.http.paging import Page

Id = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")]
Identifier = Annotated[
    str, msgspec.Meta(min_length=1, max_length=63, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
]
OptionalIdentifier = Annotated[
    str, msgspec.Meta(max_length=63, pattern=r"^([A-Za-z_][A-Za-z0-9_]*)?$")
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=4000)]
Required = Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
Sensitivity = Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
"""One of what a product may touch (TRD-3); the domain names the allowed values (EXP-3)."""
ColumnRole = Literal[
    "dimension",
    "count",
    "sum",
    "mean",
    "statistic",
    "identifier",
    "units",
    "top1",
    "top2",
    "min",
    "abs_total",
    "unit_id",
]


class ColumnBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One output column and its role for the disclosure checks (EXP-2)."""

    name: Identifier
    role: ColumnRole
    of: OptionalIdentifier = ""
    source: OptionalIdentifier = ""


class ExportBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An export request (出域申请) of an output of the developer's production sandbox."""

    sandbox_id: Id
    output_name: Identifier
    kind: Literal["table", "verification"]
    columns: Annotated[list[ColumnBody], msgspec.Meta(max_length=200)] = []
    universe: Annotated[str, msgspec.Meta(max_length=200)] = ""
    key_column: OptionalIdentifier = ""
    answer_column: OptionalIdentifier = ""


class DecisionBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The human review (出域审核): approve, or reject with the reason."""

    approve: bool
    reason: Text = ""


class ExportView(msgspec.Struct, kw_only=True):
    export_id: str
    region: str
    sandbox_id: str
    grant_id: str
    output_name: str
    kind: str
    columns: list[dict[str, str]]
    universe: str
    key_column: str
    answer_column: str
    developer_org_id: str
    requester_user_id: str
    state: str
    check_report_hash: str
    failed_checks: list[str]
    reviewer_user_id: str
    rejection_reason: str
    appeal_id: str
    unavailable_reason: str
    requested_at: str
    checked_at: str
    decided_at: str


ExportPage = Page[ExportView]


class ProductBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """A product version of an approved export: a dataset or a verification API."""

    export_id: Id
    name: Name
    kind: Literal["dataset", "verification"]
    description: Text = ""
    derived_from: Annotated[list[Id], msgspec.Meta(max_length=50)] = []
    answers: Annotated[
        list[Annotated[str, msgspec.Meta(min_length=1, max_length=100)]],
        msgspec.Meta(max_length=50),
    ] = []


class DataSourceBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    resource_id: Id
    provider_org_id: Id
    registration_code: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]


class AttributeBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    value: Name


class InteractionBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    from_org_id: Id
    to_org_id: Id
    action: Name


class CertificateBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The circulation certificate (流通凭证): every section of EXP-3."""

    data_sources: Annotated[list[DataSourceBody], msgspec.Meta(min_length=1, max_length=100)]
    attributes: Annotated[list[AttributeBody], msgspec.Meta(min_length=1, max_length=100)]
    business_logic: Required
    governance_rules: Required
    cryptographic_agreement: Required
    interaction_flow: Annotated[list[InteractionBody], msgspec.Meta(min_length=1, max_length=100)]
    touches: Annotated[list[Sensitivity], msgspec.Meta(max_length=20)] = []
    """Governance (TRD-3): what the product touches among state_secret, national_security,
    personal_privacy, third_party_rights; personal_privacy is added when the grant shows it."""
    permissions: Annotated[list[Sensitivity], msgspec.Meta(max_length=20)] = []
    """Those of ``touches`` whose rights holder's permission is on file."""


class FilingBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The bureau files (备案) the product, or returns it with the reason."""

    accept: bool
    reason: Text = ""


class ReasonBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Required


class VerificationView(msgspec.Struct, kw_only=True):
    sandbox_id: str
    output_name: str
    key_column: str
    answer_column: str
    answers: list[str]


class ProductView(msgspec.Struct, kw_only=True):
    product_id: str
    region: str
    version: int
    export_id: str
    name: str
    description: str
    kind: str
    developer_org_id: str
    derived_from: list[str]
    state: str
    certificate_id: str
    certificate_hash: str
    certificate: dict[str, Any] | None
    filing_number: str
    filing_return_reason: str
    registration_code: str
    grant_id: str
    scenario_id: str
    verification: VerificationView | None
    touches: list[str]
    """What the certified product touches (TRD-3), the floor from its grant included."""
    permissions: list[str]


ProductPage = Page[ProductView]


class ListedProductView(msgspec.Struct, kw_only=True):
    """One entry of the published product and service list (产品和服务清单, EXP-5)."""

    product_id: str
    name: str
    kind: str
    developer_org_id: str
    version: int
    registration_code: str
    certificate_id: str
    released_on: str
    """The release date (ISO 8601), the calendar day in China (UTC+8)."""
    status: str = "released"
    """``released``, or ``authorization_ended`` when the operator's authorization ended
    (AUTH-7): the product is no longer offered, traded or answered."""
    status_reason: str = ""


ListedProductPage = Page[ListedProductView]


class AffiliationBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """An organization affiliated with the operator (关联方: subsidiary, managed body)."""

    org_id: Id
    operator_org_id: Id
    relation: Literal["subsidiary", "managed", "holding", "other"]


class AffiliationView(msgspec.Struct, kw_only=True):
    org_id: str
    operator_org_id: str
    relation: str
    declared_by: str
    declared_at: str


class SettingsBody(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """The region's own export-check settings (EXP-2); omitted fields keep their value."""

    min_cell_count: int | msgspec.UnsetType = msgspec.UNSET
    zero_cells_disclosive: bool | msgspec.UnsetType = msgspec.UNSET
    dominance_largest_percent: int | msgspec.UnsetType = msgspec.UNSET
    dominance_top_two_percent: int | msgspec.UnsetType = msgspec.UNSET
    p_ratio_percent: int | msgspec.UnsetType = msgspec.UNSET
    min_residual_dof: int | msgspec.UnsetType = msgspec.UNSET
    shared_zero_disclosive: bool | msgspec.UnsetType = msgspec.UNSET


class SettingsView(msgspec.Struct, kw_only=True):
    region: str
    min_cell_count: int
    zero_cells_disclosive: bool
    dominance_largest_percent: int
    dominance_top_two_percent: int
    p_ratio_percent: int
    min_residual_dof: int
    shared_zero_disclosive: bool
