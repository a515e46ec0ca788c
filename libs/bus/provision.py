"""Kafka topics and service principals from the topic registry (``contracts/topics.py``).

Theory of operation: ``plan(region)`` is pure — every topic of the registry for one
region (with its dead-letter topic), its partitions, retention and cleanup policy, and
for each service's principal the least-privilege ACLs the registry implies:

- produce: WRITE, READ and DESCRIBE on the prefix ``pdo.<region>.<segment>.`` of its own
  streams (it writes nothing else; it reads them back for its per-replica read models);
- consume: READ and DESCRIBE on each topic it consumes (literal names), WRITE on those
  topics' dead-letter topics (the consumer dead-letters what it cannot handle), READ on
  consumer groups with the prefix ``pdo.<region>.<service>``.

Federation (FED-1, FED-2; ``libs.bus.federation``): a plan made with ``parents`` also
lets each service principal of the region READ and DESCRIBE exactly the parent topics
it consumes (the city's catalog, agreements, prices and evaluations — never its
applications, sandboxes or usage), literal names, nothing under the parent's prefix
to write; with ``children`` the same for the children's upward streams. Its dead
letters stay under its own prefix, which it may already write. An exchange
(数据交易机构, ``exchanges``) gets READ and DESCRIBE on the region's trading topic only
and its own consumer-group prefix ``exchange.<name>.``.

``provision()`` compares the plan with the broker and creates only what is missing:
topics first (a topic that exists with fewer partitions is grown, a differing
configuration is altered), then ACLs. Every step is idempotent, so a run cut short
(lost connection, missing permission) is finished by the next one; a second run
changes nothing and says so. ``registry_document()`` is the same plan with the region
left as a parameter: the Helm chart embeds it to render Strimzi resources.

aiokafka 0.14's admin client creates topics and alters configurations but has no ACL
methods; ACLs go through the CreateAcls/DescribeAcls requests of aiokafka's own
protocol module, version 1 (prefixed patterns), which Kafka 2.0 to 4.x accept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from contracts.topics import SERVICES, TOPICS, TopicSpec, dead_letter_topic, topics_consumed_by
from libs.bus.federation import FEDERATED_CONSUMERS, foreign_topics

RETAIN_FOREVER_MS = -1
"""Event topics are the system of record for every read model (a new replica or a
county instance replays them from the start): they are kept, never deleted by age."""

DEAD_LETTER_RETENTION_MS = 90 * 24 * 3600 * 1000
"""Dead letters are kept 90 days: long enough to be looked at and replayed."""

# Kafka's ACL wire enums (org.apache.kafka.common.{resource,acl}).
RESOURCE_TOPIC, RESOURCE_GROUP = 2, 3
PATTERN_LITERAL, PATTERN_PREFIXED = 3, 4
OP_READ, OP_WRITE, OP_DESCRIBE = 3, 4, 8
ALLOW = 3
_OPERATION_NAMES = {OP_READ: "Read", OP_WRITE: "Write", OP_DESCRIBE: "Describe"}
_RESOURCE_NAMES = {RESOURCE_TOPIC: "topic", RESOURCE_GROUP: "group"}
_PATTERN_NAMES = {PATTERN_LITERAL: "literal", PATTERN_PREFIXED: "prefix"}


HINT_CREATE = (
    " (the provisioning principal needs Create and Alter on the cluster, or on the "
    "region's topic prefix, and Alter on the cluster for ACLs)"
)


class ProvisionError(RuntimeError):
    """The broker refused a step (typically: the principal lacks the permission);
    the message names the step. Whatever was done before it stays and is complete."""


@dataclass(frozen=True, slots=True, order=True)
class TopicPlan:
    name: str
    partitions: int
    replication_factor: int
    config: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True, order=True)
class AclPlan:
    principal: str
    resource_type: int
    resource_name: str
    pattern_type: int
    operation: int

    def describe(self) -> str:
        return (
            f"{self.principal} {_OPERATION_NAMES[self.operation]} "
            f"{_RESOURCE_NAMES[self.resource_type]} {_PATTERN_NAMES[self.pattern_type]} "
            f"{self.resource_name}"
        )


@dataclass(frozen=True, slots=True)
class Plan:
    region: str
    topics: tuple[TopicPlan, ...]
    acls: tuple[AclPlan, ...]


@dataclass
class Report:
    """What one run did; ``changed`` is False when the broker already matched the plan."""

    created_topics: list[str] = field(default_factory=list)
    grown_topics: list[str] = field(default_factory=list)
    altered_topics: list[str] = field(default_factory=list)
    created_acls: list[str] = field(default_factory=list)
    unchanged_topics: int = 0
    unchanged_acls: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.created_topics or self.grown_topics or self.altered_topics or self.created_acls
        )

    def summary(self) -> str:
        if not self.changed:
            return (
                f"nothing to change: {self.unchanged_topics} topics and "
                f"{self.unchanged_acls} ACLs already match the registry"
            )
        return (
            f"created {len(self.created_topics)} topics, grew {len(self.grown_topics)}, "
            f"altered {len(self.altered_topics)}, created {len(self.created_acls)} ACLs "
            f"({self.unchanged_topics} topics and {self.unchanged_acls} ACLs were already right)"
        )


def principal_name(region: str, service: str) -> str:
    """The Kafka user of one service of one region, e.g. ``pdo-370300-request-review``
    (a valid Kubernetes name too, so Strimzi's KafkaUser can carry it)."""
    return f"pdo-{region}-{service.replace('_', '-')}"


def consumer_group(region: str, service: str) -> str:
    """The consumer group of one service: ``pdo.<region>.<service>`` (DESIGN §5)."""
    return f"pdo.{region}.{service}"


def exchange_principal(name: str) -> str:
    """The Kafka user of a data exchange (数据交易机构), e.g. ``exchange-sdx``."""
    return f"exchange-{name}"


def exchange_group_prefix(name: str) -> str:
    """The consumer groups an exchange may use: ``exchange.<name>.`` and below."""
    return f"exchange.{name}."


EXCHANGE_STREAM = "trading.trades.v1"
"""The one stream an exchange reads (audience ``exchange`` in the registry)."""


def exchange_served(text: str, region: str) -> tuple[str, tuple[str, ...]]:
    """An exchange as ``--exchange`` and the chart's ``exchanges`` spell it: ``NAME``
    (it reads this region's trading topic) or ``NAME=REGION,REGION`` (the trading
    topics of the regions it serves, e.g. a city's and its county's, each once)."""
    name, sep, listed = text.partition("=")
    regions = tuple(dict.fromkeys(r.strip() for r in listed.split(",") if r.strip()))
    if not name or (sep and not regions):
        raise ValueError(f"exchange {text!r}: expected NAME or NAME=REGION[,REGION...]")
    for code in regions:
        if not (len(code) == 6 and code.isdigit() and code[0] != "0"):
            raise ValueError(f"exchange {text!r}: {code!r} is not a six-digit region code")
    return name, regions or (region,)


def _exchange_acls(region: str, text: str) -> Iterable[AclPlan]:
    name, regions = exchange_served(text, region)
    who = f"User:{exchange_principal(name)}"
    (spec,) = (t for t in TOPICS if t.key == EXCHANGE_STREAM)
    for served in regions:
        for op in (OP_READ, OP_DESCRIBE):
            yield AclPlan(who, RESOURCE_TOPIC, spec.name(served), PATTERN_LITERAL, op)
    yield AclPlan(who, RESOURCE_GROUP, exchange_group_prefix(name), PATTERN_PREFIXED, OP_READ)


def _foreign_acls(
    region: str, service: str, parents: tuple[str, ...], children: tuple[str, ...]
) -> Iterable[AclPlan]:
    """FED-1/FED-2: READ and DESCRIBE on exactly the other regions' topics the
    service's instance of ``region`` reads (``libs.bus.federation``)."""
    who = f"User:{principal_name(region, service)}"
    names = set(foreign_topics(topics_consumed_by(service), parents))
    federated = [t for t in TOPICS if t.key in FEDERATED_CONSUMERS.get(service, frozenset())]
    names |= set(foreign_topics(federated, parents, children))
    for name in sorted(names):
        for op in (OP_READ, OP_DESCRIBE):
            yield AclPlan(who, RESOURCE_TOPIC, name, PATTERN_LITERAL, op)
    if names:  # its groups (``pdo.<region>.<service>`` and ``….federation``)
        yield AclPlan(
            who, RESOURCE_GROUP, consumer_group(region, service), PATTERN_PREFIXED, OP_READ
        )


def topic_config(spec: TopicSpec | None) -> tuple[tuple[str, str], ...]:
    """Configuration of an event topic (``spec``) or of a dead-letter topic (None)."""
    retention = RETAIN_FOREVER_MS if spec is not None else DEAD_LETTER_RETENTION_MS
    return (
        ("cleanup.policy", "delete"),
        ("min.insync.replicas", "1"),
        ("retention.ms", str(retention)),
    )


def _acls_for(region: str, service: str) -> Iterable[AclPlan]:
    who = f"User:{principal_name(region, service)}"
    prefixes = sorted({f"pdo.{region}.{t.segment}." for t in TOPICS if t.producer == service})
    for prefix in prefixes:
        # Read too: every replica keeps its read models from the service's own streams.
        for op in (OP_WRITE, OP_READ, OP_DESCRIBE):
            yield AclPlan(who, RESOURCE_TOPIC, prefix, PATTERN_PREFIXED, op)
    for spec in TOPICS:
        if service not in spec.consumers:
            continue
        name = spec.name(region)
        for op in (OP_READ, OP_DESCRIBE):
            yield AclPlan(who, RESOURCE_TOPIC, name, PATTERN_LITERAL, op)
        if not name.startswith(tuple(prefixes)):
            for op in (OP_WRITE, OP_DESCRIBE):
                yield AclPlan(who, RESOURCE_TOPIC, dead_letter_topic(name), PATTERN_LITERAL, op)
    if any(service in t.consumers for t in TOPICS):
        yield AclPlan(
            who, RESOURCE_GROUP, consumer_group(region, service), PATTERN_PREFIXED, OP_READ
        )


def plan(
    region: str,
    *,
    partitions: int = 3,
    replication_factor: int = 1,
    parents: tuple[str, ...] = (),
    children: tuple[str, ...] = (),
    exchanges: tuple[str, ...] = (),
) -> Plan:
    """Every topic and ACL of the registry for ``region``; with ``parents`` /
    ``children`` the read ACLs of federation, with ``exchanges`` each exchange's
    (``NAME`` or ``NAME=REGION,...``: ``exchange_served``)."""
    if partitions < 1 or replication_factor < 1:
        raise ValueError("partitions and replication factor must be at least 1")
    topics: list[TopicPlan] = []
    for spec in TOPICS:
        name = spec.name(region)
        topics.append(TopicPlan(name, partitions, replication_factor, topic_config(spec)))
        topics.append(TopicPlan(dead_letter_topic(name), 1, replication_factor, topic_config(None)))
    wanted = {acl for service in SERVICES for acl in _acls_for(region, service)}
    wanted |= {
        acl for service in SERVICES for acl in _foreign_acls(region, service, parents, children)
    }
    wanted |= {acl for name in exchanges for acl in _exchange_acls(region, name)}
    acls = sorted(wanted)
    return Plan(region, tuple(sorted(topics)), tuple(acls))


def registry_document() -> dict[str, Any]:
    """The plan with ``{region}`` as a parameter, for the Helm chart's Strimzi templates
    (``deploy/helm/pdo/files/kafka-registry.json``; ``pdo kafka registry`` writes it)."""
    marker = "999999"
    concrete = plan(marker)
    topics = [
        {
            "suffix": t.name.removeprefix(f"pdo.{marker}."),
            "deadLetter": t.name.endswith(".dlq"),
            "config": dict(t.config),
        }
        for t in concrete.topics
    ]
    users: dict[str, list[dict[str, str]]] = {}
    for service in SERVICES:
        who = f"User:{principal_name(marker, service)}"
        users[service] = [
            {
                "type": _RESOURCE_NAMES[a.resource_type],
                "suffix": a.resource_name.removeprefix(f"pdo.{marker}."),
                "patternType": _PATTERN_NAMES[a.pattern_type],
                "operation": _OPERATION_NAMES[a.operation],
            }
            for a in concrete.acls
            if a.principal == who
        ]
    # FED-1/FED-2: what each principal of {region} reads of its parent's topics (the
    # parent's code replaces {parent}) and of a child's upward streams ({child}).
    parent_marker, child_marker = "999900", "999901"
    parent_reads: dict[str, list[str]] = {}
    upward_reads: dict[str, list[str]] = {}
    for service in SERVICES:
        federated = [t for t in TOPICS if t.key in FEDERATED_CONSUMERS.get(service, frozenset())]
        ups = foreign_topics(topics_consumed_by(service), (parent_marker,))
        ups += foreign_topics(federated, (parent_marker,))
        downs = foreign_topics(federated, (), (child_marker,))
        if ups:
            parent_reads[service] = sorted({n.removeprefix(f"pdo.{parent_marker}.") for n in ups})
        if downs:
            upward_reads[service] = sorted(n.removeprefix(f"pdo.{child_marker}.") for n in downs)
    return {
        "comment": "Generated from contracts/topics.py by `pdo kafka registry`; do not edit.",
        "topics": topics,
        "users": users,
        "federation": {
            "comment": "Read and Describe on literal topics pdo.<parent>.<suffix> (parentReads) "
            "and pdo.<child>.<suffix> (upwardReads) for the principal of the service in the "
            "region below (above); dead letters stay under the reader's own region.",
            "parentReads": parent_reads,
            "upwardReads": upward_reads,
        },
        "exchange": {
            "comment": "A data exchange principal exchange-<name>: Read and Describe on "
            "pdo.<region>.<topic> of each region it serves, Read on groups exchange.<name>.*",
            "topic": EXCHANGE_STREAM,
            "groupPrefix": exchange_group_prefix("{name}"),
        },
    }


# -- applying a plan ----------------------------------------------------------------------


def _error_name(code: int) -> str:
    from aiokafka.errors import for_code

    return str(for_code(code).__name__)


async def provision(
    admin: Any, target: Plan, *, timeout_ms: int = 30_000, acls: bool = True
) -> Report:
    """Bring the broker behind ``admin`` (a started ``AIOKafkaAdminClient``) to ``target``."""
    report = Report()
    await _topics(admin, target, report, timeout_ms)
    if acls:
        await _acls(admin, target, report)
    return report


async def _topics(admin: Any, target: Plan, report: Report, timeout_ms: int) -> None:
    from aiokafka.admin import NewPartitions, NewTopic
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
    from aiokafka.errors import KafkaError

    try:
        existing = set(await admin.list_topics())
    except KafkaError as exc:
        raise ProvisionError(f"listing topics failed: {type(exc).__name__}") from exc
    missing = [t for t in target.topics if t.name not in existing]
    if missing:
        response = await admin.create_topics(
            [
                NewTopic(t.name, t.partitions, t.replication_factor, topic_configs=dict(t.config))
                for t in missing
            ],
            timeout_ms=timeout_ms,
        )
        failed: dict[str, list[str]] = {}
        for entry in response.topic_errors:
            name, code = entry[0], entry[1]
            if code == 0:
                report.created_topics.append(name)
            elif code != 36:  # TOPIC_ALREADY_EXISTS: another run won the race
                failed.setdefault(_error_name(code), []).append(name)
        if failed:
            raise ProvisionError(
                "creating topics failed: "
                + "; ".join(
                    f"{error} for {len(names)} topic(s), e.g. {sorted(names)[0]}"
                    + (HINT_CREATE if "Authorization" in error else "")
                    for error, names in sorted(failed.items())
                )
                + f" ({len(report.created_topics)} created before; run again once fixed)"
            )
    present = [t for t in target.topics if t.name in existing]
    if not present:
        return
    described = await admin.describe_topics([t.name for t in present])
    partitions = {d["topic"]: len(d["partitions"]) for d in described}
    grow = {
        t.name: NewPartitions(t.partitions) for t in present if partitions[t.name] < t.partitions
    }
    if grow:
        await admin.create_partitions(grow, timeout_ms=timeout_ms)
        report.grown_topics.extend(sorted(grow))
    resources = [ConfigResource(ConfigResourceType.TOPIC, t.name) for t in present]
    responses = await admin.describe_configs(resources)
    current: dict[str, dict[str, str]] = {}
    for response in responses:
        for resource in response.resources:
            name, entries = resource[3], resource[4]
            current[name] = {e[0]: e[1] for e in entries}
    changes = [t for t in present if any(current[t.name].get(k) != v for k, v in t.config)]
    if changes:
        await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t.name, dict(t.config)) for t in changes]
        )
        report.altered_topics.extend(t.name for t in changes)
    report.unchanged_topics = len(present) - len({*grow, *(t.name for t in changes)})


