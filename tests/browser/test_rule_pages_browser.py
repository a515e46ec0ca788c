"""A refusal links to its rule, and the rule's page renders in Chromium (issue 17).

Against a real ``pdo up``: from a page in Chromium, a provider registers a resource with
an unknown category; the problem names CAT-1 with its Chinese title and the link
``/rules/CAT-1``; Chromium opens that link and shows the rule's title and sources, and the
AUTH-3 page highlights Zibo's value.
"""

from __future__ import annotations

from playwright.sync_api import Page

from contracts.rules import rule
from tests.browser.conftest import Screenshot
from tests.infra.pdo_up import PdoUp
from tests.support.platform import resource_body


def test_CAT_1_a_refusal_links_to_its_rule_page_and_chromium_renders_it(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    page.goto(pdo.url("/healthz"))  # same origin, so the page may call the API
    answer = page.evaluate(
        """async ([token, body]) => {
            const r = await fetch("/catalog/resources/", {
                method: "POST",
                headers: {"Authorization": "Bearer " + token, "Content-Type": "application/json"},
                body: JSON.stringify(body),
            });
            return {status: r.status, type: r.headers.get("content-type"), body: await r.json()};
        }""",
        [pdo.token("org-370300-tax"), resource_body(category="astrology")],
    )
    assert answer["status"] == 422, answer
    assert answer["type"].startswith("application/problem+json")
    problem = answer["body"]
    expected = rule("CAT-1")
    assert expected is not None
    assert (problem["rule"], problem["rule_title"], problem["rule_url"]) == (
        "CAT-1",
        expected.title_zh,
        "/rules/CAT-1",
    )

    shown = page.goto(pdo.url(problem["rule_url"]))
    assert shown is not None and shown.status == 200
    assert page.locator("h1").inner_text() == f"CAT-1 {expected.title_zh}"
    assert page.title() == f"CAT-1 {expected.title_zh}"
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "淄博实施方案 §4.1" in page.locator("body").inner_text()
    screenshot(page, "CAT-1")


def test_AUTH_3_the_rule_page_highlights_this_instance_region(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    page.goto(pdo.url("/rules/"))
    page.get_by_role("link", name="AUTH-3", exact=True).click()
    page.wait_for_url("**/rules/AUTH-3")
    here = page.locator("tr.here")
    assert here.count() == 1
    assert here.inner_text().replace("\t", " ") == "淄博（370300） · 本辖区 固定3年"
    background = here.evaluate("row => getComputedStyle(row).backgroundColor")
    assert background == "rgb(255, 243, 196)"
    screenshot(page, "AUTH-3")
