"""Generates the AsyncAPI 3 document and the JSON Schemas from the topic registry.

The generated files are checked in (``contracts/asyncapi.json``, ``contracts/schemas/``);
``pdo contracts`` rewrites them and a test fails when they differ from a fresh build.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import msgspec

from contracts.envelope import SCHEMA_VERSION, Actor, Envelope, tag_of
from contracts.events import ALL_EVENTS, Event
from contracts.topics import TOPICS, TopicSpec, topic_for

HERE = Path(__file__).parent
REF = "#/components/schemas/{name}"
PREFIX = "#/components/schemas/"


def _tag(event: type[Event]) -> str:
    return tag_of(event)


def _message_name(event: type[Event]) -> str:
    return _tag(event).replace(".", "_").replace("-", "_")


def schema_components() -> dict[str, Any]:
    """JSON Schemas of the envelope, every payload and their parts, by name."""
    _, components = msgspec.json.schema_components([Envelope, *ALL_EVENTS], ref_template=REF)
    return dict(sorted(components.items()))


ENVELOPE_FIELDS: dict[str, str] = {
    "event_id": "Unique id of the event, the deduplication key: delivery is at least once, "
    "so the same event may arrive again (after a producer retry or a consumer restart); "
    "a consumer that has seen this id ignores the event.",
    "type": "The event type (`<aggregate>.<verb>`, e.g. `listing.created`); equals "
    "`payload.type`. Skip types you do not know: new ones are added within a major version.",
    "schema_version": "Major version of the contract (the topic's `.v<major>` suffix); "
    "within it fields are only added, optionally.",
    "region": "GB/T 2260 six-digit code of the region whose instance published the event "
    "(e.g. 370300 Zibo city, 370303 a county of it).",
    "occurred_at": "When the fact happened: RFC 3339 date-time with an offset, UTC "
    "(e.g. 2026-03-01T08:00:00Z).",
    "actor": "Who caused the event: organization, user and the role they acted in.",
    "subject": "Id of the aggregate the event is about (a listing, an order, a trade, ...). "
    "The Kafka key is the subject, except on topics that name another key (the trading "
    "topic is keyed by `listing_id`); events with one key are delivered in order.",
    "correlation_id": "Id shared by every event of one business flow (the first event's id).",
    "causation_id": "Id of the event that caused this one, or null for a command's first event.",
    "payload": "The event's facts; `payload.type` selects its schema. Money is integer fen "
    "(分, 100 fen = 1 yuan) in fields ending `_fen`.",
}
"""Descriptions of the envelope's fields, published in the schemas."""

ACTOR_FIELDS: dict[str, str] = {
    "org_id": "The organization acting (an id registered with identity).",
    "user_id": "The user, or `client:<client id>` for a machine client such as the exchange.",
    "role": "The role the organization acted in.",
}

FEN_DESCRIPTION = "Money in integer fen (分): 100 fen = 1 yuan (元); never a float."
DATE_TIME_DESCRIPTION = "RFC 3339 date-time with an offset, UTC."

KAFKA_BINDING = "0.5.0"

REGION_PARAMETER = {
    "description": "GB/T 2260 six-digit region code of the publishing instance: the city "
    "(e.g. 370300 Zibo), one of its counties (e.g. 370303) or the province (370000).",
    "examples": ["370300", "370303", "370000"],
}

EXCHANGE_GROUP_PREFIX = "exchange.{name}."
"""Consumer groups of a data exchange start with this (``name``: the exchange's name on
the broker, as ``pdo kafka provision --exchange NAME`` grants it to ``exchange-NAME``)."""

SERVERS: dict[str, Any] = {
    "city-broker-tls": {
        "host": "{host}:{port}",
        "protocol": "kafka-secure",
        "protocolVersion": "4.0",
        "title": "The city's Kafka cluster (SASL_SSL)",
        "description": "What a county instance, the province and the data exchange connect "
        "to: TLS with SASL/SCRAM. Each party is a Kafka principal of its own (the bureau "
        "issues its user and password); the broker's ACLs (`pdo kafka provision`) let it "
        "read only the topics of its audience and use only its own consumer-group prefix.",
        "variables": {
            "host": {"default": "kafka.example.gov.cn", "description": "Broker host name."},
            "port": {"default": "9093", "description": "The SASL_SSL listener."},
        },
        "security": [
            {"$ref": "#/components/securitySchemes/scramSha512"},
            {"$ref": "#/components/securitySchemes/scramSha256"},
        ],
    },
    "city-broker-sasl": {
        "host": "{host}:{port}",
        "protocol": "kafka",
        "protocolVersion": "4.0",
        "title": "The city's Kafka cluster (SASL_PLAINTEXT, inside the government network)",
        "description": "The same cluster without TLS, for clients inside the "
        "government's private network (and the test broker); authentication and ACLs "
        "are the same.",
        "variables": {
            "host": {"default": "kafka.internal", "description": "Broker host name."},
            "port": {"default": "9094", "description": "The SASL_PLAINTEXT listener."},
        },
        "security": [
            {"$ref": "#/components/securitySchemes/scramSha512"},
            {"$ref": "#/components/securitySchemes/scramSha256"},
            {"$ref": "#/components/securitySchemes/saslPlain"},
        ],
    },
}

