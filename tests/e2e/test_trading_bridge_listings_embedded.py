"""Listings end to end in embedded mode: every refusal is a problem naming its rule
(TRD-1, TRD-3, BIL-5), and a listing ends by the operator's withdrawal, by the product's
withdrawal or by a change of the published price — each a ``listing.withdrawn`` on the
exchange-facing topic, after which the exchange's orders are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from contracts.events import ListingWithdrawn
from libs.runtime import Platform
from tests.support.platform import eventually, platform, token
from tests.support.trading_bridge import (
    EXCHANGE,
    OPERATOR,
    Client,
    bridge_client,
    events_of,
    list_when_known,
    listing_body,
    market,
    price,
    publish,
    released,
    withdraw_product,
)


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = platform(tmp_path, services=("trading_bridge",))
    async with bridge_client(p) as client:
        yield p, client


async def refusal(p: Platform, client: Client, body: dict[str, Any], expect: int = 422) -> Any:
    """The problem a listing request is refused with (the facts are on the bus: wait for
    the bridge to fold them, then ask once more)."""
    response = await list_when_known(p, client, body, expect=expect)
    assert response.headers["content-type"].startswith("application/problem+json")
    return response.json()


@pytest.mark.parametrize("touch", ["state_secret", "national_security", "personal_privacy"])
async def test_TRD_3_a_product_touching_state_secrets_national_security_or_privacy_is_never_listed(
    running: tuple[Platform, Client], touch: str
) -> None:
    """000 §5.2: "涉及国家秘密、国家安全和个人隐私信息等受法律保护的数据 … 禁止进行数据交易。"
    Even with a "permission" on file: these are never traded."""
    p, client = running
    await market(p, f"prod-{touch}", touches=[touch], permissions=[touch])
    problem = await refusal(p, client, listing_body(f"prod-{touch}"))
    assert problem["rule"] == "TRD-3" and "never be traded" in problem["detail"]
    assert problem["errors"][0]["field"] == "product_id"


async def test_TRD_3_others_rights_are_listed_only_with_the_holders_permission(
    running: tuple[Platform, Client],
) -> None:
    """000 §5.2: "涉及他人知识产权、商业秘密等权利的数据(取得权利人明确许可授权的除外)禁止
    进行数据交易。" """
    p, client = running
    touch = "third_party_rights"
    await market(p, f"prod-{touch}", touches=[touch], permissions=[])
    problem = await refusal(p, client, listing_body(f"prod-{touch}"))
    assert problem["rule"] == "TRD-3" and "permission" in problem["detail"]
    # with the holder's permission on file, the product may be listed
    await publish(
        p,
        released(f"prod-{touch}", version=2, touches=[touch], permissions=[touch]),
        subject=f"prod-{touch}",
    )
    created = await list_when_known(p, client, listing_body(f"prod-{touch}"))
    assert created.json()["state"] == "active"


