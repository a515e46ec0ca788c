"""Generates the AsyncAPI 3 document and the JSON Schemas from the topic registry.

The generated files are checked in (``contracts/asyncapi.json``, ``contracts/schemas/``);
``pdo contracts`` rewrites them and a test fails when they differ from a fresh build.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from contracts.envelope import SCHEMA_VERSION, Envelope
from contracts.events import ALL_EVENTS, Event
from contracts.topics import TOPICS, TopicSpec

HERE = Path(__file__).parent
REF = "#/components/schemas/{name}"


def _tag(event: type[Event]) -> str:
    tag = event.__struct_config__.tag
    assert isinstance(tag, str)
    return tag


def _message_name(event: type[Event]) -> str:
    return _tag(event).replace(".", "_").replace("-", "_")


def schema_components() -> dict[str, Any]:
    """JSON Schemas of the envelope, every payload and their parts, by name."""
    _, components = msgspec.json.schema_components([Envelope, *ALL_EVENTS], ref_template=REF)
    return dict(sorted(components.items()))


def build_asyncapi() -> dict[str, Any]:
    components = schema_components()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event in ALL_EVENTS:
        messages[_message_name(event)] = {
            "name": _tag(event),
            "title": _tag(event),
            "summary": (event.__doc__ or "").strip().splitlines()[0] if event.__doc__ else "",
            "contentType": "application/json",
            "headers": {
                "type": "object",
                "properties": {
                    "traceparent": {"type": "string", "description": "W3C trace context"},
                    "pdo-event-type": {"type": "string", "const": _tag(event)},
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
            "bindings": {"kafka": {"key": {"type": "string", "description": "subject id"}}},
        }
    for topic in TOPICS:
        channel_id = topic.key.replace(".", "_").replace("-", "_")
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
                "summary": f"{consumer} consumes (consumer group {consumer})",
                "x-pdo-service": consumer,
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "公共数据资源授权运营平台 events",
            "version": f"{SCHEMA_VERSION}.0.0",
            "description": (
                "Events exchanged between the nine services of the public data "
                "authorized-operation platform, and with county instances and the data "
                "exchange. Kafka key = envelope subject; one topic per region and stream."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": components},
    }


def _channel(topic: TopicSpec) -> dict[str, Any]:
    return {
        "address": topic.address,
        "title": topic.key,
        "description": topic.description,
        "parameters": {"region": {"description": "GB/T 2260 six-digit region code"}},
        "messages": {
            _message_name(e): {"$ref": f"#/components/messages/{_message_name(e)}"}
            for e in topic.events
        },
        "x-pdo-audience": topic.audience,
        "x-pdo-producer": topic.producer,
        "x-pdo-consumers": list(topic.consumers),
    }


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def rendered() -> dict[str, str]:
    """Every generated file, relative to ``contracts/``, with its exact text."""
    files = {"asyncapi.json": _dump(build_asyncapi())}
    for name, schema in schema_components().items():
        files[f"schemas/{name}.json"] = _dump(schema)
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
