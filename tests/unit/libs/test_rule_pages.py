"""Rendering of the public rule pages: escaped, Chinese, this region's values marked."""

from __future__ import annotations

import msgspec

from contracts.rules import Rule, Setting, Source, catalogue
from libs.http.rule_pages import lineage, render_index, render_rule


def hostile_rule() -> Rule:
    return Rule(
        id="AUTH-1",
        title_zh="<script>alert(1)</script>",
        title_en='"><img src=x onerror=alert(1)>',
        statement="<b>粗体</b> & 其他",
        sources=(Source(doc="zibo", article="<i>§4.1</i>"),),
        services=("identity",),
        modules=("services/identity/domain/<x>.py",),
        status="enforced",
        settings=(
            Setting(name="n<1>", title="<u>期限</u>", default="<3>", values={"370300": "<5>"}),
        ),
    )


def test_every_value_on_a_rule_page_is_escaped() -> None:
    page = render_rule(catalogue(), hostile_rule(), "370300")
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;粗体&lt;/b&gt; &amp; 其他" in page
    assert "&lt;i&gt;§4.1&lt;/i&gt;" in page and "&lt;5&gt;" in page


def test_the_index_escapes_titles_too() -> None:
    book = msgspec.structs.replace(catalogue(), rules=(hostile_rule(),))
    page = render_index(book, "370300")
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_lineage_is_the_region_its_city_and_its_province() -> None:
    assert lineage("370303") == ("370303", "370300", "370000")
    assert lineage("370300") == ("370300", "370000")
    assert lineage("520000") == ("520000",)
