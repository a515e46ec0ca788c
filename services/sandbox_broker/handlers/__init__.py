"""What sandbox-broker does on other services' events: one ``on_<topic>`` module per
subscribed topic, each a thin call into the service layer (``commands/``).

- ``on_catalog_resources`` (``catalog.resources``): resource schemas; what leaves the
  operation catalog leaves every sandbox it is mounted in (CAT-2);
- ``on_request_grants`` (``request.grants``): a grant provisions its sandboxes, a
  revocation closes them (SBX-7);
- ``on_identity_agreements`` (``identity.agreements``): suspension (暂时关闭, AUTH-6),
  reinstatement, and the operator's exit (AUTH-7);
- ``on_product_exports`` (``product.exports``): export staging (EXP-2);
- ``on_product_products`` (``product.products``): verification products (核验).

Each handler is idempotent (the runtime also drops redelivered event ids); the event is
acknowledged only after the handler returns, i.e. after its effects are stored.
"""

from __future__ import annotations

from collections.abc import Mapping

from libs.bus.consumer import EnvelopeHandler
from services.sandbox_broker.commands import ExportStager, SandboxService, Verifications
from services.sandbox_broker.commands.provisioning import ProvisioningWorker
from services.sandbox_broker.handlers import (
    on_catalog_resources,
    on_identity_agreements,
    on_product_exports,
    on_product_products,
    on_request_grants,
)


def handlers(
    service: SandboxService,
    stager: ExportStager,
    verifications: Verifications,
    worker: ProvisioningWorker | None = None,
) -> Mapping[str, EnvelopeHandler]:
    """Every subscribed event type and its handler."""
    return {
        **on_catalog_resources.handlers(service),
        **on_request_grants.handlers(service, worker),
        **on_identity_agreements.handlers(service),
        **on_product_exports.handlers(stager),
        **on_product_products.handlers(verifications),
    }
