"""Kubernetes probes for the process: ``/livez``, ``/readyz`` and ``/startupz``.

- ``/livez``: the process answers; nothing else is checked, so an outage of MongoDB or
  Kafka never restarts a pod (restarting would not bring the database back).
- ``/startupz``: 200 once start-up finished (consumers joined, outbox drained once);
  kubelet waits on it before it starts the other two probes.
- ``/readyz``: started, not shutting down, every store of the process answers a ping,
  the bus is reachable and its consumers have joined their groups. 503 takes the pod out
  of its Service's endpoints without restarting it.
"""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.types import ControllerRouterHandler

from libs.runtime import Platform

PROBE_PATHS: dict[str, str] = {"liveness": "/livez", "readiness": "/readyz", "startup": "/startupz"}
"""The paths the chart's probes use; ``tests/unit/test_chart_*`` checks they match."""


def probe_routes(platform: Platform) -> list[ControllerRouterHandler]:
    """The three probe routes for the gateway of ``platform``'s process."""

    @get(PROBE_PATHS["liveness"], opt={"public": True}, summary="The process answers")
    async def livez() -> dict[str, str]:
        return {"status": "alive"}

    @get(PROBE_PATHS["startup"], opt={"public": True}, summary="Start-up has finished")
    async def startupz() -> Response[dict[str, str]]:
        if platform.started:
            return Response({"status": "started"}, status_code=200)
        return Response({"status": "starting"}, status_code=503)

    @get(PROBE_PATHS["readiness"], opt={"public": True}, summary="Store and bus reachable")
    async def readyz() -> Response[dict[str, Any]]:
        report = await platform.readiness()
        return Response(report, status_code=200 if report["status"] == "ready" else 503)

    return [livez, startupz, readyz]
