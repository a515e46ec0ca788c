"""Creates topics on the test broker, which never auto-creates them (scripts/kafka-server.sh).

``provision_region`` runs what ``pdo kafka provision`` runs (the registry's topics, their
dead-letter topics and the services' ACLs) once per broker and region; ``create_topics``
makes ad-hoc topics for the bus and server tests. Both are synchronous (a private event
loop in a worker thread), so they work from sync fixtures and from inside async tests.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from contracts.topics import dead_letter_topic
from libs.bus.provision import Report, plan, provision

T = TypeVar("T")

_done: set[tuple[str, str]] = set()
_lock = threading.Lock()


def _in_thread(work: Callable[[], Awaitable[T]]) -> T:
    box: dict[str, T] = {}
    errors: list[BaseException] = []

    def run() -> None:
        try:
            box["value"] = asyncio.run(work())  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, name="kafka-admin")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return box["value"]


async def _admin(bootstrap: str) -> AIOKafkaAdminClient:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="pdo-tests")
    await admin.start()
    return admin


def provision_region(bootstrap: str, region: str) -> Report | None:
    """The registry's topics and ACLs for ``region``; None when done before in this run."""
    with _lock:
        if (bootstrap, region) in _done:
            return None

        async def work() -> Report:
            admin = await _admin(bootstrap)
            try:
                return await provision(admin, plan(region))
            finally:
                await admin.close()

        report = _in_thread(work)
        _done.add((bootstrap, region))
        return report


def create_topics(bootstrap: str, *names: str, partitions: int = 3) -> None:
    """Ad-hoc topics (and their dead-letter topics) for tests outside the registry."""

    async def work() -> None:
        admin = await _admin(bootstrap)
        try:
            wanted = sorted({*names, *(dead_letter_topic(n) for n in names)})
            existing = set(await admin.list_topics())
            missing = [NewTopic(n, partitions, 1) for n in wanted if n not in existing]
            if missing:
                await admin.create_topics(missing)
        finally:
            await admin.close()

    _in_thread(work)