async def test_TRD_3_a_new_version_that_may_not_be_traded_withdraws_the_listing(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    await market(p, "prod-v")
    listing = (await list_when_known(p, client, listing_body("prod-v"))).json()
    await publish(p, released("prod-v", version=2, touches=["state_secret"]), subject="prod-v")
    ended = await _ended(p, client, listing["listing_id"])
    assert "TRD-3" in ended["withdrawn_reason"]


async def test_TRD_1_an_unreleased_or_withdrawn_product_is_not_listed(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    await market(p, "prod-known")
    await list_when_known(p, client, listing_body("prod-known"))  # the facts have arrived
    problem = await refusal(p, client, listing_body("prod-never-released"))
    assert problem["rule"] == "TRD-1" and "has not been released" in problem["detail"]
    await market(p, "prod-gone")
    await withdraw_product(p, "prod-gone")

    async def refused_as_withdrawn() -> Any:
        response = await client.post(
            "/listings/", json=listing_body("prod-gone"), headers=await token(p, OPERATOR)
        )
        return response.json() if "was withdrawn" in response.json()["detail"] else None

    problem = await eventually(refused_as_withdrawn)
    assert problem["rule"] == "TRD-1" and problem["status"] == 422


async def test_BIL_5_a_product_is_listed_only_at_its_published_price(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    await market(p, "prod-p", unit_price_fen=12_000)
    problem = await refusal(p, client, listing_body("prod-p", 11_999))
    assert problem["rule"] == "BIL-5" and problem["errors"][0]["field"] == "price_fen"
    assert "12000" in problem["detail"]
    problem = await refusal(p, client, listing_body("prod-p", 12_000, unit="per_month"))
    assert problem["rule"] == "BIL-5" and "no published price" in problem["detail"]
    assert (await list_when_known(p, client, listing_body("prod-p", 12_000))).status_code == 201
    again = await refusal(p, client, listing_body("prod-p", 12_000), expect=409)
    assert "already listed" in again["detail"]


async def test_BIL_5_a_product_without_a_published_price_is_not_listed(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    await market(p, "prod-priced")
    await list_when_known(p, client, listing_body("prod-priced"))
    await publish(p, released("prod-unpriced"), subject="prod-unpriced")

    async def refused() -> Any:
        response = await client.post(
            "/listings/", json=listing_body("prod-unpriced"), headers=await token(p, OPERATOR)
        )
        return response.json() if response.json().get("rule") == "BIL-5" else None

    assert "no published price" in (await eventually(refused))["detail"]


async def test_TRD_1_only_a_licensed_exchange_lists(running: tuple[Platform, Client]) -> None:
    p, client = running
    await market(p, "prod-x")
    await list_when_known(p, client, listing_body("prod-x"))
    problem = await refusal(p, client, listing_body("prod-x", exchange_org_id="org-370300-tax"))
    assert problem["rule"] == "TRD-1" and problem["errors"][0]["field"] == "exchange_org_id"


async def _ended(p: Platform, client: Client, listing_id: str) -> Any:
    headers = await token(p, OPERATOR)

    async def probe() -> Any:
        found = (await client.get(f"/listings/{listing_id}", headers=headers)).json()
        return found if found["state"] == "withdrawn" else None

    return await eventually(probe)


async def test_TRD_1_a_withdrawn_product_withdraws_its_listings_and_orders_stop(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    await market(p, "prod-w")
    listing = (await list_when_known(p, client, listing_body("prod-w"))).json()
    exchange = await token(p, EXCHANGE)
    order = {
        "order_id": "o-w",
        "listing_id": listing["listing_id"],
        "buyer_org_id": "b",
        "quantity": 1,
    }
    assert (await client.post("/orders/", json=order, headers=exchange)).status_code == 201
    await withdraw_product(p, "prod-w", "证书失效")
    ended = await _ended(p, client, listing["listing_id"])
    assert "证书失效" in ended["withdrawn_reason"]
    events = await events_of(p, 3)
    withdrawn = events[2].payload
    assert isinstance(withdrawn, ListingWithdrawn) and withdrawn.listing_id == listing["listing_id"]
    assert events[2].causation_id is not None  # caused by product.withdrawn
    late = {
        "order_id": "o-w2",
        "listing_id": listing["listing_id"],
        "buyer_org_id": "b",
        "quantity": 1,
    }
    refused = await client.post("/orders/", json=late, headers=exchange)
    assert refused.status_code == 409 and refused.json()["rule"] == "TRD-1"
    execution = {"trade_id": "t-w", "order_id": "o-w", "quantity": 1, "amount_fen": 50_000}
    refused = await client.post("/trades/", json=execution, headers=exchange)
    assert refused.status_code == 409 and refused.json()["rule"] == "TRD-1"
    active = (await client.get("/listings/", headers=exchange)).json()
    assert active["items"] == []
    gone = (await client.get("/listings/", params={"state": "withdrawn"}, headers=exchange)).json()
    assert [x["listing_id"] for x in gone["items"]] == [listing["listing_id"]]


async def test_BIL_5_a_changed_published_price_withdraws_the_listing(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    await market(p, "prod-c")
    listing = (await list_when_known(p, client, listing_body("prod-c"))).json()
    await publish(p, price("prod-c", 50_000, price_id="same-charge-new-id"), subject="prod-c")
    await publish(p, price("prod-c", 45_000), subject="prod-c")
    ended = await _ended(p, client, listing["listing_id"])
    assert "BIL-5" in ended["withdrawn_reason"] and "45000" in ended["withdrawn_reason"]
    events = await events_of(p, 2)
    assert [e.type for e in events] == ["listing.created", "listing.withdrawn"]
    relisted = await list_when_known(p, client, listing_body("prod-c", 45_000))
    assert relisted.json()["price_fen"] == 45_000


async def test_TRD_1_the_operator_withdraws_a_listing_once(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    await market(p, "prod-o")
    listing = (await list_when_known(p, client, listing_body("prod-o"))).json()
    operator = await token(p, OPERATOR)
    path = f"/listings/{listing['listing_id']}/withdrawal"
    done = await client.post(path, json={"reason": "交易所合作到期"}, headers=operator)
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"
    again = await client.post(path, json={"reason": "再次"}, headers=operator)
    assert again.status_code == 409
    exchange = await token(p, EXCHANGE)
    assert (await client.post(path, json={"reason": "x"}, headers=exchange)).status_code == 403
    missing = await client.post("/listings/nope/withdrawal", json={"reason": "x"}, headers=operator)
    assert missing.status_code == 404
    events = await events_of(p, 2)
    assert events[1].type == "listing.withdrawn" and events[1].actor.org_id == OPERATOR.org_id


async def test_BIL_5_a_price_changed_while_listing_is_caught_by_the_second_read(
    running: tuple[Platform, Client],
) -> None:
    """The price handler scanned before the listing was written; the command's own second
    read after its write withdraws it (the race between the two, played step by step)."""
    from services.trading_bridge import repository
    from services.trading_bridge.commands import trading as commands

    p, client = running
    await market(p, "prod-r")
    listing = (await list_when_known(p, client, listing_body("prod-r"))).json()
    ctx = p.running["trading_bridge"].ctx
    key = repository.price_id_of("prod-r", "per_call")
    doc = await ctx.store.get(repository.PRICES, key)
    assert doc is not None
    await ctx.store.replace(repository.PRICES, {**doc, "unit_price_fen": 1}, doc["_version"])
    written = await commands.get_listing(ctx, listing["listing_id"])
    after = await commands._recheck(ctx, written)
    assert after.state == "withdrawn" and "BIL-5" in after.withdrawn_reason
    assert (await commands._recheck(ctx, after)).state == "withdrawn"  # nothing twice
    events = await events_of(p, 2)
    assert [e.type for e in events] == ["listing.created", "listing.withdrawn"]


async def test_SEC_3_a_kept_price_names_the_operator_that_listed_it(
    running: tuple[Platform, Client],
) -> None:
    """谁运营谁负责: the bridge's copy of a published price names the operator that listed
    it (the actor of ``price.listed``)."""
    from services.trading_bridge import repository

    p, client = running
    await market(p, "prod-s")
    await list_when_known(p, client, listing_body("prod-s"))
    store = p.running["trading_bridge"].ctx.store
    doc = await store.get(repository.PRICES, repository.price_id_of("prod-s", "per_call"))
    assert doc is not None and doc["listed_by_org_id"] == OPERATOR.org_id
    assert repository.terms_from_doc(doc).product_id == "prod-s"


async def test_AUTH_7_the_operators_listings_end_with_its_authorization(
    running: tuple[Platform, Client],
) -> None:
    """001 art.24: "决定终止或撤销运营协议的,应当及时撤销授权运营单位的公共数据使用权限";
    002 §4(五): "符合退出情形之一的,應當及時關閉運營機構在市運營平臺中的相關權限"。 The bridge
    hears the agreement's end itself: every active listing of that operator is withdrawn at
    once on the exchange-facing topic, naming the rule, and it lists nothing more. Another
    operator's listings stay. (Our reading of what continues: see
    ``test_product_release_authorization_end_embedded``.)"""
    from datetime import date

    from contracts.envelope import Role
    from contracts.events import AgreementSigned, AgreementTerminated
    from libs.auth.principal import Principal

    p, client = running
    other = Principal(
        user_id="u-op-9", org_id="org-370300-operator-9", role=Role.OPERATOR, region="370300"
    )
    for agreement_id, operator in (("agr-a", OPERATOR.org_id), ("agr-b", other.org_id)):
        signed = AgreementSigned(
            agreement_id=agreement_id,
            operator_org_id=operator,
            mode="whole",
            starts_on=date(2026, 1, 1),
            ends_on=date(2028, 12, 31),
        )
        await publish(p, signed, subject=agreement_id)
    await market(p, "prod-end")
    await market(p, "prod-stays")
    mine = (await list_when_known(p, client, listing_body("prod-end"))).json()
    theirs = await list_when_known(p, client, listing_body("prod-stays"), who=other)
    assert theirs.status_code == 201, theirs.text

    ended = AgreementTerminated(
        agreement_id="agr-a", operator_org_id=OPERATOR.org_id, reason="取消授权"
    )
    await publish(p, ended, subject="agr-a")
    gone = await _ended(p, client, mine["listing_id"])
    assert "AUTH-7" in gone["withdrawn_reason"] and "取消授权" in gone["withdrawn_reason"]
    events = await events_of(p, 3)
    withdrawn = [e for e in events if isinstance(e.payload, ListingWithdrawn)]
    assert [e.payload.listing_id for e in withdrawn] == [mine["listing_id"]]  # type: ignore[union-attr]
    assert withdrawn[0].causation_id is not None  # caused by agreement.terminated

    await market(p, "prod-new")
    problem = await refusal(p, client, listing_body("prod-new"))
    assert problem["rule"] == "AUTH-7" and "has ended" in problem["detail"]
    still = (
        await client.get(f"/listings/{theirs.json()['listing_id']}", headers=await token(p, other))
    ).json()
    assert still["state"] == "active"
