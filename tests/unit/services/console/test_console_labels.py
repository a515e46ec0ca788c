"""What a person reads instead of the APIs' raw values: moments in Beijing time to the
minute (``when``), states by whose they are (``zh``), services and audited operations in
Chinese (``service``, ``action``)."""

from __future__ import annotations

from services.console.api.operator import figure_value
from services.console.labels import action_zh, rule_zh, service_zh, when, zh


def test_a_timestamp_is_shown_in_beijing_time_to_the_minute() -> None:
    assert when("2026-03-01T09:00:00Z") == "2026-03-01 17:00"
    assert when("2026-03-01T09:00:00.123456+00:00") == "2026-03-01 17:00"
    assert when("2026-12-31T16:30:00+00:00") == "2027-01-01 00:30"  # the next day in China
    assert when("2026-03-01T17:00:00+08:00") == "2026-03-01 17:00"
    assert when("2026-03-01") == "2026-03-01"  # a day stays a day
    assert when(None) == "" and when("") == ""
    assert when("not a time at all") == "not a time at all"


def test_an_annual_reports_incidents_are_counted_by_chinese_severity() -> None:
    assert figure_value({"low": 1, "high": 2}) == "一般 1，重大 2"
    assert figure_value({}) == "0"
    assert figure_value(True) == "是"


def test_an_annual_reports_money_is_in_yuan_and_counts_are_grouped() -> None:
    assert figure_value(3_700_000, "revenue_fen") == "37,000.00 元"
    assert figure_value(105, "revenue_fen") == "1.05 元"
    assert figure_value(-250, "revenue_fen") == "-2.50 元"
    assert figure_value(167_253_577, "usage_quantity") == "167,253,577"
    assert figure_value(2025, "year") == "2025"  # a year is not a count


def test_an_application_domain_code_is_named_in_chinese_and_typed_text_kept() -> None:
    assert zh("finance", "domain") == "金融"
    assert zh("social_governance", "domain") == "社会治理"
    assert zh("文化旅游", "domain") == "文化旅游"


def test_a_products_state_is_named_for_the_bureau_filing_it() -> None:
    assert zh("certified", "filing") == "已出证待备案"
    assert zh("released", "filing") == "已发布"
    assert zh("business_logic", "certificate") == "业务逻辑"


def test_services_and_operations_are_named_in_chinese() -> None:
    assert service_zh("sandbox_broker") == "授权运营空间"
    assert action_zh("export.approve") == "出域申请·批准"
    assert action_zh("login") == "登录"
    assert action_zh("sandbox.provision_failed") == "沙箱·创建失败"
    assert action_zh("novel.thing") == "novel·thing"  # unknown parts as they came


def test_a_rule_is_named_by_its_title_the_apis_title_first_and_an_unknown_id_as_it_came() -> None:
    assert rule_zh("SBX-2") == "规则 SBX-2：沙箱隔离"
    assert rule_zh("SBX-2", "API 的标题") == "规则 SBX-2：API 的标题"
    assert rule_zh("XYZ-9") == "规则 XYZ-9"
