"""The authorization process disclosed, embedded (DIS-1): identity's tender, selection
result with its publicity period, and an annulment become public records in the
transparency log and rows of the public authorization page, with no sign-in."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient

from contracts.canonical import canonical_json
from contracts.events import SelectionAnnulled, SelectionPublicized, TenderPublished
from libs.http.gateway import gateway
from services.disclosure.domain.transparency_log import leaf_hash
from tests.support.disclosure import publish
from tests.support.platform import eventually, platform


async def test_DIS_1_tenders_selection_results_and_their_publicity_are_disclosed(
    tmp_path: Path,
) -> None:
    """潍坊 001 第二十五条：“建立公共数据资源授权运营情况的披露机制，定期向社会披露授权流程、
    场景的公开征集和结果……接受社会监督”；第十二条（四）：“实施单位向社会公示中标结果”."""
    p = platform(tmp_path, services=("disclosure",))
    async with AsyncTestClient(app=gateway(p)) as client:
        story = [
            TenderPublished(
                authorization_id="auth-1",
                title="淄博市公共数据资源授权运营机构招标公告",
                selection_mode="public_tender",
                mode="whole",
            ),
            SelectionPublicized(
                authorization_id="auth-1",
                operator_org_id="org-370300-operator",
                publicity_ends_at=datetime(2026, 3, 9, 16, 0, tzinfo=UTC),
            ),
            SelectionAnnulled(
                authorization_id="auth-1",
                operator_org_id="org-370300-operator",
                reason="公示期内异议成立",
            ),
        ]
        envelopes = [await publish(p, payload, subject="auth-1") for payload in story]

        async def disclosed() -> dict[str, Any] | None:
            body: dict[str, Any] = (await client.get("/disclosure/records/?kind=selection")).json()
            return body if body["total"] == 3 else None

        page = await eventually(disclosed)
        items = page["items"]
        assert [i["record_id"] for i in items] == [str(e.event_id) for e in envelopes]
        assert [i["record"]["content"]["action"] for i in items] == [
            "tender_published",
            "selection_publicized",
            "selection_annulled",
        ]
        for item in items:  # in the transparency log, as any record
            assert item["leaf_hash"] == leaf_hash(canonical_json(item["record"])).hex()
        assert items[1]["record"]["content"]["publicity_ends_at"] == "2026-03-09T16:00:00+00:00"

        async def on_the_page() -> str | None:
            html = (await client.get("/disclosure/pages/authorizations")).text
            return html if "结果已撤销" in html else None

        html = await eventually(on_the_page)
        assert "淄博市公共数据资源授权运营机构招标公告" in html and "公开招标" in html
        assert "公示期内异议成立" in html
