"""HTTP API of sandbox-broker: module-level controllers over the service layer
(``commands/``) — sandboxes, jobs and outputs (``sandboxes``); own-data imports
(``imports``); verification calls (``verifications``). ``router`` mounts them with the
service-layer objects as Litestar dependencies; no controller touches the store."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from services.sandbox_broker.api.imports import ImportController
from services.sandbox_broker.api.sandboxes import SandboxController
from services.sandbox_broker.api.verifications import VerificationController
from services.sandbox_broker.commands import Imports, SandboxService, Verifications


def router(service: SandboxService, imports: Imports, verifications: Verifications) -> Router:
    """The controllers, each given the one instance of what it calls."""

    def provide_service() -> SandboxService:
        return service

    def provide_imports() -> Imports:
        return imports

    def provide_verifications() -> Verifications:
        return verifications

    return Router(
        path="/",
        route_handlers=[SandboxController, ImportController, VerificationController],
        dependencies={
            "service": Provide(provide_service, sync_to_thread=False),
            "imports": Provide(provide_imports, sync_to_thread=False),
            "verifications": Provide(provide_verifications, sync_to_thread=False),
        },
    )
