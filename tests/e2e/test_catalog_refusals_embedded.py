"""Refusals at the catalog's HTTP edge: each an RFC 9457 problem naming the rule, and
nothing changed — not the resource, not its events; the audit chain gains only the
record of the refusal itself (``refused``, SBX-5/SEC-4)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Role
from contracts.rules import rule as catalogue_rule
from libs.auth.principal import Principal
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.catalog.repository import RESOURCES
from tests.support.platform import MARKET, TAX, platform, resource_body, token

BUREAU = Principal(
    user_id="u-bureau-1", org_id="org-370300-bureau", role=Role.BUREAU, region="370300"
)
COUNTY_BUREAU = Principal(
    user_id="u-cb-1", org_id="org-370303-bureau", role=Role.BUREAU, region="370303"
)
DEVELOPER = Principal(user_id="u-dev-1", org_id="org-dev-1", role=Role.DEVELOPER, region="370300")


class Scene:
    def __init__(self, p: Platform, client: AsyncTestClient[Any], rid: str) -> None:
        self.p, self.client, self.rid = p, client, rid

    async def snapshot(self) -> tuple[Any, ...]:
        """The resource document, and the audit chain apart from recorded refusals: what a
        refusal must not touch."""
        doc = await self.p.running["catalog"].store.get(RESOURCES, self.rid)
        assert doc is not None
        state = {k: v for k, v in doc.items() if k not in {"_outbox", "_version"}}
        entries = await self.p.running["catalog"].ctx.audit.entries()
        return state, len([e for e in entries if e.action != "refused"])


@pytest.fixture
async def scene(tmp_path: Path) -> AsyncIterator[Scene]:
    p = platform(tmp_path, ("catalog",))
    async with AsyncTestClient(app=gateway(p)) as client:
        created = await client.post(
            "/catalog/resources/", json=resource_body(), headers=await token(p, TAX)
        )
        assert created.status_code == 201
        yield Scene(p, client, created.json()["resource_id"])


def is_problem(response: Any, status: int, rule: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    if rule is not None:
        assert body.get("rule") == rule, body
    named = body.get("rule")
    if named:  # every problem naming a rule links to its page in the catalogue
        known = catalogue_rule(named)
        assert known is not None, f"{named} is not in the rule catalogue"
        assert (body["rule_title"], body["rule_url"]) == (known.title_zh, f"/rules/{named}")
    else:
        assert "rule_title" not in body and "rule_url" not in body
    return body


Call = Callable[[Scene], Awaitable[Any]]


async def _change_by_other_provider(s: Scene) -> Any:
    return await s.client.put(
        f"/catalog/resources/{s.rid}",
        json=resource_body(name="被篡改"),
        headers=await token(s.p, MARKET),
    )


async def _cancel_by_other_provider(s: Scene) -> Any:
    return await s.client.post(
        f"/catalog/resources/{s.rid}/cancellation",
        json={"reason": "x"},
        headers=await token(s.p, MARKET),
    )


async def _propose_by_other_provider(s: Scene) -> Any:
    return await s.client.post(
        f"/catalog/resources/{s.rid}/proposal", headers=await token(s.p, MARKET)
    )


async def _developer_publishes(s: Scene) -> Any:
    return await s.client.post(
        f"/catalog/resources/{s.rid}/publication", headers=await token(s.p, DEVELOPER)
    )


async def _developer_negative_lists(s: Scene) -> Any:
    return await s.client.post(
        "/catalog/negative-list/",
        json={"resource_id": s.rid, "reason": "x"},
        headers=await token(s.p, DEVELOPER),
    )


async def _provider_publishes_itself(s: Scene) -> Any:
    return await s.client.post(
        f"/catalog/resources/{s.rid}/publication", headers=await token(s.p, TAX)
    )


async def _county_bureau_lists_a_city_resource(s: Scene) -> Any:
    return await s.client.post(
        "/catalog/negative-list/",
        json={"resource_id": s.rid, "reason": "x"},
        headers=await token(s.p, COUNTY_BUREAU),
    )


async def _developer_sweeps(s: Scene) -> Any:
    return await s.client.post(
        "/catalog/objections/deadline-sweep", headers=await token(s.p, DEVELOPER)
    )


async def _publish_before_proposal(s: Scene) -> Any:
    return await s.client.post(
        f"/catalog/resources/{s.rid}/publication", headers=await token(s.p, BUREAU)
    )


async def _reject_before_proposal(s: Scene) -> Any:
    return await s.client.post(
        f"/catalog/resources/{s.rid}/rejection",
        json={"reason": "x"},
        headers=await token(s.p, BUREAU),
    )


async def _list_unknown_item(s: Scene) -> Any:
    return await s.client.post(
        "/catalog/negative-list/",
        json={"resource_id": s.rid, "item_name": "no_such_item", "reason": "x"},
        headers=await token(s.p, BUREAU),
    )


async def _change_to_unknown_category(s: Scene) -> Any:
    return await s.client.put(
        f"/catalog/resources/{s.rid}",
        json=resource_body(category="astrology"),
        headers=await token(s.p, TAX),
    )


async def _change_unknown_resource(s: Scene) -> Any:
    return await s.client.put(
        "/catalog/resources/nope", json=resource_body(), headers=await token(s.p, TAX)
    )


async def _settings_for_unknown_region(s: Scene) -> Any:
    return await s.client.put(
        "/catalog/settings/999900",
        json={"objection_deadline_days": 10},
        headers=await token(s.p, BUREAU),
    )


REFUSALS: list[tuple[str, Call, int, str | None]] = [
    ("provider changes another's resource", _change_by_other_provider, 403, "CAT-4"),
    ("provider cancels another's resource", _cancel_by_other_provider, 403, "CAT-4"),
    ("provider proposes another's resource", _propose_by_other_provider, 403, "CAT-3"),
    ("developer calls the bureau's publication", _developer_publishes, 403, None),
    ("developer calls the bureau's negative list", _developer_negative_lists, 403, None),
    ("provider calls the bureau's publication", _provider_publishes_itself, 403, None),
    ("county bureau acts on a city resource", _county_bureau_lists_a_city_resource, 403, "CAT-2"),
    ("developer runs the deadline sweep", _developer_sweeps, 403, None),
    ("publication before a proposal", _publish_before_proposal, 409, "CAT-3"),
    ("rejection before a proposal", _reject_before_proposal, 409, "CAT-3"),
    ("negative-listing an item the resource lacks", _list_unknown_item, 422, "CAT-2"),
    ("change to an unknown category", _change_to_unknown_category, 422, "CAT-1"),
    ("change of an unknown resource", _change_unknown_resource, 404, None),
    ("settings of an unknown region", _settings_for_unknown_region, 422, "FED-1"),
]


@pytest.mark.parametrize(
    ("call", "status", "rule"),
    [pytest.param(c, s, r, id=name) for name, c, s, r in REFUSALS],
)
async def test_refusals_are_problems_and_change_nothing(
    scene: Scene, call: Call, status: int, rule: str | None
) -> None:
    before = await scene.snapshot()
    is_problem(await call(scene), status, rule)
    assert await scene.snapshot() == before
    last = (await scene.p.running["catalog"].ctx.audit.entries())[-1]
    assert last.action == "refused" and last.detail["rule"] == (rule or ""), last


async def test_CAT_4_illegal_transitions_after_cancellation_are_409_and_change_nothing(
    scene: Scene,
) -> None:
    tax = await token(scene.p, TAX)
    cancelled = await scene.client.post(
        f"/catalog/resources/{scene.rid}/cancellation", json={"reason": "停用"}, headers=tax
    )
    assert cancelled.status_code == 200
    before = await scene.snapshot()
    for response in (
        await scene.client.put(
            f"/catalog/resources/{scene.rid}", json=resource_body(name="复活"), headers=tax
        ),
        await scene.client.post(
            f"/catalog/resources/{scene.rid}/cancellation", json={"reason": "再次"}, headers=tax
        ),
        await scene.client.post(f"/catalog/resources/{scene.rid}/proposal", headers=tax),
    ):
        body = is_problem(response, 409)
        assert body["rule"] in {"CAT-3", "CAT-4"}
        assert "cancelled" in body["detail"]
    listed = await scene.client.post(
        "/catalog/negative-list/",
        json={"resource_id": scene.rid, "reason": "x"},
        headers=await token(scene.p, BUREAU),
    )
    is_problem(listed, 409, "CAT-2")
    assert await scene.snapshot() == before


async def test_CAT_3_publishing_twice_is_a_conflict(scene: Scene) -> None:
    tax, bureau = await token(scene.p, TAX), await token(scene.p, BUREAU)
    await scene.client.post(f"/catalog/resources/{scene.rid}/proposal", headers=tax)
    assert (
        await scene.client.post(f"/catalog/resources/{scene.rid}/publication", headers=bureau)
    ).status_code == 200
    before = await scene.snapshot()
    again = await scene.client.post(f"/catalog/resources/{scene.rid}/publication", headers=bureau)
    is_problem(again, 409, "CAT-3")
    assert await scene.snapshot() == before


async def test_bodies_of_the_new_commands_are_validated(scene: Scene) -> None:
    bureau = await token(scene.p, BUREAU)
    for path, body, field in (
        ("/catalog/negative-list/", {"resource_id": scene.rid}, "reason"),
        ("/catalog/negative-list/", {"resource_id": scene.rid, "reason": ""}, "reason"),
        (f"/catalog/resources/{scene.rid}/rejection", {"reason": "x", "extra": 1}, "extra"),
    ):
        response = await scene.client.post(path, json=body, headers=bureau)
        problem = is_problem(response, 400)
        assert any(field in e["field"] for e in problem["errors"]), problem
