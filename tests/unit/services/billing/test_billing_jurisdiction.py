"""Billing's jurisdiction settings: the pricing regime of each source text (BIL-1) and the
cultivation period's start (BIL-4), as data per region."""

from __future__ import annotations

from datetime import date

import pytest

from contracts.errors import DomainError
from services.billing.domain.jurisdiction import (
    SOURCES,
    Maker,
    PricingRegime,
    apply,
    check_priced_under_regime,
    from_sources,
)

ZIBO, WEIFANG, XIANNING, YINCHUAN, GUIZHOU = "370300", "370700", "421200", "640100", "520000"


def refused(region: str, maker: Maker, cap_fen: int | None) -> bool:
    try:
        check_priced_under_regime(
            from_sources(region), maker, product_id="prod-1", unit="call", cap_fen=cap_fen
        )
    except DomainError as e:
        assert (e.rule, e.field) == ("BIL-1", "unit_price_fen")
        return True
    return False


def test_BIL_1_weifang_refuses_a_price_with_no_cap() -> None:
    """潍坊 001 第二十一条（二）：“用于产业发展、行业发展的公共数据资源经营性产品和服务，确需
    收费的，实行政府指导定价管理”: no uncapped price, whoever made the product."""
    assert from_sources(WEIFANG).pricing_regime is PricingRegime.GUIDED_REQUIRED
    assert refused(WEIFANG, Maker.OPERATOR, None)
    assert refused(WEIFANG, Maker.DEVELOPER, None)
    assert refused("370702", Maker.UNKNOWN, None)  # a Weifang district takes the city's
    assert not refused(WEIFANG, Maker.DEVELOPER, 30)


def test_BIL_1_zibo_takes_the_guided_price_and_a_market_price_where_none_is_set() -> None:
    """淄博 000 四（七）：“运营机构用于产业发展、行业发展等公共数据经营性产品和服务，以政府指导价
    收取合作开发、平台代理、技术环境使用和产品销售等费用。无政府指导价的，以市场调节价收取。”"""
    assert from_sources(ZIBO).pricing_regime is PricingRegime.GUIDED_OR_MARKET
    assert not refused(ZIBO, Maker.OPERATOR, None)
    assert not refused("370303", Maker.UNKNOWN, None)


def test_BIL_1_guizhou_guides_the_operators_products_and_leaves_redeveloped_ones_to_market() -> (
    None
):
    """贵州 004（解读，收益分配和定价）：“授权运营机构提供的数据产品和服务执行政务指导价管理，
    开发利用机构再开发的数据产品和服务按照市场定价。”"""
    guiyang = "520100"  # a city of the province takes the province's values
    assert from_sources(guiyang).pricing_regime is PricingRegime.GUIDED_FOR_OPERATOR
    assert refused(guiyang, Maker.OPERATOR, None)
    assert refused(GUIZHOU, Maker.UNKNOWN, None)
    assert not refused(GUIZHOU, Maker.DEVELOPER, None)
    assert not refused(GUIZHOU, Maker.OPERATOR, 50)


def test_BIL_1_xianning_and_yinchuan_follow_the_national_guided_price() -> None:
    """咸宁 002 五：“運營機構要嚴格執行國家、省關於公共數據資源授權運營價格相關政策和收費標準”
    (and 市市場監管局…依法查處不執行政府指導價…等行為); 银川 003 says only “授权运营主体可以收取
    数据产品或者数据服务的收益” and “国家、自治区出台公共数据授权运营相关政策要求,按照新政策
    要求及时调整”: both fall to the national rule — government-guided, a cap first."""
    for region in (XIANNING, YINCHUAN, "110000"):
        assert from_sources(region).pricing_regime is PricingRegime.GUIDED_REQUIRED
        assert refused(region, Maker.DEVELOPER, None)
    assert "silent" in from_sources(YINCHUAN).source
    assert "002" in from_sources(XIANNING).source


def test_BIL_4_only_zibos_text_has_a_cultivation_period_from_its_plans_publication() -> None:
    """淄博 000 四（七）：“自方案发布起3年内为数据要素型企业培育期”；“本方案自2025年7月1日起
    施行”. No other source text has a cultivation period."""
    zibo = from_sources("370303")
    assert (zibo.cultivation_starts_on, zibo.cultivation_years) == (date(2025, 7, 1), 3)
    for region in (WEIFANG, XIANNING, YINCHUAN, GUIZHOU, "110000"):
        assert from_sources(region).cultivation_starts_on is None
    assert set(SOURCES) == {ZIBO, WEIFANG, XIANNING, YINCHUAN, GUIZHOU}


def test_BIL_4_the_bureau_records_its_plans_publication_day_over_the_source_value() -> None:
    """淄博 000 四（七）：“自方案发布起3年内”: the day is the bureau's to record."""
    base = from_sources(ZIBO)
    assert apply(base, None) == base and base.defined_by == ""
    recorded = apply(base, {"cultivation_starts_on": "2025-06-20", "_id": ZIBO})
    assert recorded.cultivation_starts_on == date(2025, 6, 20)
    assert recorded.defined_by == ZIBO and "changed by the bureau" in recorded.source
    assert apply(base, {"cultivation_starts_on": "unset"}).cultivation_starts_on is None
    weifang = apply(from_sources(WEIFANG), {"pricing_regime": "guided_or_market"})
    assert weifang.pricing_regime is PricingRegime.GUIDED_OR_MARKET
    with pytest.raises(DomainError) as bad:
        apply(base, {"pricing_regime": "free_for_all"})
    assert bad.value.field == "pricing_regime"