SECURITY_SCHEMES: dict[str, Any] = {
    "scramSha512": {
        "type": "scramSha512",
        "description": "SASL/SCRAM-SHA-512 with the principal's user name and password.",
    },
    "scramSha256": {
        "type": "scramSha256",
        "description": "SASL/SCRAM-SHA-256 with the principal's user name and password.",
    },
    "saslPlain": {
        "type": "plain",
        "description": "SASL/PLAIN, only on the private network's listener (test broker).",
    },
}

DESCRIPTION = """\
Events exchanged between the nine services of the public data authorized-operation \
platform (公共数据资源授权运营平台), and with county instances, the province and the \
licensed data exchange (数据交易所).

## Topics

One topic per region and stream: `pdo.<region>.<service>.<stream>.v<major>`. Each \
channel names its audience (`x-pdo-audience`): `internal` (the platform's services), \
`public` (county instances and the province may read it) or `exchange` (the data \
exchange reads it). Every message is a JSON envelope (`Envelope`); each file under \
`contracts/schemas/` is self-contained and validates one envelope or one payload.

## Delivery

- **At least once.** An event may be delivered more than once; `event_id` is the \
deduplication key: remember the ids you handled and ignore one you have seen.
- **Order per key.** Events with one Kafka key are on one partition and read in the \
order they were published. The key is the envelope's `subject` (one aggregate), except \
on the trading topic: every event of one listing's trading chain — `listing.created`, \
`order.received`, `trade.executed`, `trade.settled`, `listing.withdrawn` — is keyed by \
the listing id (`payload.listing_id`), so an exchange reads listing → order → \
execution → settlement in causal order. Across keys there is no order.
- **Formats.** Times are RFC 3339 date-times in UTC; money is integer fen (分, 100 fen \
= 1 yuan) in fields ending `_fen`; regions are GB/T 2260 six-digit codes.
- **Evolution.** Within a major version fields are only added, with defaults, and new \
event types may appear: ignore unknown fields and skip unknown types.

## Consumer groups

A service's group is `pdo.<region>.<service>`. A data exchange is the Kafka principal \
`exchange-<name>` (the bureau provisions it: `pdo kafka provision --region <region> \
--exchange <name>`, and hands over its SCRAM password); it may read the trading topic of \
each region it serves and use only consumer groups starting with `exchange.<name>.` \
(e.g. `exchange.sdx.matching`).

## The data exchange's way back (HTTP)

The exchange reads listings here and reports orders, executions and settlements to the \
platform over HTTP (trading_bridge, `contracts/openapi/trading_bridge.json`):

1. **Client provisioning.** The bureau registers the exchange as an organization (role \
`exchange`) and issues it a machine client: `POST /identity/organizations/{org_id}/clients` \
with the scopes `products:read orders:write settlements:write`; the answer shows \
`client_id` and `client_secret` once (the bureau hands them over out of band).
2. **Token.** `POST /identity/tokens` with `{"grant_type": "client_credentials", \
"client_id": ..., "client_secret": ..., "scope": "orders:write settlements:write"}` \
returns a bearer JWT (public keys at `/identity/.well-known/jwks.json`).
3. **Write-back.** `POST /trading_bridge/orders/` (scope `orders:write`, body \
`order_id, listing_id, buyer_org_id, quantity`), `POST /trading_bridge/trades/` (scope \
`orders:write`, `trade_id, order_id, quantity, amount_fen`), `POST \
/trading_bridge/settlements/` (scope `settlements:write`, `settlement_id, trade_id, \
amount_fen, settled_at`). A call without the scope is refused 403 with a problem naming \
the missing scope.
4. **Idempotency by the exchange's ids.** `order_id`, `trade_id` and `settlement_id` are \
the exchange's own: sending the same request again answers the first result (201, \
`Idempotent-Replayed: true`) and publishes nothing; the same id with different content \
is 409. Retry freely after a timeout.

Each accepted call is published on `pdo.<region>.trading.trades.v1` under the listing's \
key, so the exchange can confirm it from the topic.
"""


