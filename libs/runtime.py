"""The composition root: builds stores, bus, secrets and the services, in either mode.

Embedded mode: one process, the durable in-process bus, one SQLite file per service,
the local encrypted keyring. Distributed mode: Kafka, one MongoDB database per service,
Vault only (a missing Vault setting stops start-up; the keyring is for embedded mode).
Everything is built here from ``Settings``; nothing connects at import time.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from litestar import Litestar

from contracts.envelope import Envelope
from contracts.topics import SERVICES, topic_for
from libs.audit import AuditLog
from libs.auth.tokens import TokenVerifier
from libs.bus.consumer import Consumer, EnvelopeHandler, ProjectionConsumer
from libs.bus.embedded import EmbeddedBus
from libs.bus.federation import foreign_topics
from libs.bus.inbox import Inbox
from libs.bus.port import EventBus
from libs.bus.provision import consumer_group
from libs.clock import Clock, SystemClock
from libs.config import ConfigError, Settings
from libs.outbox import OutboxRelay
from libs.secrets.port import SecretStore
from libs.service import ServiceContext, ServiceParts
from libs.store.port import DocumentStore
from libs.store.traced import TracedDocumentStore

if TYPE_CHECKING:
    from libs.bus.kafka import KafkaCredentials

log = logging.getLogger(__name__)


class _Builder(Protocol):
    def __call__(self, ctx: ServiceContext) -> ServiceParts: ...


def load_builder(service: str) -> _Builder:
    module = importlib.import_module(f"services.{service}.bootstrap")
    builder: _Builder = module.build
    return builder


def make_store(settings: Settings, service: str) -> DocumentStore:
    """The service's own database, traced."""
    if settings.mode == "embedded":
        from libs.store.sqlite import SqliteDocumentStore

        inner: DocumentStore = SqliteDocumentStore(settings.data_dir / f"{service}.sqlite")
        return TracedDocumentStore(inner, service=service, system="sqlite")
    from libs.store.mongo import MongoDocumentStore

    inner = MongoDocumentStore(settings.mongo_uri, f"pdo_{settings.region}_{service}")
    return TracedDocumentStore(inner, service=service, system="mongodb")


def make_bus(settings: Settings, client_id: str, secrets: SecretStore | None = None) -> EventBus:
    """The bus of the mode. On Kafka the process connects as its own principal; with
    ``PDO_KAFKA_PASSWORD_SECRET`` its password is read from the secrets port at start."""
    if settings.mode == "embedded":
        return EmbeddedBus(settings.data_dir / "bus.sqlite")
    from libs.bus.kafka import KafkaBus

    credentials = kafka_credentials(settings)
    source = None
    if settings.kafka_password_secret and not settings.kafka_password and secrets is not None:
        from libs.secrets.kafka import kafka_password

        store, path = secrets, settings.kafka_password_secret

        async def source() -> KafkaCredentials:
            password = await kafka_password(store, path)
            return replace(credentials, password=password)

    return KafkaBus(
        settings.kafka_bootstrap,
        client_id=client_id,
        credentials=credentials,
        credentials_source=source,
    )


def kafka_credentials(settings: Settings) -> KafkaCredentials:
    from libs.bus.kafka import KafkaCredentials

    return KafkaCredentials(
        security_protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        username=settings.kafka_username,
        password=settings.kafka_password,
        ssl_cafile=settings.kafka_ssl_cafile,
    )


def make_secrets(settings: Settings) -> SecretStore:
    """Vault when configured (and always in distributed mode); else the local keyring."""
    if settings.mode == "distributed" and not settings.vault_addr:
        raise ConfigError("PDO_VAULT_ADDR is required in distributed mode")
    if settings.vault_addr:
        from libs.secrets.vault import VaultSecretStore

        approle = settings.vault_approle_secret_id_path
        if settings.vault_approle_role_id and approle is not None and not settings.vault_token:
            return VaultSecretStore.with_approle_auth(
                settings.vault_addr,
                role_id=settings.vault_approle_role_id,
                secret_id_path=approle,
                mount=settings.vault_approle_mount,
            )
        if settings.vault_k8s_role and not settings.vault_token:
            return VaultSecretStore.with_kubernetes_auth(
                settings.vault_addr,
                role=settings.vault_k8s_role,
                jwt_path=settings.vault_k8s_token_path,
                mount=settings.vault_k8s_mount,
            )
        return VaultSecretStore(settings.vault_addr, settings.vault_token or None)
    from libs.secrets.keyring import LocalKeyring, load_or_create_passphrase

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    passphrase = settings.keyring_passphrase or load_or_create_passphrase(
        settings.data_dir / "keyring.passphrase"
    )
    return LocalKeyring(settings.data_dir / "keyring.bin", passphrase)


