"""What later events do to an issued grant, pure: suspension and reinstatement with the
agreement (AUTH-6), narrowing or revocation when data leaves the operation catalog
(CAT-2)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from contracts.errors import IllegalTransition
from contracts.events import GrantNarrowed, GrantRevoked
from services.request_review.domain import grant
from tests.unit.services.request_review.factories import NOW, application_factory


def issued() -> grant.Grant:
    app = replace(application_factory(), status="approved")
    made, _ = grant.issue(app, now=NOW, agreement_ends_on=date(2026, 6, 30), default_days=365)
    return made


def test_AUTH_6_a_suspended_grant_is_closed_for_now_and_reinstated_as_it_was() -> None:
    """000 §3.4(3): "运营机构违反授权运营协议的,市大数据局按照协议约定要求其改正,并暂时关闭
    其数据使用权限"。 暂时 — for now: the grant is suspended, not revoked, keeps its scope and
    validity, and reinstatement restores it; only an exit revokes it."""
    before = issued()
    paused, event = grant.suspend(before, reason="违规,限期整改", now=NOW)
    assert paused.status == "suspended" and not paused.in_force(NOW)
    assert event.reason == "违规,限期整改" and event.grant_id == before.grant_id
    assert (paused.resources, paused.valid_until) == (before.resources, before.valid_until)
    with pytest.raises(IllegalTransition):
        grant.suspend(paused, reason="again", now=NOW)
    back, reinstated = grant.reinstate(paused, reason="整改完成")
    assert back == before and back.in_force(NOW + timedelta(days=1))
    assert reinstated.grant_id == before.grant_id
    with pytest.raises(IllegalTransition):
        grant.reinstate(back, reason="twice")
    ended, _ = grant.revoke(
        grant.suspend(before, reason="违规", now=NOW)[0], reason="未整改", now=NOW
    )
    assert ended.status == "revoked"
    with pytest.raises(IllegalTransition):
        grant.reinstate(ended, reason="too late")


def test_CAT_2_a_later_negative_listing_narrows_the_grant_or_revokes_it_when_nothing_remains() -> (
    None
):
    """002 §2: "禁止開放的公共數據資源不得用於授權運營"; 004 (一): 排除在授权运营之外的数据资源,
    进行负面清单管理。 What enters the negative list after issue leaves the issued grant: the
    item is taken out with the reason recorded; a grant left with nothing is revoked."""
    before = issued()
    first = before.resources[0]
    narrowed = grant.narrow(
        before, resource_id=first.resource_id, items=frozenset({"a"}), reason="负面清单", now=NOW
    )
    assert narrowed is not None
    after, event = narrowed
    assert isinstance(event, GrantNarrowed) and event.removed_items == ["a"]
    assert after.status == "active" and after.resources[0].items == ("b",)
    assert "负面清单" in after.narrowings[0]
    assert [r.items for r in event.resources] == [["b"], ["a"]]
    # an item the grant does not hold changes nothing
    assert (
        grant.narrow(
            after, resource_id=first.resource_id, items=frozenset({"a"}), reason="x", now=NOW
        )
        is None
    )
    # the whole of every resource gone: the grant is revoked
    step = grant.narrow(
        after, resource_id=first.resource_id, items=None, reason="整体禁止", now=NOW
    )
    assert step is not None
    left, _ = step
    last = grant.narrow(
        left, resource_id=left.resources[0].resource_id, items=None, reason="整体禁止", now=NOW
    )
    assert last is not None
    revoked, gone = last
    assert isinstance(gone, GrantRevoked) and revoked.status == "revoked"
    assert "整体禁止" in gone.reason
    # a suspended grant is narrowed too, and stays suspended
    paused, _ = grant.suspend(before, reason="违规", now=NOW)
    still = grant.narrow(
        paused, resource_id=first.resource_id, items=frozenset({"b"}), reason="x", now=NOW
    )
    assert still is not None and still[0].status == "suspended"
