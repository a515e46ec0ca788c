"""A resource's whole life in embedded mode, through HTTP only: registered, proposed,
approved and published in the operation catalog (CAT-3), changed (CAT-4), one item and
then the whole resource put on the negative list (CAT-2), cancelled (CAT-4) — with the
registration codes, evidence hashes, audit entries and the public listing along the way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Role
from libs.auth.principal import Principal
from libs.http.gateway import gateway
from libs.runtime import Platform
from services.catalog.domain.registration import is_valid_code
from tests.support.platform import TAX, eventually, platform, resource_body, token

BUREAU = Principal(
    user_id="u-bureau-1", org_id="org-370300-bureau", role=Role.BUREAU, region="370300"
)
DEVELOPER = Principal(user_id="u-dev-1", org_id="org-dev-1", role=Role.DEVELOPER, region="370300")


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[tuple[Platform, AsyncTestClient[Any]]]:
    p = platform(tmp_path, ("catalog", "disclosure"))
    async with AsyncTestClient(app=gateway(p)) as client:
        yield p, client


def body_with_id_item() -> dict[str, Any]:
    return resource_body(
        items=[
            {
                "name": "credit_code",
                "type": "string",
                "grade": 2,
                "description": "统一社会信用代码",
            },
            {"name": "tax_paid_fen", "type": "integer", "grade": 3, "description": "实缴税额"},
            {"name": "legal_rep_id", "type": "string", "grade": 4, "description": "法人身份证号"},
        ]
    )


async def test_CAT_3_CAT_4_CAT_2_propose_publish_change_negative_list_cancel(
    running: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = running
    tax, bureau, dev = [await token(p, w) for w in (TAX, BUREAU, DEVELOPER)]

    created = await client.post("/catalog/resources/", json=body_with_id_item(), headers=tax)
    assert created.status_code == 201, created.text
    resource = created.json()
    rid, first_code = resource["resource_id"], resource["registration_code"]
    assert resource["status"] == "registered" and not resource["in_operation_catalog"]
    assert resource["grade"] == 4 and resource["provider_region"] == "370300"
    assert [a["kind"] for a in resource["registrations"]] == ["first"]

    async def searched(query: str, who: dict[str, str] = dev) -> dict[str, Any]:
        r = await client.get(f"/catalog/resources/?{query}", headers=who)
        assert r.status_code == 200, r.text
        page: dict[str, Any] = r.json()
        return page

    async def in_operation_catalog() -> list[str]:
        page = await searched("status=published")
        return [i["resource_id"] for i in page["items"]]

    # CAT-3: proposed, then approved and published by the bureau.
    proposed = await client.post(f"/catalog/resources/{rid}/proposal", headers=tax)
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["status"] == "proposed"
    published = await client.post(f"/catalog/resources/{rid}/publication", headers=bureau)
    assert published.status_code == 200, published.text
    assert published.json()["in_operation_catalog"] is True
    assert await eventually(in_operation_catalog) == [rid]

    # CAT-4: change registration — a new code and evidence hash, still published.
    changed_body = body_with_id_item()
    changed_body["description"] = "全市企业月度纳税汇总(含滞纳金)"
    changed = await client.put(f"/catalog/resources/{rid}", json=changed_body, headers=tax)
    assert changed.status_code == 200, changed.text
    after_change = changed.json()
    assert after_change["registration_code"] != first_code
    assert is_valid_code(after_change["registration_code"])
    assert after_change["evidence_hash"] != resource["evidence_hash"]
    assert after_change["status"] == "published"
    assert [a["kind"] for a in after_change["registrations"]] == ["first", "change"]
    same_again = await client.put(f"/catalog/resources/{rid}", json=changed_body, headers=tax)
    assert same_again.json()["registration_code"] == after_change["registration_code"]

    async def public_description() -> str | None:
        r = await client.get(f"/disclosure/resources/{rid}")
        listed = r.json() if r.status_code == 200 else {}
        text = listed.get("description")
        return text if text == changed_body["description"] else None

    await eventually(public_description)

    # CAT-2: one item on the negative list — withheld from the operation catalog at once.
    item = await client.post(
        "/catalog/negative-list/",
        json={"resource_id": rid, "item_name": "legal_rep_id", "reason": "个人敏感信息"},
        headers=bureau,
    )
    assert item.status_code == 201, item.text
    assert item.json()["item_name"] == "legal_rep_id"
    now = (await client.get(f"/catalog/resources/{rid}", headers=dev)).json()
    assert now["status"] == "published"
    assert now["grantable_items"] == ["credit_code", "tax_paid_fen"]

    # CAT-2: the whole resource on the negative list — out of the operation catalog.
    whole = await client.post(
        "/catalog/negative-list/",
        json={"resource_id": rid, "reason": "涉及公共安全"},
        headers=bureau,
    )
    assert whole.status_code == 201, whole.text
    now = (await client.get(f"/catalog/resources/{rid}", headers=dev)).json()
    assert now["status"] == "negative_listed" and now["grantable_items"] == []
    assert await eventually(lambda: _none_published(in_operation_catalog)) is True
    listing = (await client.get("/catalog/negative-list/", headers=dev)).json()
    assert [(e["resource_id"], e["item_name"]) for e in listing["items"]] == [
        (rid, "legal_rep_id"),
        (rid, None),
    ]
    again = await client.post(f"/catalog/resources/{rid}/proposal", headers=tax)
    assert again.status_code == 422 and again.json()["rule"] == "CAT-2"

    async def publicly_withdrawn() -> bool:
        r = await client.get(f"/disclosure/resources/{rid}")
        return r.status_code == 200 and r.json()["status"] == "withdrawn"

    assert await eventually(publicly_withdrawn)

    # CAT-4: cancellation registration — its own code and hash; the entry ends.
    cancelled = await client.post(
        f"/catalog/resources/{rid}/cancellation", json={"reason": "源系统停用"}, headers=tax
    )
    assert cancelled.status_code == 200, cancelled.text
    final = cancelled.json()
    assert final["status"] == "cancelled"
    codes = [a["registration_code"] for a in final["registrations"]]
    assert [a["kind"] for a in final["registrations"]] == ["first", "change", "cancellation"]
    assert len(set(codes)) == 3 and all(is_valid_code(c) for c in codes)
    assert final["registration_code"] == codes[-1]

    async def gone_from_search() -> bool:
        default = await searched("")
        explicit = await searched("status=cancelled")
        return bool(default["total"] == 0 and explicit["total"] == 1)

    assert await eventually(gone_from_search)

    # Every act is on the audit chain, with its code and evidence hash (CAT-4).
    audit = p.running["catalog"].ctx.audit
    entries = await audit.entries(subject=rid)
    assert [e.action for e in entries] == [
        "resource.register",
        "resource.propose",
        "resource.publish",
        "resource.change",
        "negative_list.add",
        "negative_list.add",
        "resource.cancel",
    ]
    acts = {e.detail["act"]: e.detail for e in entries if "act" in e.detail}
    assert acts["first"]["registration_code"] == first_code
    assert acts["first"]["evidence_hash"] == resource["evidence_hash"]
    assert acts["change"]["registration_code"] == after_change["registration_code"]
    assert acts["change"]["evidence_hash"] == after_change["evidence_hash"]
    assert acts["cancellation"]["registration_code"] == codes[-1]
    assert (await audit.verify()).ok


async def _none_published(probe: Any) -> bool | None:
    return True if await probe() == [] else None


async def test_CAT_3_a_rejected_proposal_says_why_and_may_be_proposed_again(
    running: tuple[Platform, AsyncTestClient[Any]],
) -> None:
    p, client = running
    tax, bureau = await token(p, TAX), await token(p, BUREAU)
    rid = (await client.post("/catalog/resources/", json=resource_body(), headers=tax)).json()[
        "resource_id"
    ]
    await client.post(f"/catalog/resources/{rid}/proposal", headers=tax)
    rejected = await client.post(
        f"/catalog/resources/{rid}/rejection", json={"reason": "缺少数据项说明"}, headers=bureau
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "缺少数据项说明"
    again = await client.post(f"/catalog/resources/{rid}/proposal", headers=tax)
    assert again.json()["status"] == "proposed"
