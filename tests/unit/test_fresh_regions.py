"""Tests on the shared Kafka broker and MongoDB-wire server are kept apart by region:
``fresh_region`` never gives one twice in a run, nor one of Shandong's (37xxxx), which
the fixed-region tests use."""

from __future__ import annotations

from services.identity.domain.region import PROVINCES
from tests.support.regions import fresh_region


def test_a_fresh_region_is_never_given_twice_nor_in_shandong() -> None:
    drawn = [fresh_region() for _ in range(2000)]
    assert len(set(drawn)) == len(drawn)
    assert all(r[:2] in PROVINCES and r[:2] != "37" and r.endswith("00") for r in drawn)
