"""What a service is given (``ServiceContext``) and what it hands back (``ServiceParts``).

Every ``services/<name>/bootstrap.py`` exposes ``build(ctx) -> ServiceParts``; the
runtime (``libs.runtime``) does the wiring, the same way in both modes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litestar import Litestar

from libs.audit import AuditLog
from libs.auth.tokens import TokenVerifier
from libs.bus.consumer import BatchEnvelopeHandler, EnvelopeHandler
from libs.bus.port import EventBus
from libs.clock import Clock
from libs.secrets.port import SecretStore
from libs.store.port import DocumentStore


@dataclass
class ServiceContext:
    """Ports injected into one service. Built only by ``libs.runtime``."""

    name: str
    region: str
    store: DocumentStore
    bus: EventBus
    secrets: SecretStore
    clock: Clock
    audit: AuditLog
    verifier: TokenVerifier
    data_dir: Path = field(default_factory=lambda: Path(".pdo/data"))
    """Where the service may keep files of its own (sandbox-broker: its sandboxes)."""
    demo: bool = False
    """The demo city is loaded (embedded ``pdo up``): services seed their demo data."""
    distributed: bool = False
    """Distributed mode (``pdo serve``): production guarantees are mandatory, never
    degraded (e.g. the sandbox broker refuses jobs without OS isolation)."""
    notify_outbox: Callable[[], None] = field(default=lambda: None)
    parents: tuple[str, ...] = ()
    """The jurisdiction chain above this platform, nearest first (FED-1, FED-2)."""
    children: tuple[str, ...] = ()
    """Regions below this platform whose upward streams it reads (FED-2)."""
    operating_zones: tuple[Mapping[str, Any], ...] = ()
    """Operating zones per domain (运营专区, FED-3), as configured (``Settings``)."""


@dataclass
class ServiceParts:
    """A built service: its HTTP app, its event handlers and its outbox collections."""

    name: str
    app: Litestar
    handlers: Mapping[str, EnvelopeHandler] = field(default_factory=dict)
    batch_handlers: Mapping[str, BatchEnvelopeHandler] = field(default_factory=dict)
    """Optional, by event type: a handler of a run of consecutive events of that type in
    one call (one store transaction); ``handlers`` keeps the per-event handler of every
    such type, the fallback when the batch call fails."""
    projections: Mapping[str, EnvelopeHandler] = field(default_factory=dict)
    """In-process read models that every replica keeps: each replica receives every
    event of these types (no shared consumer group, no inbox); handlers re-read the
    store, so a replayed or repeated event converges."""
    outbox_collections: tuple[str, ...] = ()
    federated: Mapping[str, EnvelopeHandler] = field(default_factory=dict)
    """Handlers for events read from other regions' topics only (FED-1, FED-2: the
    parents' and children's streams of ``libs.bus.federation``), under the service's own
    consumer group prefix and with dead letters under its own region."""
    on_start: tuple[Callable[[], Awaitable[None]], ...] = ()
    on_stop: tuple[Callable[[], Awaitable[None]], ...] = ()
    """Run by the runtime in both modes (a mounted app's own lifespan never runs)."""
