"""EXP-5: the published product and service list, a pure projection of product events."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from contracts.events import ProductFiled, ProductReleased, ProductWithdrawn, UsageMetered
from services.product_release.domain.product_list import ListedProduct, product_list, project


def released(product_id: str, version: int = 1, code: str = "") -> ProductReleased:
    return ProductReleased(
        product_id=product_id,
        version=version,
        name=f"产品 {product_id}",
        kind="dataset",
        developer_org_id="org-dev",
        registration_code=code or f"370300P{int(product_id[-1]):010d}X",
        certificate_id=f"cert-{product_id}-{version}",
    )


def test_EXP_5_released_products_appear_on_the_list_ordered_by_registration_code() -> None:
    listing = product_list([released("prod-2"), released("prod-1")])
    assert [p.product_id for p in listing] == ["prod-1", "prod-2"]
    assert listing[0] == ListedProduct(
        product_id="prod-1",
        name="产品 prod-1",
        kind="dataset",
        developer_org_id="org-dev",
        version=1,
        registration_code="370300P0000000001X",
        certificate_id="cert-prod-1-1",
    )


def test_EXP_5_the_list_shows_the_newest_released_version_once() -> None:
    listing = product_list([released("prod-1", 1), released("prod-1", 3), released("prod-1", 2)])
    assert [(p.product_id, p.version) for p in listing] == [("prod-1", 3)]


def test_EXP_5_withdrawn_products_leave_the_list() -> None:
    events = [
        released("prod-1"),
        released("prod-2"),
        ProductWithdrawn(product_id="prod-1", reason="x"),
    ]
    assert [p.product_id for p in product_list(events)] == ["prod-2"]


def test_EXP_5_products_not_yet_released_are_not_listed() -> None:
    filed = ProductFiled("prod-1", 1, "备案-1", "user-bureau-2", "0" * 64)
    other = UsageMetered(usage_id="u", customer_org_id="c", unit="call", quantity=1)
    assert product_list([other]) == ()
    assert project({}, other) == {}
    assert project({}, filed) == {}  # a filing alone lists nothing


@given(st.permutations([released("prod-1"), released("prod-2"), released("prod-3")]))
def test_EXP_5_the_list_does_not_depend_on_the_order_products_were_released(
    events: list[ProductReleased],
) -> None:
    assert [p.product_id for p in product_list(events)] == ["prod-1", "prod-2", "prod-3"]


def test_EXP_5_projecting_leaves_the_previous_list_untouched() -> None:
    before = project({}, released("prod-1"))
    after = project(before, ProductWithdrawn(product_id="prod-1", reason="x"))
    assert "prod-1" in before and after == {}
