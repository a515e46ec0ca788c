"""Listing decisions (TRD-1, TRD-3, BIL-5) and the listing state machine, without I/O."""

from __future__ import annotations

import pytest

from contracts.errors import Conflict, DomainError, IllegalTransition
from contracts.events import ListingCreated, OrgRegistered, ProductWithdrawn
from services.trading_bridge.domain import facts, listing
from services.trading_bridge.domain.facts import Exchange, Product
from services.trading_bridge.domain.pricing import PriceTerms
from tests.unit.services.trading_bridge.factories import (
    AT,
    EXCHANGE,
    OPERATOR,
    command_factory,
    exchange_factory,
    listing_factory,
    product_factory,
    terms_factory,
)


def decide(
    *,
    exchange: Exchange | None = None,
    product: Product | None = None,
    price: PriceTerms | None = None,
    already_listed: bool = False,
    **cmd: object,
) -> tuple[listing.Listing, ListingCreated]:
    return listing.list_product(
        command_factory(**cmd),
        listing_id="lst-9",
        exchange=exchange or exchange_factory(),
        product=product or product_factory(),
        price=price or terms_factory(),
        already_listed=already_listed,
        operator_org_id=OPERATOR,
        at=AT,
    )


def refused(**kwargs: object) -> DomainError:
    with pytest.raises(DomainError) as raised:
        decide(**kwargs)  # type: ignore[arg-type]
    return raised.value


def test_TRD_1_a_released_product_is_listed_at_its_published_price() -> None:
    made, event = decide()
    assert made.active and made.terms == terms_factory()
    assert event == ListingCreated(
        listing_id="lst-9",
        product_id="prod-1",
        exchange_org_id=EXCHANGE,
        price_fen=100,
        unit="per_call",
    )


@pytest.mark.parametrize("touch", ["state_secret", "national_security", "personal_privacy"])
def test_TRD_3_secrets_security_and_personal_privacy_are_never_traded_even_with_permission(
    touch: str,
) -> None:
    """000 §5.2: "涉及国家秘密、国家安全和个人隐私信息等受法律保护的数据和涉及他人知识产权、
    商业秘密等权利的数据(取得权利人明确许可授权的除外)禁止进行数据交易。" The exception in
    brackets belongs to the rights of others (IP, trade secrets): no permission on file makes
    personal privacy tradable."""
    error = refused(product=product_factory(touches=(touch,), permissions=(touch,)))
    assert error.rule == "TRD-3" and "never be traded" in error.detail


def test_TRD_3_others_ip_and_trade_secrets_are_traded_only_with_the_holders_permission() -> None:
    """000 §5.2: "涉及他人知识产权、商业秘密等权利的数据(取得权利人明确许可授权的除外)禁止
    进行数据交易。" Without the holder's permission on file: refused; with it: listed."""
    error = refused(product=product_factory(touches=("third_party_rights",)))
    assert error.rule == "TRD-3" and "permission" in error.detail
    made, _ = decide(
        product=product_factory(
            touches=("third_party_rights",), permissions=("third_party_rights",)
        )
    )
    assert made.active


def test_TRD_3_a_permission_on_file_for_personal_privacy_changes_nothing() -> None:
    """000 §5.2: "涉及国家秘密、国家安全和个人隐私信息等受法律保护的数据 … 禁止进行数据交易"
    — the permission exception covers only others' IP and trade secrets."""
    product = product_factory(
        touches=("personal_privacy", "third_party_rights"),
        permissions=("personal_privacy", "third_party_rights"),
    )
    error = refused(product=product)
    assert (
        error.rule == "TRD-3" and "个人隐私" in error.detail and "never be traded" in error.detail
    )


def test_TRD_3_an_unknown_kind_of_sensitivity_is_refused() -> None:
    error = refused(product=product_factory(touches=("core_data",), permissions=("core_data",)))
    assert error.rule == "TRD-3"


def test_TRD_1_only_a_licensed_exchange_and_a_released_product() -> None:
    with pytest.raises(DomainError) as unlicensed:
        listing.list_product(
            command_factory(),
            listing_id="x",
            exchange=None,
            product=product_factory(),
            price=terms_factory(),
            already_listed=False,
            operator_org_id=OPERATOR,
            at=AT,
        )
    assert unlicensed.value.rule == "TRD-1" and unlicensed.value.field == "exchange_org_id"
    gone = refused(product=product_factory(state="withdrawn", withdrawn_reason="注销"))
    assert gone.rule == "TRD-1" and "withdrawn" in gone.detail
    with pytest.raises(DomainError) as never:
        listing.check_released("prod-x", None)
    assert never.value.rule == "TRD-1"


def test_BIL_5_the_listed_price_is_the_published_one() -> None:
    error = refused(price_fen=99)
    assert error.rule == "BIL-5" and error.field == "price_fen"
    with pytest.raises(DomainError) as unpriced:
        listing.check_published_price(command_factory(), None)
    assert unpriced.value.rule == "BIL-5"


def test_TRD_3_is_checked_before_the_price() -> None:
    error = refused(product=product_factory(touches=("state_secret",)), price_fen=1)
    assert error.rule == "TRD-3"


def test_TRD_1_one_active_listing_per_product_unit_and_exchange() -> None:
    with pytest.raises(Conflict):
        decide(already_listed=True)


def test_TRD_1_a_listing_is_withdrawn_once() -> None:
    after, event = listing.withdraw(listing_factory(), reason="到期", at=AT)
    assert after.state == "withdrawn" and after.withdrawn_at == AT
    assert event.reason == "到期" and event.listing_id == "lst-1"
    with pytest.raises(IllegalTransition) as twice:
        listing.withdraw(after, reason="again", at=AT)
    assert twice.value.state == "withdrawn" and twice.value.rule == "TRD-1"
    assert {s for s, moves in listing.TRANSITIONS.items() if not moves} == listing.TERMINAL


def test_BIL_5_a_changed_published_price_makes_a_listing_stale() -> None:
    active = listing_factory()
    assert not listing.stale_price(active, terms_factory(price_id="new-id"))
    assert listing.stale_price(active, terms_factory(unit_price_fen=120))
    assert not listing.stale_price(active, terms_factory(unit="per_month", unit_price_fen=120))
    ended = listing_factory(state="withdrawn")
    assert not listing.stale_price(ended, terms_factory(unit_price_fen=120))


def test_TRD_1_only_organizations_of_role_exchange_are_exchanges() -> None:
    org = OrgRegistered(
        org_id="org-x", name="交易所", role="exchange", region="370300", credit_code="c" * 18
    )
    assert facts.exchange_of(org) == Exchange(org_id="org-x", name="交易所", region="370300")
    assert (
        facts.exchange_of(
            OrgRegistered(
                org_id="o", name="税务局", role="provider", region="370300", credit_code="c"
            )
        )
        is None
    )


def test_TRD_1_a_withdrawal_known_first_leaves_a_withdrawn_product() -> None:
    product = facts.withdrawn(None, ProductWithdrawn(product_id="p", reason="r"))
    assert product.state == "withdrawn"
    again = facts.withdrawn(product_factory(), ProductWithdrawn(product_id="prod-1", reason="r"))
    assert again.state == "withdrawn" and again.name == "企业经营指数"
