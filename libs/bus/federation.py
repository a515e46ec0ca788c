"""Which streams cross a region boundary (区县、城市与省级协同, FED-1 and FED-2), and where
a consumer dead-letters what it read from another region.

Theory of operation: an instance serves one region and publishes only under its own
prefix ``pdo.<region>.``. It also reads a few streams of other regions, by name:

- from each region above it (``Settings.parents``, county → city → province), the
  streams a county needs to operate on the city's terms (FED-1): the operation catalog
  and its resources (运营目录), the operator's authorization agreement (授权运营协议),
  price caps and the price list (上限收费标准、价格), and the operator's evaluations;
- from each region below it (``Settings.children``), the streams the level above needs
  (FED-2, 市级平台与省级平台对接): the resources, the agreements, the products and the
  records disclosed to the public.

Nothing else crosses: applications, grants, sandboxes, usage and invoices stay in their
region, and the ACLs ``pdo kafka provision`` grants say so to the broker. Consumer
groups stay the consumer's own (``pdo.<own region>.<service>``) and so do dead letters:
a record of ``pdo.370300.catalog.resources.v1`` that a county 370303 cannot handle goes
to ``pdo.370303.catalog.resources.v1.dlq``, which the county may write, with the source
topic in a header, so the city's prefix is never written by anyone else.
"""

from __future__ import annotations

from collections.abc import Iterable

from contracts.topics import TOPICS, TopicSpec, dead_letter_topic

PARENT_STREAMS: frozenset[str] = frozenset(
    {
        "catalog.resources.v1",
        "identity.agreements.v1",
        "billing.prices.v1",
        "evaluation.evaluations.v1",
    }
)
"""Streams of a region above that an instance below reads (FED-1; 回流 for FED-2)."""

UPWARD_STREAMS: frozenset[str] = frozenset(
    {
        "catalog.resources.v1",
        "identity.agreements.v1",
        "product.products.v1",
        "disclosure.records.v1",
    }
)
"""Streams of a region below that the instance above reads (FED-2: 向上汇聚)."""

FEDERATED_CONSUMERS: dict[str, frozenset[str]] = {"catalog": frozenset({"catalog.resources.v1"})}
"""Services that keep a federated view of other regions' streams beside the streams they
consume as part of the choreography: the catalog's federated catalog (联邦目录) of the
parents' and children's resources (``services/catalog/federation.py``)."""

SOURCE_TOPIC_HEADER = "pdo-source-topic"
"""On a dead letter: the topic the record was read from (another region's, possibly)."""


def region_of(topic: str) -> str:
    """The region segment of ``pdo.<region>.<service>.<stream>.v<major>``."""
    parts = topic.split(".")
    if len(parts) < 5 or parts[0] != "pdo":
        raise ValueError(f"{topic!r} is not a pdo topic name")
    return parts[1]


def own_dead_letter_topic(topic: str, own_region: str) -> str:
    """The dead-letter topic for a record of ``topic`` read by an instance of
    ``own_region``: the same stream's ``.dlq`` under the consumer's own prefix."""
    suffix = topic.split(".", 2)[2]
    return dead_letter_topic(f"pdo.{own_region}.{suffix}")


def _specs(keys: frozenset[str]) -> tuple[TopicSpec, ...]:
    return tuple(t for t in TOPICS if t.key in keys)


def foreign_topics(
    consumed: Iterable[TopicSpec], parents: Iterable[str], children: Iterable[str] = ()
) -> list[str]:
    """The other regions' topic names an instance reads, for the topics it consumes in
    its own region: the parent streams of each parent, the upward streams of each child."""
    wanted = {t.key for t in consumed}
    names = [
        spec.name(parent)
        for parent in parents
        for spec in _specs(PARENT_STREAMS)
        if spec.key in wanted
    ]
    names += [
        spec.name(child)
        for child in children
        for spec in _specs(UPWARD_STREAMS)
        if spec.key in wanted
    ]
    return sorted(set(names))


def parent_topics(region: str) -> list[str]:
    """Every topic of ``region`` that the regions below it may read."""
    return sorted(spec.name(region) for spec in _specs(PARENT_STREAMS))


def upward_topics(region: str) -> list[str]:
    """Every topic of ``region`` that the region above it may read."""
    return sorted(spec.name(region) for spec in _specs(UPWARD_STREAMS))
