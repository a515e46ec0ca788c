"""A consumed Kafka record becomes the bus's ``Message`` unchanged: topic, key, value,
headers (decoded, an absent header list as no headers) and its position in the log."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from libs.bus.kafka import _message
from libs.bus.port import Message


@dataclass
class _Record:
    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] | None
    partition: int
    offset: int


def test_a_consumed_record_keeps_its_headers_key_and_position() -> None:
    record = _Record("pdo.370300.t.v1", "键-1".encode(), b"{}", (("h", "值".encode()),), 2, 41)
    assert _message(record) == Message(
        topic="pdo.370300.t.v1", key="键-1", value=b"{}", headers={"h": "值"}, partition=2,
        offset=41,
    )  # fmt: skip


@pytest.mark.parametrize("headers", [None, ()])
def test_a_record_without_headers_or_key_has_empty_ones(
    headers: tuple[tuple[str, bytes], ...] | None,
) -> None:
    message = _message(_Record("t", None, b"v", headers, 0, 0))
    assert message.headers == {} and message.key == ""
    assert (message.partition, message.offset) == (0, 0)


def test_a_message_is_immutable_and_a_published_one_has_no_position() -> None:
    message = Message(topic="t", key="k", value=b"v")
    assert (message.partition, message.offset, message.headers) == (-1, -1, {})
    with pytest.raises(AttributeError):
        message.topic = "other"  # type: ignore[misc]
    assert Message(topic="t", key="k", value=b"v").headers is not message.headers
