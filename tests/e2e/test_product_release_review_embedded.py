"""Who may export and who may decide, in embedded mode: only one's own production sandbox
of a live grant (SBX-1, SBX-2, REQ-5); four eyes (EXP-6); appeals of a rejection
(REQ-6); no re-development of delivered products by the operator's affiliates (EXP-4);
object-level visibility; bad bodies refused at the edge with nothing written."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.runtime import Platform
from tests.support.platform import eventually, platform, token
from tests.support.product_release import (
    AFFILIATE,
    BUREAU,
    COLLEAGUE,
    DEVELOPER,
    OPERATOR,
    OPERATOR_ORG,
    OTHER_DEVELOPER,
    SUPERVISOR,
    appeal,
    appeal_decided,
    approved_export,
    audit_actions,
    certificate_body,
    checked_export,
    decide,
    export_in,
    grant_with_sandboxes,
    request_export,
    revoke,
    service_client,
    table_request,
)

Client = AsyncTestClient[Any]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Platform, Client]]:
    p = platform(tmp_path, services=("product_release",))
    async with service_client(p) as client:
        yield p, client


async def test_SBX_2_a_development_sandbox_export_is_refused(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    await grant_with_sandboxes(p, "grant-dev")
    await request_export(client, dev, table_request("sbx-pro-grant-dev"))  # projection caught up
    refused = await client.post("/exports/", json=table_request("sbx-dev-grant-dev"), headers=dev)
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "SBX-2"


async def test_SBX_2_another_developers_sandbox_is_refused(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    mine, theirs = await token(p, DEVELOPER), await token(p, OTHER_DEVELOPER)
    sandbox = await grant_with_sandboxes(p, "grant-theirs", OTHER_DEVELOPER.org_id)
    await request_export(client, theirs, table_request(sandbox))
    refused = await client.post("/exports/", json=table_request(sandbox), headers=mine)
    assert refused.status_code == 403 and refused.json()["rule"] == "SBX-2"


async def test_REQ_5_a_revoked_grant_exports_nothing(running: tuple[Platform, Client]) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    sandbox = await grant_with_sandboxes(p, "grant-revoked")
    await request_export(client, dev, table_request(sandbox))
    await revoke(p, "grant-revoked")

    async def refused() -> Any:
        response = await client.post("/exports/", json=table_request(sandbox), headers=dev)
        return response if response.status_code == 409 else None

    assert (await eventually(refused)).json()["rule"] == "REQ-5"


async def test_EXP_6_the_requester_can_never_approve(running: tuple[Platform, Client]) -> None:
    p, client = running
    export = await checked_export(p, client, "grant-four-eyes")
    path = f"/exports/{export['export_id']}/decision"
    as_requester = await client.post(
        path, json={"approve": True}, headers=await token(p, DEVELOPER)
    )
    assert as_requester.status_code == 403 and as_requester.json()["rule"] == "EXP-6"
    # the same person holding an operator role is still the requester
    same_person = replace(OPERATOR, user_id=DEVELOPER.user_id)
    twice = await client.post(path, json={"approve": True}, headers=await token(p, same_person))
    assert twice.status_code == 403 and twice.json()["rule"] == "EXP-6"
    colleague = await client.post(path, json={"approve": True}, headers=await token(p, COLLEAGUE))
    assert colleague.status_code == 403 and colleague.json()["rule"] == "EXP-1"
    other_operator = replace(OPERATOR, user_id="u-op-x", org_id="org-other-operator")
    foreign = await client.post(
        path, json={"approve": True}, headers=await token(p, other_operator)
    )
    assert foreign.status_code == 403 and foreign.json()["rule"] == "EXP-1"

    approved = await decide(p, client, export["export_id"], True)
    assert approved.status_code == 200
    assert approved.json()["reviewer_user_id"] == OPERATOR.user_id != DEVELOPER.user_id


async def test_EXP_1_under_domain_authorization_the_industry_authority_decides_not_the_bureau(
    running: tuple[Platform, Client],
) -> None:
    """004 (四): "规定数据产品和服务按照'谁授权、谁审核'的原则进行'出域'的安全性审核"。 Under
    domain authorization (分领域授权) the industry authority reviews in the bureau's place;
    002 §5: "須經運營機構出域合規審核" — the grant's operator, and an operator the service
    does not know for the grant is a refusal, not a pass."""
    from datetime import date

    from contracts.events import AgreementSigned
    from tests.support.product_release import publish

    p, client = running
    health = Principal(
        user_id="u-health-1", org_id="org-370300-health", role=Role.PROVIDER, region="370300"
    )
    await publish(
        p,
        AgreementSigned(
            agreement_id="agr-health",
            operator_org_id=OPERATOR_ORG,
            mode="domain",
            starts_on=date(2026, 1, 1),
            ends_on=date(2028, 12, 31),
            domain="医疗健康",
            industry_authority_org_id=health.org_id,
        ),
        subject="agr-health",
    )
    export = await checked_export(p, client, "grant-health", agreement_id="agr-health")
    path = f"/exports/{export['export_id']}/decision"

    async def bureau_refused() -> Any:
        r = await client.post(path, json={"approve": True}, headers=await token(p, BUREAU))
        return r if r.status_code == 403 else None

    by_bureau = await eventually(bureau_refused)
    assert by_bureau.json()["rule"] == "EXP-1" and health.org_id in by_bureau.json()["detail"]
    by_authority = await client.post(
        path, json={"approve": True, "reason": "领域审核通过"}, headers=await token(p, health)
    )
    assert by_authority.status_code == 200, by_authority.text
    assert by_authority.json()["state"] == "approved"
    assert by_authority.json()["reviewer_user_id"] == health.user_id

    unknown = await checked_export(p, client, "grant-no-operator", operator_org_id="")
    refused = await decide(p, client, unknown["export_id"], True)
    assert refused.status_code == 409 and refused.json()["rule"] == "EXP-1", refused.text
    assert "not known" in refused.json()["detail"]
    by_bureau_unknown = await client.post(
        f"/exports/{unknown['export_id']}/decision",
        json={"approve": True},
        headers=await token(p, BUREAU),
    )
    assert by_bureau_unknown.status_code == 409


async def test_REQ_6_a_rejection_appealed_and_upheld_goes_back_to_review_and_is_approved(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    export = await checked_export(p, client, "grant-appeal")
    export_id = export["export_id"]
    no_reason = await decide(p, client, export_id, False)
    assert no_reason.status_code == 422 and no_reason.json()["rule"] == "EXP-1"
    rejected = await decide(p, client, export_id, False, "用途与场景不符")
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["rejection_reason"] == "用途与场景不符"

    await appeal(p, export_id, "apl-1")
    await export_in(client, dev, export_id, "appealed")
    await appeal_decided(p, export_id, "apl-1", "upheld")
    await export_in(client, dev, export_id, "re_review")
    approved = await decide(p, client, export_id, True)
    assert approved.status_code == 200 and approved.json()["state"] == "approved"


async def test_REQ_6_a_dismissed_appeal_ends_the_request(running: tuple[Platform, Client]) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    export = await checked_export(p, client, "grant-dismissed")
    export_id = export["export_id"]
    await decide(p, client, export_id, False, "超出最小必要")
    await appeal(p, export_id, "apl-2")
    await export_in(client, dev, export_id, "appealed")
    await appeal_decided(p, export_id, "apl-2", "dismissed")
    await export_in(client, dev, export_id, "appeal_dismissed")
    late = await decide(p, client, export_id, True)
    assert late.status_code == 409


async def release(p: Platform, client: Client, export_id: str, developer: Principal) -> str:
    dev = await token(p, developer)
    drafted = await client.post(
        "/products/",
        json={"export_id": export_id, "name": "区县企业数", "kind": "dataset"},
        headers=dev,
    )
    assert drafted.status_code == 201, drafted.text
    product_id: str = drafted.json()["product_id"]
    await client.post(
        f"/products/{product_id}/certificate",
        json=certificate_body(developer.org_id),
        headers=dev,
    )
    bureau = await token(p, BUREAU)
    await client.post(f"/products/{product_id}/filing", json={"accept": True}, headers=bureau)
    released = await client.post(
        f"/products/{product_id}/release", headers=await token(p, OPERATOR)
    )
    assert released.status_code == 200, released.text
    return product_id


async def test_EXP_4_an_operator_affiliate_may_not_redevelop_a_delivered_product(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    first = await approved_export(p, client, "grant-first")
    delivered = await release(p, client, first["export_id"], DEVELOPER)

    declared = await client.post(
        "/affiliations",
        json={
            "org_id": AFFILIATE.org_id,
            "operator_org_id": OPERATOR_ORG,
            "relation": "subsidiary",
        },
        headers=await token(p, BUREAU),
    )
    assert declared.status_code == 201, declared.text
    by_developer = await client.post(
        "/affiliations",
        json={"org_id": "org-x", "operator_org_id": OPERATOR_ORG, "relation": "subsidiary"},
        headers=await token(p, DEVELOPER),
    )
    assert by_developer.status_code == 403

    second = await approved_export(p, client, "grant-affiliate", developer=AFFILIATE)
    refused = await client.post(
        "/products/",
        json={
            "export_id": second["export_id"],
            "name": "再开发",
            "kind": "dataset",
            "derived_from": [delivered],
        },
        headers=await token(p, AFFILIATE),
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "EXP-4"
    first_level = await client.post(
        "/products/",
        json={"export_id": second["export_id"], "name": "一级开发", "kind": "dataset"},
        headers=await token(p, AFFILIATE),
    )
    assert first_level.status_code == 201  # its own first-level product is allowed

    third = await approved_export(p, client, "grant-unrelated", developer=OTHER_DEVELOPER)
    allowed = await client.post(
        "/products/",
        json={
            "export_id": third["export_id"],
            "name": "二级开发",
            "kind": "dataset",
            "derived_from": [delivered],
        },
        headers=await token(p, OTHER_DEVELOPER),
    )
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["derived_from"] == [delivered]


async def test_EXP_1_developers_see_only_their_own_exports_and_products(
    running: tuple[Platform, Client],
) -> None:
    p, client = running
    mine = await approved_export(p, client, "grant-mine")
    theirs = await token(p, OTHER_DEVELOPER)
    assert (await client.get(f"/exports/{mine['export_id']}", headers=theirs)).status_code == 403
    report = await client.get(f"/exports/{mine['export_id']}/report", headers=theirs)
    assert report.status_code == 403
    assert (await client.get("/exports/", headers=theirs)).json()["total"] == 0
    steal = await client.post(
        "/products/",
        json={"export_id": mine["export_id"], "name": "拿来", "kind": "dataset"},
        headers=theirs,
    )
    assert steal.status_code == 403
    for reader in (SUPERVISOR, BUREAU, OPERATOR, DEVELOPER):
        page = (await client.get("/exports/", headers=await token(p, reader))).json()
        assert [e["export_id"] for e in page["items"]] == [mine["export_id"]]
    elsewhere = Principal(user_id="u-x", org_id="org-x", role=Role.BUREAU, region="370100")
    foreign = await client.get(f"/exports/{mine['export_id']}", headers=await token(p, elsewhere))
    assert foreign.status_code == 403
    no_token = await client.get(f"/exports/{mine['export_id']}")
    assert no_token.status_code == 401
    op = await token(p, OPERATOR)
    assert (await client.get("/exports/?state=approved", headers=op)).json()["total"] == 1
    assert (await client.get("/exports/?state=requested", headers=op)).json()["total"] == 0

    drafted = await client.post(
        "/products/",
        json={"export_id": mine["export_id"], "name": "区县企业数", "kind": "dataset"},
        headers=await token(p, DEVELOPER),
    )
    product_id = drafted.json()["product_id"]
    assert (await client.get(f"/products/{product_id}", headers=theirs)).status_code == 403
    assert (await client.get("/products/", headers=theirs)).json()["total"] == 0
    foreign_cert = await client.post(
        f"/products/{product_id}/certificate", json=certificate_body(), headers=theirs
    )
    assert foreign_cert.status_code == 403
    by_operator = await client.post(
        f"/products/{product_id}/filing", json={"accept": True}, headers=op
    )
    assert by_operator.status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "csv"}, "kind"),
        ({"columns": [{"name": "x", "role": "secret"}]}, "columns"),
        ({"sandbox_id": ""}, "sandbox_id"),
        ({"output_name": "x; DROP TABLE y"}, "output_name"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
async def test_EXP_2_a_bad_export_body_is_refused_naming_the_field_and_nothing_is_written(
    running: tuple[Platform, Client], change: dict[str, Any], field: str
) -> None:
    p, client = running
    dev = await token(p, DEVELOPER)
    body = {**table_request("sbx-pro-grant-x"), **change}
    refused = await client.post("/exports/", json=body, headers=dev)
    assert refused.status_code == 400, refused.text
    assert any(field in e["field"] for e in refused.json()["errors"])
    assert (await client.get("/exports/", headers=dev)).json()["total"] == 0
    assert await audit_actions(p) == []
