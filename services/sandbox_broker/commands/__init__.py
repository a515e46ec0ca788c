"""The service layer of sandbox-broker (服务层): every command on sandboxes, jobs, imports,
exports and verification calls, over the ``JobExecutor`` port and the service's store.

- ``sandboxes.SandboxService``: resource schemas, provisioning, closing and deletion,
  suspension and reinstatement, narrowing, log retention and purging, jobs;
- ``broker.SandboxBroker``: the steps on a sandbox's data (provision, run, close, delete)
  that ``SandboxService`` stores the outcome of;
- ``imports.Imports``: own-data imports and the operator's decision (SBX-4);
- ``exports.ExportStager``: staging an output for product-release's checks (EXP-2);
- ``verifications.Verifications``: verification products answering calls (核验);
- ``expiry_sweep``: the periodic sweep closing sandboxes of expired grants (SBX-7).

Admission (may this caller run, import or export here now?) is one domain decision,
``domain.admission.admit``, used by jobs, imports and exports alike.
"""

from __future__ import annotations

from services.sandbox_broker.commands.exports import ExportStager
from services.sandbox_broker.commands.imports import Imports
from services.sandbox_broker.commands.sandboxes import SandboxService
from services.sandbox_broker.commands.verifications import Verifications

__all__ = ["ExportStager", "Imports", "SandboxService", "Verifications"]
