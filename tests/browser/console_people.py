"""People for the console's browser tests, created through identity's public API with a
demo bureau token: each test makes its own users so it depends on no demo content."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx

from tests.infra.pdo_up import PdoUp

PASSWORD = "console-Pa55word-2026"


def person(
    pdo: PdoUp, org_id: str, prefix: str, *, password: str = PASSWORD, agreement: bool = True
) -> str:
    """A new user of ``org_id`` holding the organization's role, with a current
    confidentiality agreement unless ``agreement=False`` (SEC-4); returns the username."""
    username = f"{prefix}.{uuid.uuid4().hex[:8]}"
    bureau = {"Authorization": f"Bearer {pdo.token('org-370300-bureau')}"}
    answer = httpx.post(
        pdo.url(f"/identity/organizations/{org_id}/users"),
        headers=bureau,
        json={"username": username, "password": password},
        timeout=30,
    )
    if answer.status_code != 201:
        raise RuntimeError(f"creating {username}: {answer.status_code} {answer.text}")
    if agreement:
        today = date.today()
        recorded = httpx.post(
            pdo.url(f"/identity/users/{username}/staff-records"),
            headers=bureau,
            json={
                "kind": "confidentiality",
                "valid_from": (today - timedelta(days=1)).isoformat(),
                "valid_until": (today + timedelta(days=365)).isoformat(),
                "reference": "保密协议（测试）",
            },
            timeout=30,
        )
        if recorded.status_code != 201:
            raise RuntimeError(f"agreement of {username}: {recorded.status_code} {recorded.text}")
    return username
