"""The periodic expiry sweep (SBX-7): sandboxes whose grant expired are closed; and the
logs of deleted sandboxes whose retention ended are purged (AUTH-7).

It sweeps once at start (catching up on anything that expired while the service was
down), then every ``interval`` seconds; the bureau can trigger it over HTTP
(``POST /sandbox_broker/expiry-sweep``). Idempotent, so several replicas may run it.
"""

from __future__ import annotations

from libs.periodic import Periodic
from services.sandbox_broker.commands.sandboxes import SandboxService

DEFAULT_INTERVAL_SECONDS = 300.0


def expiry_sweeper(
    service: SandboxService, *, interval: float = DEFAULT_INTERVAL_SECONDS
) -> Periodic:
    """Closes sandboxes whose grant expired, and purges logs past their retention."""

    async def sweep() -> None:
        await service.sweep_expired()
        await service.purge_due_logs()

    return Periodic("sandbox-broker:expiry-sweep", sweep, interval=interval)
