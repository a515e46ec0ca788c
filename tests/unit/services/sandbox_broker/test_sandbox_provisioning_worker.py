"""The provisioning worker (commands/provisioning.py): a grant's sandboxes are recorded at
once and filled in the background, a bounded number per environment at a time, so a new
grant never waits behind a backlog; provisioning resumes after a restart (SBX-2)."""

from __future__ import annotations

import asyncio
from typing import Any

from contracts.envelope import SYSTEM_ACTOR, Envelope, new_envelope, to_builtins
from contracts.events import GrantIssued
from services.sandbox_broker.commands.provisioning import ProvisioningWorker
from services.sandbox_broker.domain.plan import Environment
from tests.unit.services.sandbox_broker.factories import grant_factory


class _Store:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = docs

    async def find(self, collection: str, where: dict[str, Any]) -> list[dict[str, Any]]:
        return [d for d in self.docs if all(d.get(k) == v for k, v in where.items())]


class _Ctx:
    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.store = _Store(docs)


class FakeService:
    """Records what the worker asks of ``SandboxService``; provisioning of a grant whose
    id starts with ``slow`` waits until ``release`` is set."""

    def __init__(self, docs: list[dict[str, Any]] | None = None) -> None:
        self.ctx = _Ctx(docs or [])
        self.sources_ready = asyncio.Event()
        self.release = asyncio.Event()
        self.recorded: list[str] = []
        self.done: list[tuple[str, str]] = []
        self.running = {e: 0 for e in Environment}
        self.peak = {e: 0 for e in Environment}

    async def record_grant(self, grant: GrantIssued, cause: Envelope) -> None:
        self.recorded.append(grant.grant_id)

    async def provision_one(
        self, grant: GrantIssued, environment: Environment, cause: Envelope
    ) -> None:
        self.running[environment] += 1
        self.peak[environment] = max(self.peak[environment], self.running[environment])
        try:
            if grant.grant_id.startswith("slow"):
                await self.release.wait()
            else:
                await asyncio.sleep(0.01)
            self.done.append((grant.grant_id, environment.value))
        finally:
            self.running[environment] -= 1


def issued(grant_id: str) -> Envelope:
    return new_envelope(
        grant_factory(grant_id=grant_id), region="370300", actor=SYSTEM_ACTOR, subject=grant_id
    )


async def until(condition: Any, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def test_SBX_2_a_new_grant_is_provisioned_while_a_backlog_of_earlier_grants_waits() -> None:
    service = FakeService()
    service.sources_ready.set()
    worker = ProvisioningWorker(service, concurrency=3)  # type: ignore[arg-type]
    for n in range(2):  # earlier grants, each slow to fill (one at a time before)
        await worker.on_grant_issued(issued(f"slow-{n}"))
    await worker.on_grant_issued(issued("new-grant"))
    # The handler returned at once with all three grants recorded (acknowledged).
    assert service.recorded == ["slow-0", "slow-1", "new-grant"]
    await until(lambda: len(service.done) == 2)
    # Both sandboxes of the new grant are filled while the earlier ones still run.
    assert sorted(service.done) == [("new-grant", "development"), ("new-grant", "production")]
    assert service.running == {Environment.DEVELOPMENT: 2, Environment.PRODUCTION: 2}
    service.release.set()
    await worker.idle()
    assert len(service.done) == 6


async def test_SBX_2_provisioning_never_runs_more_than_the_bound_per_environment() -> None:
    service = FakeService()
    service.sources_ready.set()
    worker = ProvisioningWorker(service, concurrency=2)  # type: ignore[arg-type]
    for n in range(6):
        await worker.on_grant_issued(issued(f"slow-{n}"))
    await until(lambda: worker.busy[Environment.DEVELOPMENT] == 2)
    await asyncio.sleep(0.05)
    assert service.peak == {Environment.DEVELOPMENT: 2, Environment.PRODUCTION: 2}
    service.release.set()
    await worker.idle()
    assert service.peak == {Environment.DEVELOPMENT: 2, Environment.PRODUCTION: 2}
    assert sorted(service.done) == sorted(
        (f"slow-{n}", e.value) for n in range(6) for e in Environment
    )


async def test_SBX_2_production_sandboxes_waiting_for_the_source_hold_no_slot() -> None:
    service = FakeService()  # the demo source is still being generated
    worker = ProvisioningWorker(service, concurrency=1)  # type: ignore[arg-type]
    for n in range(3):
        await worker.on_grant_issued(issued(f"grant-{n}"))
    await until(lambda: len(service.done) == 3)
    assert sorted(service.done) == [(f"grant-{n}", "development") for n in range(3)]
    service.sources_ready.set()
    await worker.idle()
    assert len(service.done) == 6


async def test_SBX_2_provisioning_resumes_after_a_restart_from_the_kept_grant_event() -> None:
    kept = to_builtins(issued("g-interrupted"))
    docs = [
        {
            "_id": "sbx-dev-g-interrupted",
            "state": "provisioning",
            "environment": "development",
            "grant_envelope": kept,
        },
        {
            "_id": "sbx-pro-g-interrupted",
            "state": "ready",
            "environment": "production",
            "grant_envelope": kept,
        },
        {"_id": "sbx-dev-g-old", "state": "provisioning", "environment": "development"},
    ]
    service = FakeService(docs)
    service.sources_ready.set()
    worker = ProvisioningWorker(service, concurrency=2)  # type: ignore[arg-type]
    assert await worker.resume() == 1
    await worker.idle()
    assert service.done == [("g-interrupted", "development")]