def documented_components() -> dict[str, Any]:
    """The schema components as published: msgspec's schemas plus descriptions and
    formats (envelope fields, date-times, money in fen) and AsyncAPI's string
    ``discriminator``. ``schema_components`` stays msgspec's own (the compatibility
    guard compares it with the baseline)."""
    components = copy.deepcopy(schema_components())
    for name, struct in _structs().items():
        props: dict[str, Any] = components[name].get("properties", {})
        info = msgspec.inspect.type_info(struct)
        if not isinstance(info, msgspec.inspect.StructType):
            raise TypeError(f"{name} is not a struct")
        for member in info.fields:
            if _is_datetime(member.type) and member.name in props:
                _describe(props[member.name], DATE_TIME_DESCRIPTION, fmt="date-time")
            if member.name.endswith("_fen") and member.name in props:
                _describe(props[member.name], FEN_DESCRIPTION)
    for topic in TOPICS:
        if topic.key_field:
            for event in topic.events:
                props = components[event.__name__]["properties"]
                props[topic.key_field]["description"] = (
                    f"The Kafka key of every event of this chain on {topic.address} "
                    "(one partition, causal order)."
                )
    envelope = components["Envelope"]["properties"]
    for field, text in ENVELOPE_FIELDS.items():
        envelope[field]["description"] = text
    envelope["region"]["pattern"] = r"^[1-9]\d{5}$"
    payload = envelope["payload"]
    payload["discriminator"] = payload["discriminator"]["propertyName"]
    actor = components["Actor"]["properties"]
    for field, text in ACTOR_FIELDS.items():
        actor[field]["description"] = text
    return components


def _structs() -> dict[str, type[msgspec.Struct]]:
    structs: tuple[type[msgspec.Struct], ...] = (Envelope, Actor, *ALL_EVENTS)
    return {s.__name__: s for s in structs}


def _is_datetime(info: msgspec.inspect.Type) -> bool:
    if isinstance(info, msgspec.inspect.DateTimeType):
        return True
    if isinstance(info, msgspec.inspect.UnionType):
        return any(isinstance(t, msgspec.inspect.DateTimeType) for t in info.types)
    return False


def _describe(schema: dict[str, Any], text: str, *, fmt: str = "") -> None:
    target = schema
    if "anyOf" in schema:  # an optional field: describe the non-null member
        target = next(s for s in schema["anyOf"] if s.get("type") != "null")
    if fmt:
        target["format"] = fmt
    schema.setdefault("description", text)


def build_asyncapi() -> dict[str, Any]:
    components = documented_components()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event in ALL_EVENTS:
        spec = topic_for(_tag(event))
        messages[_message_name(event)] = {
            "name": _tag(event),
            "title": _tag(event),
            "summary": (event.__doc__ or "").strip().splitlines()[0] if event.__doc__ else "",
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {
                    "traceparent": {"type": "string", "description": "W3C trace context"},
                    "pdo-event-type": {
                        "type": "string",
                        "const": _tag(event),
                        "description": "The envelope's type, to route without decoding.",
                    },
                },
            },
            "payload": {
                "allOf": [
                    {"$ref": REF.format(name="Envelope")},
                    {
                        "type": "object",
                        "properties": {
                            "type": {"const": _tag(event)},
                            "payload": {"$ref": REF.format(name=event.__name__)},
                        },
                    },
                ]
            },
            "bindings": {
                "kafka": {
                    "key": {"type": "string", "description": _key_description(spec)},
                    "bindingVersion": KAFKA_BINDING,
                }
            },
        }
    for topic in TOPICS:
        channel_id = _channel_id(topic)
        channels[channel_id] = _channel(topic)
        operations[f"send_{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"{topic.producer} publishes",
            "x-pdo-service": topic.producer,
        }
        for consumer in topic.consumers:
            operations[f"receive_{channel_id}_{consumer}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{channel_id}"},
                "summary": f"{consumer} consumes (consumer group pdo.{{region}}.{consumer})",
                "x-pdo-service": consumer,
                "bindings": {"kafka": _group_binding(f"pdo.{{region}}.{consumer}", exact=True)},
            }
        if topic.audience != "internal":
            operations[f"receive_{channel_id}_{topic.audience}"] = _audience_operation(topic)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "公共数据资源授权运营平台 events",
            "version": f"{SCHEMA_VERSION}.0.0",
            "description": DESCRIPTION,
        },
        "servers": SERVERS,
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": components,
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def _channel_id(topic: TopicSpec) -> str:
    return topic.key.replace(".", "_").replace("-", "_")


def _key_description(topic: TopicSpec) -> str:
    if topic.key_field:
        return (
            f"payload.{topic.key_field}: every event of one chain has this key, so it is "
            "on one partition and read in causal order"
        )
    return "the envelope's subject (the aggregate id): one aggregate's events stay in order"


