"""Events of billing: invoices and revenue distribution (收益分配). Money in fen."""

from __future__ import annotations

from contracts.events.base import Event


class InvoiceIssued(Event, frozen=True, tag="invoice.issued"):
    invoice_id: str
    customer_org_id: str
    period: str
    total_fen: int
    line_count: int


class RevenueDistributed(Event, frozen=True, tag="revenue.distributed"):
    distribution_id: str
    period: str
    government_fen: int
    operator_fen: int
    merchants_fen: int
