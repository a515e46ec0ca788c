"""The console without a browser: sessions read from the cookie expire, API refusals are
told in Chinese next to their field, and every page carries a strict CSP and CSRF token."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient

from services.console.app import ConsoleSettings, build_console
from services.console.refusals import refusal
from services.console.session import NoSession, read

NOW = datetime(2026, 6, 1, 8, tzinfo=UTC)


def _token(**claims: object) -> str:
    body = {"sub": "tax.li", "org": "org-370300-tax", "role": "provider", "region": "370300"}
    body.update(claims)
    payload = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"eyJhbGciOiJFZERTQSJ9.{payload}.c2ln"


def test_a_session_lasts_until_the_token_expires() -> None:
    live = read(_token(exp=int((NOW + timedelta(minutes=5)).timestamp())), NOW)
    assert (live.user_id, live.role_name) == ("tax.li", "数据提供单位")
    with pytest.raises(NoSession) as expired:
        read(_token(exp=int(NOW.timestamp())), NOW)
    assert expired.value.reason == "expired"
    for broken in (None, "", "not-a-token", "a.%%%.c", _token()):
        with pytest.raises(NoSession):
            read(broken, NOW)


def test_a_refusal_is_told_in_chinese_next_to_the_field_it_names() -> None:
    problem = {
        "status": 422,
        "detail": "a password has at least 12 characters",
        "rule": "SEC-4",
        "rule_title": "从业人员培训、保密与操作留痕",
        "errors": [{"field": "body.password", "message": "a password has at least 12 characters"}],
    }
    told = refusal(422, problem)
    assert told.summary == "提交的内容不符合规则（规则 SEC-4：从业人员培训、保密与操作留痕）"
    assert told.for_field("password") is not None
    assert told.for_field("password").startswith(told.summary)  # type: ignore[union-attr]
    assert refusal(429, {}, retry_after="16").summary == "登录失败次数过多，请在 16 秒后再试"
    assert refusal(401, None).summary == "用户名或密码不正确"


def test_the_sign_in_page_has_labels_a_csrf_token_and_a_strict_csp() -> None:
    app = build_console(ConsoleSettings(api_base_url="http://127.0.0.1:9", secure_cookies=False))
    with TestClient(app) as client:
        page = client.get("/login")
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        html = page.text
        assert 'name="_csrf_token"' in html
        for field in ("username", "password", "role"):
            assert f'<label for="{field}">' in html and f'id="{field}"' in html
        assert '<script src="/console/static/htmx-2.0.10.min.js"' in html
        assert "style=" not in html and "<style" not in html
        forged = client.post("/login", data={"username": "x", "password": "y"})
        assert forged.status_code == 403  # no CSRF token: refused before any API call
        assert client.get("/", follow_redirects=False).headers["location"] == "/console/login"
        assert client.get("/static/htmx-2.0.10.min.js").status_code == 200


def test_a_state_is_named_by_whose_it_is_where_one_word_means_two_things() -> None:
    from services.console.labels import zh

    assert zh("released") == "已出域"  # an export has left the platform
    assert zh("released", "product") == "已发布"  # a product is on sale
    assert zh("under_review", "product") == "审核中"  # no own name: the shared one
    assert zh("something_new") == "something_new"  # unknown: shown as it came