def _group_binding(prefix: str, *, exact: bool) -> dict[str, Any]:
    pattern = (
        re.escape(prefix)
        .replace(re.escape("{region}"), r"[1-9]\d{5}")
        .replace(re.escape("{name}"), "[a-z0-9][a-z0-9-]*")
    )
    return {
        "groupId": {
            "type": "string",
            "pattern": f"^{pattern}$" if exact else f"^{pattern}[A-Za-z0-9_.-]+$",
            "description": f"consumer group {prefix}" if exact else f"groups starting {prefix}",
        },
        "bindingVersion": KAFKA_BINDING,
    }


def _audience_operation(topic: TopicSpec) -> dict[str, Any]:
    channel_id = _channel_id(topic)
    if topic.audience == "exchange":
        return {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "title": "The data exchange reads listings and its trades",
            "summary": "the licensed data exchange consumes (principal exchange-<name>, "
            f"groups {EXCHANGE_GROUP_PREFIX}…)",
            "description": "The exchange's principal may read this topic of each region it "
            f"serves and use consumer groups starting with `{EXCHANGE_GROUP_PREFIX}` only. "
            "Deduplicate by `event_id` (at-least-once delivery); one listing's chain "
            "arrives in causal order (key: the listing id). Orders, executions and "
            "settlements go back over HTTP (see the document's description).",
            "security": [
                {"$ref": "#/components/securitySchemes/scramSha512"},
                {"$ref": "#/components/securitySchemes/scramSha256"},
            ],
            "bindings": {"kafka": _group_binding(EXCHANGE_GROUP_PREFIX, exact=False)},
            "x-pdo-audience": "exchange",
        }
    return {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "title": "County instances and the province read this public stream",
        "summary": "a county instance or the province consumes (groups pdo.<own region>.<service>)",
        "description": "A county instance or the province reads the city's public "
        "stream with consumer groups under its own region (`pdo.<own region>.<service>`) "
        "and dead-letters under its own region; deduplicate by `event_id`.",
        "bindings": {"kafka": _group_binding("pdo.{region}.", exact=False)},
        "x-pdo-audience": "public",
    }


def _channel(topic: TopicSpec) -> dict[str, Any]:
    return {
        "address": topic.address,
        "title": topic.key,
        "description": topic.description,
        "servers": [{"$ref": f"#/servers/{name}"} for name in SERVERS],
        "parameters": {"region": dict(REGION_PARAMETER)},
        "messages": {
            _message_name(e): {"$ref": f"#/components/messages/{_message_name(e)}"}
            for e in topic.events
        },
        "x-pdo-audience": topic.audience,
        "x-pdo-producer": topic.producer,
        "x-pdo-consumers": list(topic.consumers),
        "x-pdo-kafka-key": f"payload.{topic.key_field}" if topic.key_field else "subject",
    }


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "https://pdo.example.gov.cn/contracts/schemas/{name}.json"


def standalone_schema(name: str, components: dict[str, Any]) -> dict[str, Any]:
    """One component as a self-contained JSON Schema (2020-12): every schema it refers
    to, directly or not, is copied under ``$defs`` and referred to as ``#/$defs/X``, so
    the file validates a record on its own."""
    needed: list[str] = []
    pending = [name]
    while pending:
        current = pending.pop()
        for ref in _refs(components[current]):
            if ref != name and ref not in needed:
                needed.append(ref)
                pending.append(ref)
    root = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_ID.format(name=name),
        **_local(components[name]),
    }
    if needed:
        root["$defs"] = {ref: _local(components[ref]) for ref in sorted(needed)}
    return root


def _refs(schema: Any) -> list[str]:
    found: list[str] = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(PREFIX):
                found.append(value.removeprefix(PREFIX))
            else:
                found.extend(_refs(value))
    elif isinstance(schema, list):
        for item in schema:
            found.extend(_refs(item))
    return found


def _local(schema: Any) -> Any:
    """A copy with ``#/components/schemas/X`` rewritten to ``#/$defs/X`` (mappings too)."""
    if isinstance(schema, dict):
        return {k: _local(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_local(v) for v in schema]
    if isinstance(schema, str) and schema.startswith(PREFIX):
        return "#/$defs/" + schema.removeprefix(PREFIX)
    return schema


def rendered() -> dict[str, str]:
    """Every generated file, relative to ``contracts/``, with its exact text."""
    files = {"asyncapi.json": _dump(build_asyncapi())}
    components = documented_components()
    for name in components:
        files[f"schemas/{name}.json"] = _dump(standalone_schema(name, components))
    return files


def write(root: Path = HERE) -> list[Path]:
    """Regenerate the checked-in files; removes schemas no longer generated."""
    files = rendered()
    schema_dir = root / "schemas"
    schema_dir.mkdir(parents=True, exist_ok=True)
    for stale in schema_dir.glob("*.json"):
        if f"schemas/{stale.name}" not in files:
            stale.unlink()
    written = []
    for rel, text in files.items():
        path = root / rel
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
