"""Signed tree heads (DIS-3): the exact bytes signed, and the split-view alarm when two
heads of one size carry different roots."""

from __future__ import annotations

import hashlib
import struct
from datetime import UTC, datetime

import pytest

from services.disclosure.domain.tree_head import (
    TreeHead,
    signed_bytes,
    split_views,
    timestamp_ms,
)

ROOT_A = hashlib.sha256(b"a").digest()
ROOT_B = hashlib.sha256(b"b").digest()


def head(size: int, root: bytes, ms: int = 1_700_000_000_000) -> TreeHead:
    return TreeHead(size, root, ms, signature="c2ln", key_id="disclosure-log:v1")


def test_DIS_3_the_signed_bytes_are_rfc_6962_tree_head_signature() -> None:
    data = signed_bytes(9, ROOT_A, 1_700_000_000_123)
    assert len(data) == 50
    assert data[:2] == b"\x00\x01"  # version v1 (0), signature type tree_hash (1)
    assert struct.unpack(">QQ", data[2:18]) == (1_700_000_000_123, 9)
    assert data[18:] == ROOT_A
    assert signed_bytes(9, ROOT_A, 1) != signed_bytes(10, ROOT_A, 1)
    with pytest.raises(ValueError):
        signed_bytes(9, ROOT_A[:31], 1)
    with pytest.raises(ValueError):
        signed_bytes(-1, ROOT_A, 1)


def test_DIS_3_timestamps_are_milliseconds_of_an_aware_time() -> None:
    at = datetime(2026, 3, 31, 12, 0, 0, 123456, tzinfo=UTC)
    assert timestamp_ms(at) == 1_774_958_400_123
    assert head(1, ROOT_A, timestamp_ms(at)).issued_at == at.replace(microsecond=123000)
    with pytest.raises(ValueError):
        timestamp_ms(datetime(2026, 3, 31))


def test_DIS_3_two_heads_of_one_size_with_different_roots_raise_the_alarm() -> None:
    alarms = split_views([head(4, ROOT_A), head(5, ROOT_B), head(4, ROOT_B, ms=2)])
    assert [(a.tree_size, a.root_hashes) for a in alarms] == [(4, (ROOT_A, ROOT_B))]
    assert "ALARM" in alarms[0].describe() and "tree size 4" in alarms[0].describe()


def test_DIS_3_heads_that_agree_raise_no_alarm() -> None:
    assert split_views([]) == []
    assert split_views([head(4, ROOT_A), head(4, ROOT_A, ms=9), head(5, ROOT_B)]) == []