def dispatcher(service: str, handlers: Mapping[str, EnvelopeHandler]) -> EnvelopeHandler:
    """One consumer group per service; records of types it does not handle are skipped."""

    async def dispatch(envelope: Envelope) -> None:
        handler = handlers.get(envelope.type)
        if handler is not None:
            await handler(envelope)

    dispatch.__qualname__ = f"dispatch[{service}]"
    return dispatch


@dataclass
class RunningService:
    ctx: ServiceContext
    parts: ServiceParts
    relay: OutboxRelay
    store: DocumentStore


@dataclass
class Platform:
    """Some or all of the nine services, wired to one bus, ready to start."""

    settings: Settings
    services: Sequence[str] = SERVICES
    clock: Clock = field(default_factory=SystemClock)
    bus: EventBus | None = None
    secrets: SecretStore | None = None
    running: dict[str, RunningService] = field(default_factory=dict)
    started: bool = False
    stopping: bool = False

    def build(self) -> Platform:
        client_id = "pdo-" + ("embedded" if len(self.services) > 1 else self.services[0])
        self.secrets = self.secrets or make_secrets(self.settings)
        self.bus = self.bus or make_bus(self.settings, client_id, self.secrets)
        for name in self.services:
            store = make_store(self.settings, name)
            verifier = TokenVerifier(self.secrets, self.clock, region=self.settings.region)
            ctx = ServiceContext(
                name=name,
                region=self.settings.region,
                store=store,
                bus=self.bus,
                secrets=self.secrets,
                clock=self.clock,
                audit=AuditLog(store, self.clock),
                verifier=verifier,
                data_dir=self.settings.data_dir / name,
                demo=self.settings.demo,
                distributed=self.settings.mode == "distributed",
                parents=self.settings.parents,
                children=self.settings.children,
                operating_zones=self.settings.operating_zones,
            )
            parts = load_builder(name)(ctx)
            relay = OutboxRelay(
                service=name, store=store, bus=self.bus, collections=parts.outbox_collections
            )
            ctx.notify_outbox = relay.notify
            self.running[name] = RunningService(ctx, parts, relay, store)
            # Kafka groups are region-scoped (``pdo.<region>.<service>``), so a city and a
            # county instance on one cluster never share a group; so are the embedded
            # log's cursors of a federated instance (one log file shared by a city and
            # its counties); a lone embedded platform keeps its per-service cursors.
            federated_instance = bool(self.settings.parents or self.settings.children)
            group = (
                name
                if self.settings.mode == "embedded" and not federated_instance
                else consumer_group(self.settings.region, name)
            )
            if parts.handlers:
                specs = {topic_for(t) for t in parts.handlers}
                # FED-1: a county also reads the parent streams it needs (the city's
                # catalog, agreement, prices and evaluations) under its own group.
                topics = sorted(
                    {t.name(self.settings.region) for t in specs}
                    | set(foreign_topics(specs, self.settings.parents))
                )
                consumer = Consumer(
                    bus=self.bus,
                    group=name,
                    inbox=Inbox(store, name),
                    handler=dispatcher(name, parts.handlers),
                    region=self.settings.region,
                    batch_handlers=parts.batch_handlers,
                )
                self.bus.subscribe(topics, group, consumer)
            federated = foreign_topics(
                {topic_for(t) for t in parts.federated},
                self.settings.parents,
                self.settings.children,
            )
            if federated:
                self.bus.subscribe(
                    federated,
                    f"{group}.federation",
                    Consumer(
                        bus=self.bus,
                        group=f"{name}.federation",
                        inbox=Inbox(store, f"{name}.federation"),
                        handler=dispatcher(f"{name}.federation", parts.federated),
                        region=self.settings.region,
                    ),
                )
            if parts.projections:
                projected = sorted(
                    {topic_for(t).name(self.settings.region) for t in parts.projections}
                )
                self.bus.subscribe(
                    projected,
                    f"{group}.projection",
                    ProjectionConsumer(
                        name=name, handler=dispatcher(f"{name}.projection", parts.projections)
                    ),
                    every_replica=True,
                )
        return self

    async def start(self) -> None:
        if self.bus is None:
            raise RuntimeError("Platform.build() must run before start()")
        for running in self.running.values():
            for hook in running.parts.on_start:
                await hook()
        await self.bus.start()
        for running in self.running.values():
            await running.relay.pass_once()  # events left by a crash go out first
            running.relay.start()
        self.started = True

    async def stop(self) -> None:
        """Graceful stop (SIGTERM): the consumers take no new records and the batch in
        hand is handled and committed; then the outbox is drained one last time, within
        the grace period, so every event staged by that batch or by an accepted request
        is published before the producer closes. Whatever the grace period cannot
        publish stays in the outbox for the next start: nothing is lost either way."""
        self.stopping = True
        if self.bus is not None:
            await _stop_step("bus: stop consuming", self.bus.stop_consuming)
        for name, running in self.running.items():
            for hook in running.parts.on_stop:
                await _stop_step(f"{name}: stop hook", hook)
            await _stop_step(f"{name}: outbox relay stop", running.relay.stop)
        # One grace period for all drains; a drain that fails or runs out of time leaves
        # its events for the next start and does not keep the others from draining.
        deadline = asyncio.get_running_loop().time() + self.settings.shutdown_grace_seconds
        for name, running in self.running.items():
            try:
                async with asyncio.timeout_at(deadline):
                    await running.relay.drain()
            except TimeoutError:
                log.warning(
                    "%s: outbox not drained within the grace period; left for the next start", name
                )
            except Exception:
                log.exception("%s: final outbox drain failed; left for the next start", name)
        if self.bus is not None:
            await _stop_step("bus: stop", self.bus.stop)
        for name, running in self.running.items():
            await _stop_step(f"{name}: store close", running.store.close)
        self.started = False
        log.info("stopped cleanly: consumers committed, outbox drained, stores closed")

    async def readiness(self) -> dict[str, Any]:
        """What ``/readyz`` answers: ready when started, not stopping, every store answers,
        the bus is reachable with its consumers in their groups and every outbox relay's
        last pass published what was pending (``outbox:<service>`` names why not)."""
        problems: dict[str, str] = {}
        if not self.started:
            problems["platform"] = "starting"
        if self.stopping:
            problems["platform"] = "stopping"
        report = await self.health()
        problems.update(
            {
                f"store:{name}": "unreachable"
                for name, up in report["services"].items()
                if up != "up"
            }
        )
        if self.bus is not None:
            reason = await self.bus.unready_reason()
            if reason is not None:
                problems["bus"] = reason
        for name, running in self.running.items():
            # events held back by a refused or failing publish (kept, retried): degraded
            if running.relay.failure is not None:
                problems[f"outbox:{name}"] = running.relay.failure
        return {
            "status": "unready" if problems else "ready",
            "region": self.settings.region,
            "services": sorted(self.running),
            "problems": problems,
        }

    async def health(self) -> dict[str, Any]:
        async def one(name: str, running: RunningService) -> tuple[str, str]:
            try:
                await asyncio.wait_for(running.store.ping(), timeout=3)
                return name, "up"
            except Exception:
                return name, "down"

        results = await asyncio.gather(*(one(n, r) for n, r in self.running.items()))
        services = dict(results)
        status = "up" if all(v == "up" for v in services.values()) else "degraded"
        return {
            "status": status,
            "mode": self.settings.mode,
            "region": self.settings.region,
            "services": services,
        }

    def apps(self) -> dict[str, Litestar]:
        return {name: r.parts.app for name, r in self.running.items()}


async def _stop_step(what: str, step: Callable[[], Awaitable[object]]) -> None:
    """One step of a graceful stop: a step that fails is logged and the stop goes on, so
    one service's failure cannot leave the others' outboxes undrained or stores open."""
    try:
        await step()
    except Exception:
        log.exception("%s failed during stop; going on with the rest", what)
