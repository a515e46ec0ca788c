"""SEC-4 at request_review's admission point: a person signed in without a current
confidentiality agreement (保密协议) cannot review; with one they can."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support.request_review import (
    TAX,
    Desk,
    Observer,
    open_desk,
    standard_city,
)


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[tuple[Desk, Observer]]:
    async with open_desk(tmp_path) as opened:
        await standard_city(opened[0].p)
        yield opened


async def test_SEC_4_a_reviewer_without_a_current_confidentiality_agreement_is_refused(
    desk: tuple[Desk, Observer],
) -> None:
    d, _ = desk
    scenario = await d.file_scenario()
    app_id = (await d.apply(scenario["scenario_id"]))["application_id"]
    today = d.clock.now().date()
    none = dataclasses.replace(TAX, staff=True, confidentiality_until=None)
    refused = await d.review(app_id, none, expect=403)
    assert refused["rule"] == "SEC-4" and "not recorded" in refused["detail"]
    lapsed = dataclasses.replace(TAX, staff=True, confidentiality_until=today - timedelta(days=1))
    expired = await d.review(app_id, lapsed, expect=403)
    assert expired["rule"] == "SEC-4" and "expired" in expired["detail"]
    current = dataclasses.replace(TAX, staff=True, confidentiality_until=today)
    reviewed = await d.review(app_id, current)
    assert any(r["reviewer_org_id"] == TAX.org_id for r in reviewed["reviews"])
