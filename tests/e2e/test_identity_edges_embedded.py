"""Identity refusals at the HTTP edge in embedded mode: each is an RFC 9457 problem naming
the rule that refused it, and nothing changes (checked by reading back over HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.clock import FixedClock
from libs.http.gateway import gateway
from services.identity.commands import login
from tests.e2e.test_identity_lifecycle_embedded import (
    DEVELOPER_CODE,
    OPERATOR_CODE,
    PASSWORD,
    RIVAL_CODE,
    START,
    IdentityDriver,
    application_body,
    identity_platform,
    today,
)

COUNTY_BUREAU = Principal(
    user_id="u-zd", org_id="org-370303-bureau", role=Role.BUREAU, region="370303"
)
OTHER_CITY_BUREAU = Principal(
    user_id="u-jn", org_id="org-370100-bureau", role=Role.BUREAU, region="370100"
)
PROVIDER = Principal(user_id="u-tax", org_id="org-370300-tax", role=Role.PROVIDER, region="370300")
DEVELOPER = Principal(user_id="u-dev", org_id="org-dev", role=Role.DEVELOPER, region="370300")


@pytest.fixture
async def d(tmp_path: Path) -> AsyncIterator[IdentityDriver]:
    clock = FixedClock(START)
    p = identity_platform(tmp_path, clock)
    async with AsyncTestClient(app=gateway(p)) as client:
        yield IdentityDriver(p, client, clock)


async def org_count(d: IdentityDriver) -> int:
    page = await d.call("GET", "/organizations", await d.bureau())
    return int(page["total"])


async def publicized(d: IdentityDriver) -> tuple[str, str, dict[str, str]]:
    operator_org, operator = await d.party("运营公司", "operator", OPERATOR_CODE, "op.admin")
    auth_id = await d.tender()
    await d.apply(auth_id, operator, OPERATOR_CODE)
    await d.select(auth_id, {operator_org: 90.0})
    return auth_id, operator_org, operator


async def drafted(d: IdentityDriver, **draft: Any) -> str:
    auth_id, _, _ = await publicized(d)
    d.clock.advance(timedelta(days=8))
    await d.sweep()
    await d.draft(auth_id, starts_on=today(d.clock) + timedelta(days=1), **draft)
    return auth_id


@pytest.mark.parametrize(
    ("code", "named"),
    [
        ("91350100M000100Y4", "length must be 18"),
        ("91350100M000100Y4O", "forbidden character 'O' at position 18"),
        ("91350100M0001I0Y43", "forbidden character 'I'"),
        ("91350100M000100Y53", "organization code check digit"),
        ("91350100M000100Y44", "final check character"),
    ],
    ids=["length", "forbidden-O", "forbidden-I", "org-code-check-digit", "final-check-character"],
)
async def test_invalid_credit_code_is_refused_naming_the_failed_rule(
    d: IdentityDriver, code: str, named: str
) -> None:
    body = {"name": "某公司", "role": "operator", "region": "370300", "credit_code": code}
    problem = await d.call("POST", "/organizations", await d.bureau(), body, expect=422)
    assert named in problem["detail"] and problem["rule"] == "GB 32100-2015"
    assert problem["errors"][0]["field"] == "credit_code"
    assert await org_count(d) == 0


@pytest.mark.parametrize(
    ("region", "named"),
    [
        ("379900", "not a city of 山东省"),
        ("990000", "no province"),
        ("37030", "six-digit"),
        ("370399", "not a district or county of 淄博市"),
    ],
)
async def test_unknown_region_is_refused(d: IdentityDriver, region: str, named: str) -> None:
    body = {"name": "某公司", "role": "operator", "region": region, "credit_code": OPERATOR_CODE}
    problem = await d.call("POST", "/organizations", await d.bureau(), body, expect=422)
    assert named in problem["detail"] and problem["rule"] == "GB/T 2260"
    assert await org_count(d) == 0


async def test_a_county_organization_belongs_to_its_city(d: IdentityDriver) -> None:
    county = await d.register("张店区数据公司", "developer", DEVELOPER_CODE, region="370303")
    seen = await d.call("GET", f"/organizations/{county}", await d.bearer(COUNTY_BUREAU))
    assert seen["region"] == "370303"
    city_org = await d.register("市级公司", "operator", OPERATOR_CODE)
    refused = await d.call(
        "GET", f"/organizations/{city_org}", await d.bearer(COUNTY_BUREAU), expect=403
    )
    assert "jurisdiction" in refused["detail"]


async def test_duplicate_registration_is_a_conflict(d: IdentityDriver) -> None:
    await d.register("运营公司", "operator", OPERATOR_CODE)
    body = {
        "name": "同一公司",
        "role": "operator",
        "region": "370300",
        "credit_code": OPERATOR_CODE,
    }
    await d.call("POST", "/organizations", await d.bureau(), body, expect=409)
    assert await org_count(d) == 1


async def test_forged_and_expired_tokens_are_401_and_change_nothing(d: IdentityDriver) -> None:
    body = {"title": "遴选", "selection_mode": "public_tender"}
    good = (await d.bureau())["Authorization"]
    forged = {"Authorization": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")}
    problem = await d.call("POST", "/authorizations", forged, body, expect=401)
    assert problem["type"] == "/problems/http-401"
    short = await d.bearer(
        Principal(user_id="u", org_id="org-370300-bureau", role=Role.BUREAU, region="370300"),
        ttl=60,
    )
    d.clock.advance(timedelta(minutes=5))
    expired = await d.call("POST", "/authorizations", short, body, expect=401)
    assert "expired" in expired["detail"]
    none = await d.call("POST", "/authorizations", {}, body, expect=401)
    assert none["status"] == 401
    assert (await d.call("GET", "/authorizations", await d.bureau()))["total"] == 0


async def test_a_token_of_another_region_is_403(d: IdentityDriver) -> None:
    auth_id, _, _ = await publicized(d)
    other = await d.bearer(OTHER_CITY_BUREAU)
    refused = await d.call("GET", f"/authorizations/{auth_id}", other, expect=403)
    assert "370100" in refused["detail"]
    await d.call(
        "POST",
        "/organizations",
        other,
        {"name": "x", "role": "operator", "region": "370100", "credit_code": RIVAL_CODE},
        expect=403,
    )
    # a county bureau on the city platform: object-level 403 on the city's authorization
    county = await d.bearer(COUNTY_BUREAU)
    await d.call("GET", f"/authorizations/{auth_id}", county, expect=403)
    await d.call("POST", f"/authorizations/{auth_id}/applications/close", county, expect=403)
    listed = await d.call("GET", "/authorizations", county)
    assert listed["total"] == 0
    assert (await d.get(auth_id))["state"] == "publicized"


async def test_a_developer_calling_a_bureau_endpoint_is_403(d: IdentityDriver) -> None:
    developer = await d.bearer(DEVELOPER)
    body = {"name": "x", "role": "operator", "region": "370300", "credit_code": OPERATOR_CODE}
    problem = await d.call("POST", "/organizations", developer, body, expect=403)
    assert "developer" in problem["detail"]
    await d.call("POST", "/sweeps", developer, expect=403)
    await d.call("PATCH", "/jurisdictions/370300", developer, {"max_term_years": 5}, expect=403)
    assert await org_count(d) == 0


async def test_AUTH_1_a_provider_cannot_authorize_an_operator(d: IdentityDriver) -> None:
    provider = await d.bearer(PROVIDER)
    problem = await d.call(
        "POST",
        "/authorizations",
        provider,
        {"title": "自行授权", "selection_mode": "public_tender"},
        expect=403,
    )
    assert problem["rule"] == "AUTH-1" and "AUTH-1" in problem["detail"]
    auth_id = await drafted(d)
    provider = await d.bearer(PROVIDER)  # the clock moved a week
    refused = await d.call(
        "POST", f"/authorizations/{auth_id}/agreement/signature", provider, expect=403
    )
    assert refused["rule"] == "AUTH-1"
    assert (await d.get(auth_id))["state"] == "drafted"
    assert (await d.call("GET", "/authorizations", await d.bureau()))["total"] == 1


async def test_AUTH_2_signing_during_the_publicity_period_is_refused(d: IdentityDriver) -> None:
    auth_id, _, _ = await publicized(d)
    problem = await d.sign(auth_id, expect=409, prepare=False)
    assert problem["rule"] == "AUTH-2" and "publicized" in problem["detail"]
    refused = await d.call(
        "PUT",
        f"/authorizations/{auth_id}/agreement",
        await d.bureau(),
        {"starts_on": "2026-04-01", "ends_on": "2029-03-31", "sections": {}},
        expect=409,
    )
    assert refused["rule"] == "AUTH-2"
    after = await d.get(auth_id)
    assert after["state"] == "publicized" and after["agreement"] is None


async def test_AUTH_2_objections_are_only_heard_during_publicity(d: IdentityDriver) -> None:
    auth_id, _, operator = await publicized(d)
    # AUTH-2: published at 09:00 (Beijing), 7 days: the period ends at 24:00 of day 7.
    d.clock.advance(timedelta(days=7, hours=15, minutes=1))
    operator = await d.login("op.admin")
    late = await d.call(
        "POST",
        f"/authorizations/{auth_id}/objections",
        operator,
        {"grounds": "迟到的异议"},
        expect=422,
    )
    assert late["rule"] == "AUTH-2"
    assert (await d.get(auth_id))["objections"] == []


async def test_AUTH_2_invited_tender_refuses_an_uninvited_operator(
    d: IdentityDriver, tmp_path: Path
) -> None:
    """000 §3 (淄博): “以公开招标方式选择运营机构” — Zibo refuses an invited tender; 001
    art.12(三) (潍坊): “以公开招标、邀请招标、谈判等公平竞争方式” — Weifang holds one, open to
    its invitees only."""
    zibo = await d.call(
        "POST",
        "/authorizations",
        await d.bureau(),
        {"title": "邀请招标", "selection_mode": "invited_tender", "invited_org_ids": ["x"]},
        expect=422,
    )
    assert zibo["rule"] == "AUTH-2" and "public_tender" in zibo["detail"]
    clock = FixedClock(START)
    (tmp_path / "weifang").mkdir()
    p = identity_platform(tmp_path / "weifang", clock, region="370700")
    async with AsyncTestClient(app=gateway(p)) as client:
        w = IdentityDriver(p, client, clock, region="370700")
        invited_org, invited = await w.party("受邀公司", "operator", OPERATOR_CODE, "op.admin")
        _, outsider = await w.party("未受邀公司", "operator", RIVAL_CODE, "rival.admin")
        auth_id = await w.tender(selection_mode="invited_tender", invited_org_ids=[invited_org])
        refused = await w.call(
            "POST",
            f"/authorizations/{auth_id}/applications",
            outsider,
            application_body(RIVAL_CODE),
            expect=403,
        )
        assert refused["rule"] == "AUTH-2"
        await w.apply(auth_id, invited, OPERATOR_CODE)
        assert [a["org_id"] for a in (await w.get(auth_id))["applications"]] == [invited_org]
        no_invitees = await w.call(
            "POST",
            "/authorizations",
            await w.bureau(),
            {"title": "谈判", "selection_mode": "competitive_negotiation"},
            expect=422,
        )
        assert no_invitees["rule"] == "AUTH-2"


async def test_AUTH_3_zibos_term_is_fixed_at_three_years_and_cannot_be_raised(
    d: IdentityDriver,
) -> None:
    """000 §3.2: “授权运营协议有效期为3年” — a 4-year draft is refused, and the Zibo bureau
    cannot raise its own term to 5 (nor can a county); a 3-year redraft signs."""
    auth_id = await drafted(d, years=4)
    problem = await d.sign(auth_id, expect=422)
    assert problem["rule"] == "AUTH-3" and "3-year fixed term" in problem["detail"]
    assert (await d.get(auth_id))["state"] == "drafted"
    county = await d.bearer(COUNTY_BUREAU)
    await d.call("PATCH", "/jurisdictions/370300", county, {"max_term_years": 5}, expect=403)
    for years in (5, 9):
        raised = await d.call(
            "PATCH",
            "/jurisdictions/370300",
            await d.bureau(),
            {"max_term_years": years},
            expect=422,
        )
        assert raised["rule"] == "AUTH-3"
    settings = await d.call("GET", "/jurisdictions/370303", county)
    assert settings["max_term_years"] == 3 and settings["fixed_term"] is True
    await d.draft(auth_id, starts_on=today(d.clock) + timedelta(days=1), years=3)
    assert (await d.sign(auth_id))["state"] == "active"


async def test_AUTH_3_weifang_defaults_to_five_years(tmp_path: Path) -> None:
    clock = FixedClock(START)
    p = identity_platform(tmp_path, clock, region="370700")
    async with AsyncTestClient(app=gateway(p)) as client:
        weifang = IdentityDriver(p, client, clock, region="370700")
        settings = await weifang.call("GET", "/jurisdictions/370700", await weifang.bureau())
        assert settings["max_term_years"] == 5


async def test_jurisdiction_settings_are_read_within_the_jurisdiction(d: IdentityDriver) -> None:
    assert (await d.call("GET", "/jurisdictions/370300", await d.bureau()))["max_term_years"] == 3
    county = await d.bearer(COUNTY_BUREAU)
    assert (await d.call("GET", "/jurisdictions/370300", county))["region"] == "370300"
    await d.call("GET", "/jurisdictions/370302", county, expect=403)  # a neighbouring district
    await d.call("GET", "/jurisdictions/370700", await d.bureau(), expect=403)
    unknown = await d.call("GET", "/jurisdictions/379900", await d.bureau(), expect=422)
    assert unknown["rule"] == "GB/T 2260"


async def test_AUTH_4_signing_is_refused_while_a_section_is_missing(d: IdentityDriver) -> None:
    auth_id = await drafted(d, liability="", dispute_resolution="  ")
    draft = await d.get(auth_id)
    assert draft["missing_sections"] == ["liability", "dispute_resolution"]
    problem = await d.sign(auth_id, expect=422)
    assert problem["rule"] == "AUTH-4"
    assert "liability" in problem["detail"] and "dispute_resolution" in problem["detail"]
    assert (await d.get(auth_id))["state"] == "drafted"


async def test_AUTH_9_application_missing_a_qualification_is_refused(d: IdentityDriver) -> None:
    _, operator = await d.party("运营公司", "operator", OPERATOR_CODE, "op.admin")
    auth_id = await d.tender()
    body = application_body(OPERATOR_CODE)
    body["qualifications"]["no_security_incident_3_years"] = False
    problem = await d.call(
        "POST", f"/authorizations/{auth_id}/applications", operator, body, expect=422
    )
    assert problem["rule"] == "AUTH-9"
    assert problem["errors"][0]["field"] == "qualifications.no_security_incident_3_years"
    foreign = await d.call(
        "POST",
        f"/authorizations/{auth_id}/applications",
        operator,
        application_body(RIVAL_CODE),
        expect=422,
    )
    assert foreign["rule"] == "AUTH-9" and "registered" in foreign["detail"]
    assert (await d.get(auth_id))["applications"] == []


async def test_AUTH_10_a_second_whole_authorization_is_refused_an_individual_one_is_not(
    d: IdentityDriver,
) -> None:
    operator_org, operator = await d.party("运营公司", "operator", OPERATOR_CODE, "op.admin")
    await d.active_agreement(operator, operator_org, OPERATOR_CODE)
    operator = await d.login("op.admin")
    second = await d.tender()
    await d.apply(second, operator, OPERATOR_CODE)
    await d.select(second, {operator_org: 80.0})
    d.clock.advance(timedelta(days=8))
    await d.sweep()
    await d.draft(second, starts_on=today(d.clock) + timedelta(days=1))
    refused = await d.sign(second, expect=409)
    assert refused["rule"] == "AUTH-10"
    individual = await d.tender(mode="individual", resources=["企业纳税信息"])
    operator = await d.login("op.admin")
    await d.apply(individual, operator, OPERATOR_CODE)
    await d.select(individual, {operator_org: 80.0})
    d.clock.advance(timedelta(days=8))
    await d.sweep()
    await d.draft(individual, starts_on=today(d.clock) + timedelta(days=1))
    assert (await d.sign(individual))["state"] == "active"


async def test_sign_in_is_throttled_per_username_and_address_with_growing_delays(
    d: IdentityDriver,
) -> None:
    org_id = await d.register("运营公司", "operator", OPERATOR_CODE)
    await d.user(org_id, "op.admin")
    for _ in range(5):
        wrong = await d.call(
            "POST",
            "/tokens",
            {},
            {"grant_type": "password", "username": "op.admin", "password": "wrong-password!"},
            expect=401,
        )
        assert wrong["detail"] == "the credentials are not valid"
    response = await d.http.post(
        "/identity/tokens",
        json={"grant_type": "password", "username": "op.admin", "password": PASSWORD},
    )
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "1"  # the first delay after five free failures
    d.clock.advance(timedelta(seconds=1))
    await d.call(
        "POST",
        "/tokens",
        {},
        {"grant_type": "password", "username": "op.admin", "password": "wrong-password!"},
        expect=401,
    )
    doubled = await d.http.post(
        "/identity/tokens",
        json={"grant_type": "password", "username": "op.admin", "password": PASSWORD},
    )
    assert doubled.status_code == 429 and doubled.headers["retry-after"] == "2"
    d.clock.advance(timedelta(seconds=2))
    assert (await d.login("op.admin"))["Authorization"].startswith("Bearer ")


async def test_failures_from_elsewhere_never_lock_a_person_out_of_their_own_account(
    d: IdentityDriver,
) -> None:
    org_id = await d.register("运营公司", "operator", OPERATOR_CODE)
    await d.user(org_id, "op.admin")
    ctx = d.platform.running["identity"].ctx
    failed = 0
    while failed < 14:  # an attacker guesses the administrator's password, waiting each delay
        try:
            await login.password_grant(
                ctx, username="op.admin", password="guess", role=None, address="203.0.113.9"
            )
        except login.InvalidCredentials:
            failed += 1
        except login.Throttled as wait:
            d.clock.advance(timedelta(seconds=wait.retry_after))
    with pytest.raises(login.Throttled) as attacker:
        await login.password_grant(
            ctx, username="op.admin", password=PASSWORD, role=None, address="203.0.113.9"
        )
    assert attacker.value.retry_after == 512  # doubled nine times after five free failures
    own = await login.password_grant(
        ctx, username="op.admin", password=PASSWORD, role=None, address="198.51.100.7"
    )
    assert own.principal.user_id == "op.admin"
    assert (await d.login("op.admin"))["Authorization"].startswith("Bearer ")


async def test_one_address_guessing_across_usernames_is_slowed_down(d: IdentityDriver) -> None:
    org_id = await d.register("运营公司", "operator", OPERATOR_CODE)
    await d.user(org_id, "op.admin")
    for i in range(20):  # unknown usernames answer exactly like wrong passwords
        unknown = await d.call(
            "POST",
            "/tokens",
            {},
            {"grant_type": "password", "username": f"nobody{i}", "password": "x"},
            expect=401,
        )
        assert unknown["detail"] == "the credentials are not valid"
    blocked = await d.http.post(
        "/identity/tokens",
        json={"grant_type": "password", "username": "op.admin", "password": PASSWORD},
    )
    assert blocked.status_code == 429 and blocked.headers["retry-after"] == "1"
    ctx = d.platform.running["identity"].ctx
    elsewhere = await login.password_grant(
        ctx, username="op.admin", password=PASSWORD, role=None, address="198.51.100.7"
    )
    assert elsewhere.principal.user_id == "op.admin"


async def test_user_rules_are_enforced(d: IdentityDriver) -> None:
    org_id = await d.register("运营公司", "operator", OPERATOR_CODE)
    bureau = await d.bureau()
    short = await d.call(
        "POST",
        f"/organizations/{org_id}/users",
        bureau,
        {"username": "op.admin", "password": "short"},
        expect=422,
    )
    assert short["errors"][0]["field"] == "password"
    foreign = await d.call(
        "POST",
        f"/organizations/{org_id}/users",
        bureau,
        {"username": "op.admin", "password": PASSWORD, "roles": ["bureau"]},
        expect=403,
    )
    assert "bureau" in foreign["detail"]
    await d.user(org_id, "op.admin")
    await d.call(
        "POST",
        f"/organizations/{org_id}/users",
        bureau,
        {"username": "op.admin", "password": PASSWORD},
        expect=409,
    )
    token = await d.call(
        "POST",
        "/tokens",
        {},
        {"grant_type": "password", "username": "op.admin", "password": PASSWORD},
    )
    assert token["role"] == "operator" and token["org_id"] == org_id and token["region"] == "370300"


async def test_DEV_1_admission_refusals(d: IdentityDriver) -> None:
    operator_org = await d.register("运营公司", "operator", OPERATOR_CODE)
    _, developer = await d.party("数据商", "developer", DEVELOPER_CODE, "dev.admin")
    body = {
        "operator_org_id": operator_org,
        "data_management_capability": "设有数据管理部门，制度健全",
        "security_capability": "通过等保三级测评，制度健全",
        "no_security_incident_3_years": True,
        "good_standing": True,
    }
    unauthorized = await d.call("POST", "/admissions", developer, body, expect=422)
    assert (
        unauthorized["rule"] == "DEV-1" and "no authorization agreement" in unauthorized["detail"]
    )
    incident = await d.call(
        "POST",
        "/admissions",
        developer,
        {**body, "no_security_incident_3_years": False},
        expect=422,
    )
    assert incident["rule"] == "DEV-1"
    assert await d.call("GET", "/admissions", developer) == []


async def test_AUTH_11_AUTH_12_SEC_2_signing_waits_for_what_must_be_on_record(
    d: IdentityDriver,
) -> None:
    """000 §3.2: “经市大数据局‘三重一大’决策机制审议通过”; 001 art.15: “涉及收益分配的内容，
    需征求同级财政部门的意见”; 001 art.11: “实施方案经本级人民政府…审议通过后…在20个工作日内
    报省级数据管理部门备案”; 001 art.32: “实施单位应会同有关部门制定安全事件应急预案”."""
    auth_id = await drafted(d)
    assert (await d.sign(auth_id, expect=422, prepare=False))["rule"] == "AUTH-11"
    bureau = await d.bureau()
    rejected = await d.call(
        "POST",
        f"/authorizations/{auth_id}/agreement/collective-decision",
        bureau,
        {"meeting": "局党组会议", "decided_on": today(d.clock).isoformat(), "approved": False},
    )
    assert rejected["collective_decision"]["approved"] is False
    assert (await d.sign(auth_id, expect=422, prepare=False))["rule"] == "AUTH-11"
    provider = await d.bearer(PROVIDER)
    await d.call(
        "POST",
        f"/authorizations/{auth_id}/agreement/finance-opinion",
        provider,
        {"department": "市财政局", "opinion": "同意", "given_on": today(d.clock).isoformat()},
        expect=403,
    )
    await d.decide(auth_id)
    assert (await d.sign(auth_id, expect=422, prepare=False))["rule"] == "AUTH-12"

    path = f"/implementation-plans/{d.region}"
    await d.call(
        "PUT",
        path,
        bureau,
        {"modes": ["domain"], "revenue_sharing": "按贡献分配", "summary": "分领域授权"},
    )
    approved_on = today(d.clock)
    await d.call(
        "POST",
        f"{path}/approval",
        bureau,
        {"meeting": "市政府常务会议", "decided_on": str(approved_on)},
    )
    problem = await d.sign(auth_id, expect=422, prepare=False)
    assert problem["rule"] == "AUTH-12" and problem["errors"][0]["field"] == "mode"
    changed = await d.call(
        "PUT",
        path,
        bureau,
        {"modes": ["whole"], "revenue_sharing": "按贡献分配", "summary": "整体授权"},
    )
    assert changed["pending_approval"] is True and changed["approved_version"] == 1
    assert (await d.sign(auth_id, expect=422, prepare=False))["rule"] == "AUTH-12"
    await d.call(
        "POST",
        f"{path}/approval",
        bureau,
        {"meeting": "市政府常务会议", "decided_on": str(approved_on)},
    )
    plan = await d.call("GET", path, bureau)
    assert plan["approved_version"] == 2 and plan["filing_overdue"] is False
    assert plan["filing_due_on"] > str(approved_on)

    problem = await d.sign(auth_id, expect=422, prepare=False)
    assert problem["rule"] == "SEC-2"
    await d.emergency_plan(auth_id)
    assert (await d.sign(auth_id, prepare=False))["state"] == "active"

    d.clock.advance(timedelta(days=40))  # 20 working days passed without a filing
    late = await d.call("GET", path, await d.bureau())
    assert late["filing_overdue"] is True


async def test_SEC_3_jurisdiction_settings_name_the_bureau_that_changed_them(
    d: IdentityDriver,
) -> None:
    """谁运营谁负责: the stored settings name the bureau that changed them."""
    assert d.platform is not None
    changed = await d.call(
        "PATCH", "/jurisdictions/370300", await d.bureau(), {"publicity_days": 10}
    )
    assert changed["publicity_days"] == 10
    stored = await d.platform.running["identity"].store.get("jurisdictions", "370300")
    assert stored is not None and stored["set_by_org_id"] == "org-370300-bureau"
    again = await d.call("GET", "/jurisdictions/370300", await d.bureau())
    assert again["publicity_days"] == 10 and "set_by_org_id" not in again


async def test_SEC_3_an_implementation_plan_names_the_bureau_that_recorded_it(
    d: IdentityDriver,
) -> None:
    """谁运营谁负责: the region's plan names its bureau, through draft, approval and filing."""
    assert d.platform is not None
    plan = await d.implementation_plan()
    assert plan["approved_version"] == 1
    stored = await d.platform.running["identity"].store.get("implementation_plans", d.region)
    assert stored is not None and stored["bureau_org_id"] == f"org-{d.region}-bureau"
    assert (await d.call("GET", f"/implementation-plans/{d.region}", await d.bureau()))[
        "filing_overdue"
    ] is False
