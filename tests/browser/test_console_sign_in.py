"""The console's sign-in and sessions in Chromium against a real ``pdo up`` (issue 13):
password sign-in through identity, the HttpOnly SameSite=Strict session cookie, sign-out,
a refused password shown next to its field in Chinese, the throttle as a message, CSRF
refusals, session expiry, the CSP header, and a hostile resource name shown as text."""

from __future__ import annotations

import base64
import json
import time

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_people import PASSWORD, person
from tests.infra.pdo_up import PdoUp
from tests.support.platform import resource_body


def sign_in(page: Page, pdo: PdoUp, username: str, password: str = PASSWORD) -> None:
    page.goto(pdo.url("/console/login"))
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def test_console_sign_in_session_cookie_and_sign_out_by_keyboard(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    username = person(pdo, "org-370300-bureau", "bureau.console")
    page.goto(pdo.url("/console/"))
    expect(page).to_have_url(pdo.url("/console/login"))
    # Keyboard only: labels focus their inputs, Enter submits.
    page.get_by_label("用户名").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("实施机构（数据主管部门）的待办")
    expect(page.get_by_role("heading", name="待审核的数据使用申请")).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["pdo_console_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict", session
    assert session["path"] == "/console"
    assert page.evaluate("document.cookie").find("pdo_console_session") == -1
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("status")).to_have_text("您已安全退出。")
    assert "pdo_console_session" not in {c["name"] for c in page.context.cookies()}
    page.goto(pdo.url("/console/"))
    expect(page).to_have_url(pdo.url("/console/login"))
    screenshot(page, "signed-out")


def test_console_wrong_password_is_shown_next_to_the_field_and_the_throttle_as_a_message(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    username = person(pdo, "org-370300-tax", "tax.console")
    sign_in(page, pdo, username, "not-the-password-1")
    expect(page.locator("#password-refused")).to_have_text("用户名或密码不正确")
    # Eight more failures from this address, waiting out each growing delay (1+2+4+8 s);
    # after the ninth the next attempt waits 16 s, long enough to see the message.
    failed = 1
    while failed < 9:
        answer = httpx.post(
            pdo.url("/identity/tokens"),
            json={"grant_type": "password", "username": username, "password": "wrong-again-1"},
            timeout=30,
        )
        if answer.status_code == 429:
            time.sleep(int(answer.headers["retry-after"]))
            continue
        assert answer.status_code == 401, answer.text
        failed += 1
    sign_in(page, pdo, username, PASSWORD)
    refused = page.locator("#login-refused")
    expect(refused).to_contain_text("登录失败次数过多，请在")
    expect(refused).to_contain_text("秒后再试")
    wait = int(refused.inner_text().split("请在 ")[1].split(" 秒")[0])
    assert 1 <= wait <= 16
    # Failures elsewhere never lock the person out: another address signs in at once.
    elsewhere = httpx.post(
        pdo.url("/identity/tokens"),
        headers={"X-Forwarded-For": "198.51.100.23"},
        json={"grant_type": "password", "username": username, "password": PASSWORD},
        timeout=30,
    )
    assert elsewhere.status_code == 200, elsewhere.text
    time.sleep(wait + 0.5)
    sign_in(page, pdo, username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("数据提供单位的待办")
    screenshot(page, "after-throttle")


def test_console_a_form_without_its_csrf_token_is_refused(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    username = person(pdo, "org-370300-bureau", "bureau.csrf")
    sign_in(page, pdo, username)
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    token_inputs = page.locator("input[name=_csrf_token]")
    assert token_inputs.count() >= 1 and len(token_inputs.first.input_value()) > 20
    # A forged form (no token, or a wrong one) posted from the page's own origin.
    statuses = page.evaluate(
        """async () => {
            const out = [];
            for (const body of ["", "_csrf_token=forged"]) {
                const r = await fetch("/console/logout", {method: "POST", body,
                    headers: {"Content-Type": "application/x-www-form-urlencoded"},
                    redirect: "manual"});
                out.push(r.status);
            }
            return out;
        }"""
    )
    assert statuses == [403, 403]
    page.reload()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()  # still signed in
    screenshot(page, "csrf-refused")


def _expired_copy(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["exp"] = int(time.time()) - 5
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_console_an_expired_or_refused_session_returns_to_sign_in(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    username = person(pdo, "org-370300-operator", "op.console")
    sign_in(page, pdo, username)
    expect(page.get_by_role("heading", level=1)).to_have_text("运营机构的待办")
    cookie = next(c for c in page.context.cookies() if c["name"] == "pdo_console_session")
    page.context.add_cookies([{**cookie, "value": _expired_copy(cookie["value"])}])
    page.goto(pdo.url("/console/"))
    expect(page.get_by_role("status")).to_have_text("会话已过期，请重新登录。")
    # A token the services refuse (bad signature, future expiry) ends the session too.
    sign_in(page, pdo, username)
    cookie = next(c for c in page.context.cookies() if c["name"] == "pdo_console_session")
    header, payload, _ = cookie["value"].split(".")
    page.context.add_cookies([{**cookie, "value": f"{header}.{payload}.AAAA"}])
    page.goto(pdo.url("/console/"))
    expect(page.get_by_role("status")).to_have_text("会话已失效，请重新登录。")
    screenshot(page, "expired")


def test_console_a_hostile_resource_name_shows_as_text_under_a_strict_csp(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    hostile = "<script>alert(1)</script>"
    created = httpx.post(
        pdo.url("/catalog/resources/"),
        headers={"Authorization": f"Bearer {pdo.token('org-370300-tax')}"},
        json=resource_body(name=hostile),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    username = person(pdo, "org-370300-tax", "tax.xss")
    sign_in(page, pdo, username)
    listed = page.get_by_role("heading", name="本单位登记的资源")
    expect(listed).to_be_visible()
    page.get_by_role("link", name="资源目录").click()
    page.get_by_label("检索").fill("alert")
    page.get_by_label("检索").press("Enter")
    expect(page.locator("td.name", has_text=hostile).first).to_be_visible()
    assert dialogs == []
    assert page.locator("main script").count() == 0
    response = page.request.get(pdo.url("/console/resources"))
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    screenshot(page, "hostile-name")
