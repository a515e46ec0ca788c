"""Identity for real operation (issue 13): ``pdo admin bootstrap`` creates the first bureau
once; the bureau disables and re-enables users; a person changes their password; the
bureau rotates a machine client's secret and the old one is refused at once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from litestar.testing import AsyncTestClient

from libs.clock import FixedClock
from libs.config import load
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.identity.commands import login
from tests.e2e.test_identity_lifecycle_embedded import (
    EXCHANGE_CODE,
    OPERATOR_CODE,
    PASSWORD,
    START,
    IdentityDriver,
    identity_platform,
)

REPO = Path(__file__).resolve().parents[2]
BUREAU_CODE = "11370300MB2850471A"


@pytest.fixture
async def d(tmp_path: Path) -> AsyncIterator[IdentityDriver]:
    clock = FixedClock(START)
    p = identity_platform(tmp_path, clock)
    async with AsyncTestClient(app=gateway(p)) as client:
        yield IdentityDriver(p, client, clock)


def _bootstrap(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PDO_")}
    return subprocess.run(
        [
            sys.executable, "-m", "libs.cli", "admin", "bootstrap",
            "--data-dir", str(data_dir),
            "--name", "淄博市大数据局",
            "--credit-code", BUREAU_CODE,
            "--username", "zibo.admin",
        ],
        cwd=REPO, capture_output=True, text=True, env={**clean, **env}, timeout=120, check=False,
    )  # fmt: skip


async def test_admin_bootstrap_creates_the_first_bureau_once_and_its_password_signs_in(
    tmp_path: Path,
) -> None:
    first = _bootstrap(tmp_path)
    assert first.returncode == 0, first.stderr
    assert "administrator zibo.admin" in first.stdout
    password = first.stdout.split("one-time password (change it at first sign-in): ")[1].strip()
    assert len(password) >= 20
    again = _bootstrap(tmp_path, PDO_BOOTSTRAP_PASSWORD="another-long-password")
    assert again.returncode == 1
    assert "a bureau organization exists already" in again.stderr
    settings = load({"PDO_DATA_DIR": str(tmp_path)}, mode="embedded")
    platform = Platform(settings, ["identity"]).build()
    ctx = platform.running["identity"].ctx
    try:
        issued = await login.password_grant(
            ctx, username="zibo.admin", password=password, role=None, address="127.0.0.1"
        )
        assert issued.principal.role.value == "bureau"
        assert issued.principal.org_id.startswith("org-")
        with pytest.raises(login.InvalidCredentials):
            await login.password_grant(
                ctx,
                username="zibo.admin",
                password="another-long-password",
                role=None,
                address="127.0.0.1",
            )
    finally:
        await platform.running["identity"].store.close()


async def test_admin_bootstrap_takes_the_password_from_the_environment(tmp_path: Path) -> None:
    done = _bootstrap(tmp_path, PDO_BOOTSTRAP_PASSWORD="bureau-first-password-2026")
    assert done.returncode == 0, done.stderr
    assert "one-time password" not in done.stdout
    assert "bureau-first-password-2026" not in done.stdout + done.stderr


async def test_a_disabled_user_cannot_sign_in_until_re_enabled(d: IdentityDriver) -> None:
    org_id = await d.register("运营公司", "operator", OPERATOR_CODE)
    await d.user(org_id, "op.admin")
    await d.login("op.admin")
    bureau = await d.bureau()
    done = await d.call("POST", "/users/op.admin/disable", bureau)
    assert done == {"username": "op.admin", "disabled": True}
    refused = await d.call(
        "POST",
        "/tokens",
        {},
        {"grant_type": "password", "username": "op.admin", "password": PASSWORD},
        expect=403,
    )
    assert "disabled" in refused["detail"] and refused["errors"][0]["field"] == "username"
    await d.call("POST", "/users/op.admin/enable", bureau)
    assert (await d.login("op.admin"))["Authorization"].startswith("Bearer ")


async def test_only_the_bureau_disables_users(d: IdentityDriver) -> None:
    org_id = await d.register("运营公司", "operator", OPERATOR_CODE)
    await d.user(org_id, "op.admin")
    await d.user(org_id, "op.second")
    operator = await d.login("op.admin")
    await d.call("POST", "/users/op.second/disable", operator, expect=403)
    missing = await d.call("POST", "/users/nobody/disable", await d.bureau(), expect=404)
    assert missing["errors"][0]["field"] == "username"


async def test_a_person_changes_their_password_proving_the_current_one(
    d: IdentityDriver,
) -> None:
    org_id = await d.register("运营公司", "operator", OPERATOR_CODE)
    await d.user(org_id, "op.admin")
    me = await d.login("op.admin")
    wrong = await d.call(
        "POST",
        "/users/me/password",
        me,
        {"current_password": "not-it-at-all", "new_password": "a-new-password-2026"},
        expect=403,
    )
    assert wrong["errors"][0]["field"] == "current_password"
    weak = await d.call(
        "POST",
        "/users/me/password",
        me,
        {"current_password": PASSWORD, "new_password": "short"},
        expect=422,
    )
    assert weak["errors"][0]["field"] == "password"
    await d.call(
        "POST",
        "/users/me/password",
        me,
        {"current_password": PASSWORD, "new_password": "a-new-password-2026"},
    )
    await d.call(
        "POST",
        "/tokens",
        {},
        {"grant_type": "password", "username": "op.admin", "password": PASSWORD},
        expect=401,
    )
    assert (await d.login("op.admin", "a-new-password-2026"))["Authorization"]


async def test_a_rotated_client_secret_refuses_the_old_one_at_once(d: IdentityDriver) -> None:
    exchange_org = await d.register("山东数据交易有限公司", "exchange", EXCHANGE_CODE)
    bureau = await d.bureau()
    client = await d.call(
        "POST", f"/organizations/{exchange_org}/clients", bureau, {"name": "交易所"}, expect=201
    )
    grant = {
        "grant_type": "client_credentials",
        "client_id": client["client_id"],
        "client_secret": client["client_secret"],
    }
    await d.call("POST", "/tokens", {}, grant)
    rotated = await d.call("POST", f"/clients/{client['client_id']}/secret", bureau)
    assert rotated["client_secret"] != client["client_secret"]
    await d.call("POST", "/tokens", {}, grant, expect=401)
    fresh = await d.call(
        "POST", "/tokens", {}, {**grant, "client_secret": rotated["client_secret"]}
    )
    assert fresh["scope"]
    operator_org, operator = await d.party("运营公司", "operator", OPERATOR_CODE, "op.admin")
    assert operator_org
    await d.call("POST", f"/clients/{client['client_id']}/secret", operator, expect=403)


async def test_SEC_4_the_bureau_records_training_and_agreements_and_sign_in_carries_them(
    d: IdentityDriver,
) -> None:
    org_id = await d.register("运营公司", "operator", OPERATOR_CODE)
    await d.user(org_id, "op.admin")
    verifier = d.platform.running["identity"].ctx.verifier
    before = await d.login("op.admin")
    person = await verifier.verify(before["Authorization"].removeprefix("Bearer "))
    assert person.staff and person.confidentiality_until is None
    today = d.clock.now().date()
    bureau = await d.bureau()
    agreement = {
        "kind": "confidentiality",
        "valid_from": today.isoformat(),
        "valid_until": today.replace(year=today.year + 1).isoformat(),
        "reference": "保密协议〔2026〕12号",
    }
    done = await d.call("POST", "/users/op.admin/staff-records", bureau, agreement, expect=201)
    assert done["org_id"] == org_id and done["kind"] == "confidentiality"
    training = {**agreement, "kind": "training", "reference": "岗前安全培训合格证 A-17"}
    await d.call("POST", "/users/op.admin/staff-records", bureau, training, expect=201)
    backwards = await d.call(
        "POST",
        "/users/op.admin/staff-records",
        bureau,
        {**agreement, "valid_until": "2000-01-01"},
        expect=422,
    )
    assert backwards["rule"] == "SEC-4" and backwards["errors"][0]["field"] == "valid_until"
    after = await d.login("op.admin")
    person = await verifier.verify(after["Authorization"].removeprefix("Bearer "))
    assert person.confidentiality_until == today.replace(year=today.year + 1)
    own = await d.call("GET", "/users/op.admin/staff-records", after)
    assert sorted(r["kind"] for r in own) == ["confidentiality", "training"]
    not_bureau = await d.call("POST", "/users/op.admin/staff-records", after, agreement, expect=403)
    assert not_bureau["rule"] == "SEC-4"


async def test_SEC_4_a_persons_operations_are_listed_from_the_audit_chain_by_time(
    d: IdentityDriver,
) -> None:
    org_id = await d.register("运营公司", "operator", OPERATOR_CODE)
    await d.user(org_id, "op.admin")
    me = await d.login("op.admin")
    await d.call(
        "POST",
        "/users/me/password",
        me,
        {"current_password": PASSWORD, "new_password": "a-new-password-2026"},
    )
    bureau = await d.bureau()
    listed = await d.call("GET", "/audit/operations?user_id=op.admin", bureau)
    assert [o["action"] for o in listed] == ["login", "user.password"]
    assert all(o["service"] == "identity" and o["org_id"] == org_id for o in listed)
    later = quote((d.clock.now() + timedelta(seconds=1)).isoformat())
    assert await d.call("GET", f"/audit/operations?user_id=op.admin&since={later}", bureau) == []
    until = await d.call("GET", f"/audit/operations?user_id=op.admin&until={later}", bureau)
    assert len(until) == 2
    await d.call("GET", "/audit/operations?user_id=op.admin", me, expect=403)
