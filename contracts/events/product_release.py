"""Events of product-release: export review (出域审核) and products."""

from __future__ import annotations

from contracts.events.base import Event


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


class ProductReleased(Event, frozen=True, tag="product.released"):
    product_id: str
    version: int
    name: str
    kind: str
    developer_org_id: str
    registration_code: str
    certificate_id: str


class ProductWithdrawn(Event, frozen=True, tag="product.withdrawn"):
    product_id: str
    reason: str
