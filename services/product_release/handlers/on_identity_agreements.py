"""``identity.agreements`` (identity): the operator agreements, kept keyed by the
agreement id (an ended agreement stays ended); when one ends (AUTH-7) its products stop
at once (``commands.products.end_with_agreement``)."""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events import (
    AgreementExpired,
    AgreementSigned,
    AgreementTerminated,
)
from contracts.expect import expect
from libs.service import ServiceContext
from libs.store.port import Document
from services.product_release.commands import products as product_commands
from services.product_release.handlers.step import Step
from services.product_release.read_model import kept_status, upsert
from services.product_release.repository import AGREEMENTS


async def on_agreement_signed(ctx: ServiceContext, envelope: Envelope) -> None:
    signed = expect(envelope, AgreementSigned)

    def change(doc: Document) -> Document:
        doc.update(
            operator_org_id=signed.operator_org_id,
            mode=signed.mode,
            industry_authority_org_id=signed.industry_authority_org_id,
            signed_at=envelope.occurred_at.isoformat(),
            status=kept_status(doc, "active"),
        )
        return doc

    await upsert(ctx, AGREEMENTS, signed.agreement_id, change)


async def on_agreement_ended(ctx: ServiceContext, envelope: Envelope) -> None:
    ended = expect(envelope, AgreementTerminated, AgreementExpired)

    def change(doc: Document) -> Document:
        doc.update(operator_org_id=ended.operator_org_id, status="ended")
        return doc

    await upsert(ctx, AGREEMENTS, ended.agreement_id, change)


async def on_agreement_ends(ctx: ServiceContext, envelope: Envelope) -> None:
    """The agreement ended (AUTH-7): kept as ended, and its products stop at once."""
    await on_agreement_ended(ctx, envelope)
    await product_commands.end_with_agreement(ctx, envelope)


STEPS: dict[str, Step] = {
    "agreement.signed": on_agreement_signed,
    "agreement.terminated": on_agreement_ends,
    "agreement.expired": on_agreement_ends,
}
