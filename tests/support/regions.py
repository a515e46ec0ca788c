"""A region of its own for each test that shares the session's Kafka broker and
MongoDB-wire server: its topics, consumer groups and databases are named by region, so
two tests on one region see each other's events and documents (a test that registered
200 resources once counted 230). Regions are drawn at random (a known province outside
Shandong, whose 37xxxx regions the fixed-region tests use, and outside 71/81/82) and never
handed out twice in one test run."""

from __future__ import annotations

import random

from services.identity.domain.region import PROVINCES

_PROVINCES = sorted(p for p in PROVINCES if p not in ("37", "71", "81", "82"))
_given: set[str] = set()


def fresh_region() -> str:
    """A region code (``PPCC00``) no other test of this run has been given."""
    while True:
        region = f"{random.choice(_PROVINCES)}{random.randint(1, 99):02d}00"
        if region not in _given:
            _given.add(region)
            return region
