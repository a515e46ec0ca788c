"""Wires identity: its HTTP app, the collections whose outbox the relay drains, and the
periodic sweep of publicity periods and expiries."""

from __future__ import annotations

from libs.auth.tokens import SIGNING_KEY
from libs.http.app import service_app
from libs.service import ServiceContext, ServiceParts
from services.identity.api import (
    accounts,
    admissions,
    authorizations,
    complaints,
    implementation_plans,
    jurisdictions,
    jwks,
    organizations,
    staff,
    tokens,
)
from services.identity.commands.sweep import authorization_sweeper
from services.identity.handlers import handlers
from services.identity.repository import OUTBOX_COLLECTIONS


def build(ctx: ServiceContext) -> ServiceParts:
    app = service_app(
        ctx,
        "identity — 身份与授权",
        [
            jwks.jwks,
            tokens.issue,
            organizations.OrganizationController,
            jurisdictions.JurisdictionController,
            implementation_plans.ImplementationPlanController,
            authorizations.AuthorizationController,
            authorizations.run_sweep,
            admissions.AdmissionController,
            complaints.ComplaintController,
            accounts.AccountController,
            staff.StaffController,
        ],
        description="Organizations, users and machine clients, sign-in, operator "
        "authorization (授权运营: tender, publicity, agreement, renewal, suspension, exit) "
        "and developer admission (入驻).",
    )
    sweeper = authorization_sweeper(ctx)

    async def signing_key() -> None:
        """Identity's signing key exists once identity runs, so ``pdo token`` (which never
        makes a key) can sign for this instance as soon as it serves."""
        await ctx.secrets.ensure_signing_key(SIGNING_KEY)

    return ServiceParts(
        name="identity",
        app=app,
        handlers=handlers(ctx),
        outbox_collections=OUTBOX_COLLECTIONS,
        on_start=(signing_key, sweeper.start),
        on_stop=(sweeper.stop,),
    )
