"""Events of product-release: export review (出域审核), products, certificates (流通凭证),
filing (备案) and the product list."""

from __future__ import annotations

import msgspec

from contracts.events.base import Event


class OutputColumn(msgspec.Struct, frozen=True, kw_only=True):
    """How the developer declares one column of an output for the disclosure checks.

    ``role`` is one of dimension, count, sum, mean, statistic, identifier (released or
    refused) or units, top1, top2 (hidden: the checks need them, they never leave);
    ``of`` names the magnitude column a top1/top2 belongs to; ``source`` the data item."""

    name: str
    role: str
    of: str = ""
    source: str = ""


class ExportRequested(Event, frozen=True, tag="export.requested"):
    """A developer asked to take a sandbox output out (出域申请).

    ``kind`` is ``table`` (a statistical table that leaves as a dataset) or
    ``verification`` (the output stays inside; only answers of ``answer_column`` looked
    up by ``key_column`` leave, one per metered call — 核验)."""

    export_id: str
    sandbox_id: str
    grant_id: str
    output_name: str
    developer_org_id: str
    requester_user_id: str
    kind: str
    columns: list[OutputColumn]
    universe: str = ""
    key_column: str = ""
    answer_column: str = ""


class ExportChecked(Event, frozen=True, tag="export.checked"):
    """The automated disclosure checks ran (EXP-2); the report is stored by its hash."""

    export_id: str
    passed: bool
    check_report_hash: str
    failed_checks: list[str] = []


class ExportApproved(Event, frozen=True, tag="export.approved"):
    export_id: str
    sandbox_id: str
    output_name: str
    reviewer_user_id: str
    check_report_hash: str


class ExportRejected(Event, frozen=True, tag="export.rejected"):
    export_id: str
    sandbox_id: str
    reason: str
    failed_checks: list[str] = []


class ProductDrafted(Event, frozen=True, tag="product.drafted"):
    """An approved export became a product version, not yet certified, filed or released."""

    product_id: str
    version: int
    export_id: str
    name: str
    kind: str
    developer_org_id: str
    derived_from: list[str] = []


class ProductCertified(Event, frozen=True, tag="product.certified"):
    """The product's circulation certificate (流通凭证) is complete (EXP-3)."""

    product_id: str
    version: int
    certificate_id: str
    certificate_hash: str


class ProductFiled(Event, frozen=True, tag="product.filed"):
    """The bureau filed the product and its certificate (备案, EXP-1, EXP-3)."""

    product_id: str
    version: int
    filing_number: str
    bureau_user_id: str
    certificate_hash: str


class ProductFilingReturned(Event, frozen=True, tag="product.filing_returned"):
    """The bureau sent the filing back; the certificate must be corrected and filed again."""

    product_id: str
    version: int
    bureau_user_id: str
    reason: str


class VerificationSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Where a verification product's answers are computed: inside the production
    sandbox, from an approved output, by key; only values in ``answers`` ever leave."""

    sandbox_id: str
    output_name: str
    key_column: str
    answer_column: str
    answers: list[str]


class ProductReleased(Event, frozen=True, tag="product.released"):
    product_id: str
    version: int
    name: str
    kind: str
    developer_org_id: str
    registration_code: str
    certificate_id: str
    verification: VerificationSpec | None = None
    scenario_id: str = ""
    grant_id: str = ""
    touches: list[str] = []
    """What the product touches among ``state_secret``, ``national_security``,
    ``personal_privacy`` and ``third_party_rights`` (TRD-3), from its certificate."""
    permissions: list[str] = []
    """Those of ``touches`` for which the rights holder's permission is on file."""


class ProductWithdrawn(Event, frozen=True, tag="product.withdrawn"):
    product_id: str
    reason: str
    rule: str = ""
    """The rule that ended it when not the operator's own choice: ``AUTH-7`` when the
    operator's authorization ended (termination, revocation, expiry); the product then
    stays on the published list with that status."""
