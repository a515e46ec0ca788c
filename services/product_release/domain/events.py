"""Facts of product-release that ``contracts.events.product_release`` does not carry yet.

They are plain frozen dataclasses so the domain can record them now; each is meant to
become a ``contracts`` event with the same ``TYPE`` tag and fields (contracts has its
own owner). The existing contract events — ``export.approved``, ``export.rejected``,
``product.released``, ``product.withdrawn``, and request-review's ``appeal.filed`` and
``appeal.decided`` — are used as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class ExportRequested:
    """A developer asked to take a sandbox output out (出域申请)."""

    TYPE: ClassVar[str] = "export.requested"
    export_id: str
    sandbox_id: str
    grant_id: str
    output_name: str
    developer_org_id: str
    requester_user_id: str


@dataclass(frozen=True, slots=True)
class ExportChecked:
    """The automated disclosure checks ran (EXP-2); the report is stored by its hash."""

    TYPE: ClassVar[str] = "export.checked"
    export_id: str
    passed: bool
    check_report_hash: str
    failed_checks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProductDrafted:
    """An approved export became a product version, not yet filed or released."""

    TYPE: ClassVar[str] = "product.drafted"
    product_id: str
    version: int
    export_id: str
    name: str
    kind: str
    developer_org_id: str
    derived_from: tuple[str, ...] = ()
    verification_answers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProductCertified:
    """The product's circulation certificate (流通凭证) is complete (EXP-3)."""

    TYPE: ClassVar[str] = "product.certified"
    product_id: str
    version: int
    certificate_id: str
    certificate_hash: str


@dataclass(frozen=True, slots=True)
class ProductFiled:
    """The bureau filed the product and its certificate (备案, EXP-1, EXP-3)."""

    TYPE: ClassVar[str] = "product.filed"
    product_id: str
    version: int
    filing_number: str
    bureau_user_id: str
    certificate_hash: str


@dataclass(frozen=True, slots=True)
class ProductFilingReturned:
    """The bureau sent the filing back; the certificate must be corrected and attached again."""

    TYPE: ClassVar[str] = "product.filing_returned"
    product_id: str
    version: int
    bureau_user_id: str
    reason: str
