"""The jurisdiction settings as the five source texts give them (AUTH-2, AUTH-3, FED-1),
and the publicity period counted in days that ends at 24:00 of its last day. Pure."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from contracts.envelope import Actor, Role
from contracts.errors import DomainError, Forbidden
from services.identity.domain import authorizing as cmd
from services.identity.domain.agreement import check_term
from services.identity.domain.authorization import SelectionMode
from services.identity.domain.dates import end_of_period_in_days
from services.identity.domain.jurisdiction import change, defaults_for
from tests.unit.services.identity.factories import (
    NOW,
    RIVAL,
    apply,
    drive,
    facts_factory,
    tender_factory,
)

COUNTY_BUREAU = Actor(org_id="org-370303-bureau", user_id="u-county", role=Role.BUREAU)
WEIFANG_COUNTY_BUREAU = Actor(org_id="org-370702-bureau", user_id="u-wf", role=Role.BUREAU)


def test_AUTH_3_the_sources_terms_fixed_or_maximum_per_jurisdiction() -> None:
    """000 §3.2 (淄博): “授权运营协议有效期为3年”; 002 §4(一) (咸宁): “期限為3年”;
    001 art.12(四) (潍坊): “运营期限原则上最长不超过5年”; 004 (贵州, 解读 二(二)):
    “授权运营期限一般不超过3年”; 003 (银川) names no term: the default maximum of 3."""
    expected = {
        "370300": (3, True),
        "370303": (3, True),  # a Zibo district follows its city
        "421200": (3, True),
        "370700": (5, False),
        "370702": (5, False),
        "520000": (3, False),
        "520100": (3, False),  # Guiyang follows its province
        "640100": (3, False),
    }
    for region, (years, fixed) in expected.items():
        settings = defaults_for(region)
        assert (settings.max_term_years, settings.fixed_term) == (years, fixed), region
    start = date(2026, 4, 1)
    zibo = defaults_for("370300")
    check_term(start, date(2029, 3, 31), zibo)
    check_term(start, date(2029, 4, 1), zibo)  # the first day not counted (art. 201)
    with pytest.raises(DomainError) as short:
        check_term(start, date(2028, 3, 31), zibo)
    assert short.value.rule == "AUTH-3" and "fixes the term at 3 years" in short.value.detail
    check_term(start, date(2028, 3, 31), defaults_for("370700"))  # Weifang: at most 5
    check_term(start, date(2028, 3, 31), defaults_for("520000"))  # Guizhou: at most 3


def test_AUTH_3_zibo_cannot_raise_its_own_term_to_five_years() -> None:
    """000 §3.2: “授权运营协议有效期为3年” — the Zibo bureau cannot set 5 (nor 2)."""
    for years in (5, 2):
        with pytest.raises(DomainError) as refused:
            change(
                defaults_for("370300"),
                {"max_term_years": years},
                actor_role="bureau",
                actor_region="370300",
            )
        assert refused.value.rule == "AUTH-3"
    with pytest.raises(DomainError) as beyond:
        change(
            defaults_for("520000"),
            {"max_term_years": 4},
            actor_role="bureau",
            actor_region="520000",
        )
    assert beyond.value.rule == "AUTH-3" and "at most 3 years" in beyond.value.detail


def test_AUTH_2_zibo_selects_its_operator_by_public_tender_only() -> None:
    """000 §3: “采用整体授权模式，以公开招标方式选择运营机构”; Weifang 001 art.12(三) and
    Xianning 002 §4(一) allow public tender, invited tender and (competitive) negotiation."""
    assert defaults_for("370300").selection_modes == ("public_tender",)
    for region in ("370700", "421200", "640100", "520000"):
        assert len(defaults_for(region).selection_modes) == 3, region
    invited = tender_factory(
        selection_mode=SelectionMode.INVITED_TENDER, invited_org_ids=("org-op",)
    )
    with pytest.raises(DomainError) as refused:
        cmd.decide(None, invited, facts_factory(settings=defaults_for("370300")))
    assert refused.value.rule == "AUTH-2" and refused.value.field == "selection_mode"
    weifang = facts_factory(settings=defaults_for("370700"))
    published = cmd.decide(None, replace(invited, region="370700"), weifang)
    assert [e.kind for e in published] == ["tender_published"]
    with pytest.raises(DomainError) as widened:
        change(
            defaults_for("370300"),
            {"selection_modes": ["public_tender", "invited_tender"]},
            actor_role="bureau",
            actor_region="370300",
        )
    assert widened.value.rule == "AUTH-2"


def test_AUTH_2_publicity_ends_at_midnight_of_its_last_day_in_beijing() -> None:
    """Civil Code art. 201: “开始的当日不计入，自下一日开始计算”; art. 203: “期间的最后一日的
    截止时间为二十四时”. A result publicized on 2 March at 09:00 (Beijing) for 7 days stays
    open to objections until 24:00 on 9 March, Beijing time — not until 09:00."""
    auth, now = drive("publicized")
    assert now == NOW
    assert auth.publicity_ends_at == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    late_evening = datetime(2026, 3, 9, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    objected = apply(
        auth, cmd.FileObjection("obj-1", "评分有误"), facts_factory(RIVAL, late_evening)
    )
    assert len(objected.pending_objections) == 1
    with pytest.raises(DomainError) as late:
        cmd.decide(
            auth,
            cmd.FileObjection("obj-2", "晚了"),
            facts_factory(RIVAL, datetime(2026, 3, 9, 16, 0, tzinfo=UTC)),
        )
    assert late.value.rule == "AUTH-2"
    # Published at 23:30 Beijing time (15:30 UTC) the count still starts the next day.
    evening = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
    assert end_of_period_in_days(evening, 7) == datetime(2026, 3, 9, 16, 0, tzinfo=UTC)
    # Published at 00:30 Beijing time on 3 March (16:30 UTC on 2 March): one day later.
    after_midnight = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    assert end_of_period_in_days(after_midnight, 7) == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    assert end_of_period_in_days(NOW, 7) - NOW < timedelta(days=8)


def test_FED_1_a_zibo_county_bureau_may_not_publish_a_tender_but_a_weifang_county_may() -> None:
    """000 §7 (淄博): “区县大数据工作主管部门依托市公共数据运营平台，组织、推动、监督本行政区域
    内公共数据资源授权运营工作”; 001 art.3 (潍坊): “县级以上数据管理部门为本级实施单位”."""
    zibo_county = facts_factory(COUNTY_BUREAU, settings=defaults_for("370303"))
    with pytest.raises(Forbidden) as refused:
        cmd.decide(None, tender_factory(region="370303"), zibo_county)
    assert refused.value.rule == "FED-1"
    weifang_county = facts_factory(WEIFANG_COUNTY_BUREAU, settings=defaults_for("370702"))
    events = cmd.decide(None, tender_factory(region="370702"), weifang_county)
    assert [e.kind for e in events] == ["tender_published"]
    assert defaults_for("421200").counties_may_authorize is False
    assert defaults_for("640100").counties_may_authorize is False


def test_FED_1_a_county_authorization_is_not_signed_where_counties_do_not_authorize() -> None:
    """000 §3: “由市人民政府委托市大数据局作为我市公共数据资源授权运营实施机构” — a county
    authorization already on record is not signed in Zibo."""
    auth, now = drive("drafted")
    county = replace(auth, region="370303")
    with pytest.raises(Forbidden) as refused:
        cmd.decide(
            county, cmd.SignAgreement(), facts_factory(now=now, settings=defaults_for("370303"))
        )
    assert refused.value.rule == "FED-1"