async def _acls(admin: Any, target: Plan, report: Report) -> None:
    from aiokafka.protocol.admin import CreateAclsRequest, DescribeAclsRequest

    # One DescribeAcls for everything the plan touches: ANY resource, pattern MATCH.
    response = await admin._send_request(DescribeAclsRequest(1, None, 1, None, None, 1, 1))
    if response.error_code != 0:
        raise ProvisionError(
            f"describing ACLs failed: {_error_name(response.error_code)}"
            + (f" ({response.error_message})" if response.error_message else "")
        )
    have: set[AclPlan] = set()
    for resource_type, resource_name, pattern_type, entries in response.resources:
        for principal, host, operation, permission in entries:
            if host == "*" and permission == ALLOW:
                have.add(AclPlan(principal, resource_type, resource_name, pattern_type, operation))
    wanted = [a for a in target.acls if a not in have]
    report.unchanged_acls = len(target.acls) - len(wanted)

    async def create(acl: AclPlan) -> None:
        created = await admin._send_request(
            CreateAclsRequest(
                acl.resource_type,
                acl.resource_name,
                acl.pattern_type,
                acl.principal,
                "*",
                acl.operation,
                ALLOW,
            )
        )
        (code, message), *_ = created.creation_responses
        if code != 0:
            raise ProvisionError(
                f"creating ACL {acl.describe()} failed: {_error_name(code)}"
                + (f" ({message})" if message else "")
            )
        report.created_acls.append(acl.describe())

    # A few at a time: each is one small request; all are idempotent on the broker.
    for start in range(0, len(wanted), 16):
        await asyncio.gather(*(create(acl) for acl in wanted[start : start + 16]))
