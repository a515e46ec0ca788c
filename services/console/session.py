"""A console session (会话): the access token identity issued at sign-in, kept in an
HttpOnly, SameSite=Strict cookie, and what the pages need to know of it.

The console reads the token's claims only to choose the navigation and to notice expiry;
it never trusts them for data: every service verifies the token on every call.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime

COOKIE = "pdo_console_session"

ROLE_NAMES = {
    "bureau": "实施机构（数据主管部门）",
    "provider": "数据提供单位",
    "operator": "运营机构",
    "developer": "开发利用主体",
    "supervisor": "监管部门",
}


class NoSession(Exception):
    """No cookie, an unreadable token, or an expired one: sign in again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    user_id: str
    org_id: str
    role: str
    region: str
    expires_at: datetime

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)


def _claims(token: str) -> dict[str, object]:
    parts = token.split(".")
    if len(parts) != 3:
        raise NoSession("unreadable")
    padded = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        raise NoSession("unreadable") from None
    if not isinstance(claims, dict):
        raise NoSession("unreadable")
    return claims


def read(token: str | None, now: datetime) -> Session:
    """The session a cookie carries, or ``NoSession`` (expired at ``exp``)."""
    if not token:
        raise NoSession("absent")
    claims = _claims(token)
    try:
        expires_at = datetime.fromtimestamp(int(str(claims["exp"])), UTC)
        session = Session(
            token=token,
            user_id=str(claims["sub"]),
            org_id=str(claims["org"]),
            role=str(claims["role"]),
            region=str(claims["region"]),
            expires_at=expires_at,
        )
    except (KeyError, ValueError):
        raise NoSession("unreadable") from None
    if expires_at <= now:
        raise NoSession("expired")
    return session
