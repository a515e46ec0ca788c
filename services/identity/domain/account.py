"""Accounts (账号): users of an organization, and machine clients (接入客户端) of the data
exchange, which sign in with client credentials and get narrow scopes.

Secrets are hashed before they reach this module; it sees only the hashes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from contracts.errors import DomainError, Forbidden

USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 12
EXCHANGE_SCOPES: frozenset[str] = frozenset(
    {"products:read", "listings:write", "orders:write", "settlements:write"}
)
"""What the data exchange (数据交易机构) may do through the trading bridge, and no more."""


@dataclass(frozen=True, slots=True)
class User:
    username: str
    org_id: str
    region: str
    roles: tuple[str, ...]
    password_hash: str
    created_at: datetime
    disabled: bool = False
    """A disabled user (停用) cannot sign in; the bureau re-enables them."""


@dataclass(frozen=True, slots=True)
class Client:
    client_id: str
    org_id: str
    region: str
    name: str
    scopes: tuple[str, ...]
    secret_hash: str
    created_at: datetime


def check_new_user(
    username: str, password: str, roles: tuple[str, ...], *, org_role: str
) -> tuple[str, ...]:
    """A username of lower-case letters, digits and ``._-``; a password of 12 or more
    characters; roles the organization itself holds (a user acts for its organization)."""
    if not USERNAME.match(username):
        raise DomainError(
            "a username is 3-64 lower-case letters, digits, '.', '_' or '-', starting with a "
            "letter",
            field="username",
        )
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"a password has at least {MIN_PASSWORD} characters", field="password")
    if password.lower() == username or username in password.lower():
        raise DomainError("the password must not contain the username", field="password")
    chosen = tuple(dict.fromkeys(roles or (org_role,)))
    foreign = [r for r in chosen if r != org_role]
    if foreign:
        raise Forbidden(
            f"a user of a {org_role} organization cannot hold the role(s) " + ", ".join(foreign)
        )
    return chosen


def check_new_password(username: str, password: str) -> None:
    """The same rules as at creation: 12 or more characters, not containing the username."""
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"a password has at least {MIN_PASSWORD} characters", field="password")
    if username in password.lower():
        raise DomainError("the password must not contain the username", field="password")


def check_new_client(scopes: tuple[str, ...], *, org_role: str) -> tuple[str, ...]:
    """Only the data exchange gets machine clients, with exchange scopes only."""
    if org_role != "exchange":
        raise Forbidden("machine clients are issued to the data exchange only")
    chosen = tuple(sorted(set(scopes or EXCHANGE_SCOPES)))
    unknown = sorted(set(chosen) - EXCHANGE_SCOPES)
    if unknown:
        raise DomainError(
            f"unknown scope(s) {', '.join(unknown)}; allowed: "
            + ", ".join(sorted(EXCHANGE_SCOPES)),
            field="scopes",
        )
    return chosen


def role_for_login(user: User, requested: str | None) -> str:
    """The one role a session acts in; a user holding several chooses."""
    if requested is None:
        if len(user.roles) > 1:
            raise DomainError(
                "this user holds several roles; name one: " + ", ".join(user.roles),
                field="role",
            )
        return user.roles[0]
    if requested not in user.roles:
        raise Forbidden(f"this user does not hold the role {requested!r}")
    return requested


def scopes_for_client(client: Client, requested: tuple[str, ...]) -> tuple[str, ...]:
    """A token never carries more than the client was given (narrowing is allowed)."""
    if not requested:
        return client.scopes
    extra = sorted(set(requested) - set(client.scopes))
    if extra:
        raise Forbidden(f"this client was not given the scope(s) {', '.join(extra)}")
    return tuple(sorted(set(requested)))
