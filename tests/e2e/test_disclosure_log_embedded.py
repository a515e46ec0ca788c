"""Disclosure end to end, embedded: public events become records in the transparency log
(DIS-1), tree heads are signed and proofs served over public HTTP (DIS-3), a redelivered
event never adds a second leaf, and bad parameters are problems naming them (400 when
malformed, 422 when well-formed but beyond the log as it stands)."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from litestar.testing import AsyncTestClient

from contracts.canonical import canonical_json
from contracts.envelope import SYSTEM_ACTOR, Envelope
from contracts.events import ApplicationDecided, DisclosurePublished, TreeHeadSigned
from libs.http.gateway import gateway
from services.disclosure.adapters.log_repository import HEAD_ID, STATE, StoredLog
from services.disclosure.commands.tree_heads import (
    TREE_HEADS,
    SplitViewDetected,
    sign_tree_head,
)
from services.disclosure.commands.tree_heads import to_doc as tree_head_doc
from services.disclosure.domain.public_record import PublicRecord
from services.disclosure.domain.transparency_log import (
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from services.disclosure.domain.tree_head import TreeHead, signed_bytes
from tests.support.disclosure import (
    public_events,
    publish,
    publish_all,
    published,
    signed_size,
)
from tests.support.platform import eventually, platform

EVENTS = public_events()


async def _records(client: AsyncTestClient[Any], total: int) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        body: dict[str, Any] = (await client.get("/disclosure/records/?limit=200")).json()
        return body if body["total"] >= total else None

    return await eventually(probe)


async def test_DIS_1_public_events_become_records_in_the_log(tmp_path: Path) -> None:
    p = platform(tmp_path, services=("disclosure",))
    async with AsyncTestClient(app=gateway(p)) as client:
        rejected = ApplicationDecided(
            application_id="app-9",
            scenario_id="scn-9",
            developer_org_id="org-dev-9",
            decision="rejected",
            reason="不符合最小必要",
        )
        await publish(p, rejected, subject="app-9")  # a rejection is not disclosed
        envelopes = await publish_all(p, EVENTS)
        page = await _records(client, len(EVENTS))
        assert page["total"] == len(EVENTS)
        items = page["items"]
        assert [i["record_id"] for i in items] == [str(e.event_id) for e in envelopes]
        assert [i["leaf_index"] for i in items] == list(range(len(EVENTS)))
        assert [i["kind"] for i in items] == [
            "authorization",
            "resource",
            "scenario",
            "scenario_approval",
            "grant",
            "product",
            "price",
            "authorization",
            "resource",
        ]
        for item in items:  # the leaf is the record's canonical JSON, hashed with 0x00
            assert item["leaf_hash"] == leaf_hash(canonical_json(item["record"])).hex()

        agreement = items[0]["record"]["content"]
        assert agreement["operator_org_id"] == "org-370300-operator"
        assert (agreement["starts_on"], agreement["ends_on"]) == ("2026-01-01", "2028-12-31")
        assert agreement["resource_scope"] == ["res-tax"]

        grants = (await client.get("/disclosure/records/?kind=grant")).json()
        assert grants["total"] == 1
        grant = grants["items"][0]["record"]["content"]
        assert grant["resources"] == [
            {"resource_id": "res-tax", "items": ["credit_code", "tax_paid_fen"]}
        ]
        assert "row_filter" not in str(grants) and "370303" not in str(grants)
        assert "tokenize" not in str(grants)

        product = items[5]["record"]["content"]
        assert product["registration_code"] == "370300P000001"
        assert "answers" not in str(items[5])  # the verification spec stays inside

        one = (await client.get(f"/disclosure/records/{envelopes[2].event_id}")).json()
        assert one["record"]["content"]["name"] == "普惠金融信用评估"
        assert one["leaf_index"] == 2
        missing = await client.get("/disclosure/records/no-such-record")
        assert missing.status_code == 404

        bad = await client.get("/disclosure/records/?kind=secrets")
        assert bad.status_code == 400
        assert [e["field"] for e in bad.json()["errors"]] == ["kind"]
        paged = (await client.get("/disclosure/records/?offset=7&limit=5")).json()
        assert [i["leaf_index"] for i in paged["items"]] == [7, 8]

        async def records_out() -> list[int] | None:
            found = published(p, "disclosure.published")
            indexes = [
                e.payload.leaf_index for e in found if isinstance(e.payload, DisclosurePublished)
            ]
            return indexes if len(indexes) >= len(EVENTS) else None

        assert sorted(await eventually(records_out)) == list(range(len(EVENTS)))

        # Tree heads are signed per batch of appends, not per record.
        await signed_size(client, len(EVENTS))

        async def last_head_out() -> list[int] | None:
            found = published(p, "log.tree-head")
            sizes = [e.payload.tree_size for e in found if isinstance(e.payload, TreeHeadSigned)]
            return sizes if sizes and sizes[-1] == len(EVENTS) else None

        sizes = await eventually(last_head_out)
        assert sizes == sorted(set(sizes)) and len(sizes) < len(EVENTS)


async def test_DIS_3_tree_heads_are_signed_and_every_proof_verifies(tmp_path: Path) -> None:
    p = platform(tmp_path, services=("disclosure",))
    async with AsyncTestClient(app=gateway(p)) as client:
        assert (await client.get("/disclosure/log/tree-head")).status_code == 404
        for payload, subject in EVENTS[:3]:
            await publish(p, payload, subject=subject)
        early = await signed_size(client, 3)
        await publish_all(p, EVENTS[3:])
        late = await signed_size(client, len(EVENTS))
        assert early["tree_size"] < late["tree_size"] == len(EVENTS)

        key_doc = (await client.get("/disclosure/log/public-key")).json()
        assert key_doc["key_id"] == late["key_id"] == "disclosure-log:v1"
        assert key_doc["jwk"]["kty"] == "OKP" and "d" not in key_doc["jwk"]
        key = load_pem_public_key(key_doc["public_key_pem"].encode())
        assert isinstance(key, Ed25519PublicKey)
        for head in (early, late):  # each head is signed over RFC 6962's TreeHeadSignature
            root = bytes.fromhex(head["root_hash"])
            message = signed_bytes(head["tree_size"], root, head["timestamp"])
            key.verify(base64.b64decode(head["signature"]), message)

        size, root = late["tree_size"], bytes.fromhex(late["root_hash"])
        for index in range(size):
            entry = (await client.get(f"/disclosure/log/entries/{index}")).json()
            proof = (
                await client.get(f"/disclosure/log/proofs/inclusion?index={index}&tree_size={size}")
            ).json()
            leaf = leaf_hash(canonical_json(entry["record"]))
            assert proof["leaf_hash"] == entry["leaf_hash"] == leaf.hex()
            path = [bytes.fromhex(h) for h in proof["audit_path"]]
            verify_inclusion(index, size, leaf, path, root)
        default = (await client.get("/disclosure/log/proofs/inclusion?index=0")).json()
        assert default["tree_size"] == size  # the latest signed size by default

        first = early["tree_size"]
        consistency = (
            await client.get(f"/disclosure/log/proofs/consistency?first={first}&second={size}")
        ).json()
        verify_consistency(
            first,
            size,
            bytes.fromhex(early["root_hash"]),
            root,
            [bytes.fromhex(h) for h in consistency["consistency_path"]],
        )

        by_size = (await client.get(f"/disclosure/log/tree-heads?tree_size={first}")).json()
        assert [h["root_hash"] for h in by_size["items"]] == [early["root_hash"]]
        recent = (await client.get("/disclosure/log/tree-heads")).json()["items"]
        assert recent[0]["tree_size"] == size

        async def heads_out() -> list[Envelope] | None:
            found = published(p, "log.tree-head")
            sizes = [e.payload.tree_size for e in found if isinstance(e.payload, TreeHeadSigned)]
            return found if size in sizes else None

        events: list[Envelope] = await eventually(heads_out)
        last = events[-1].payload
        assert isinstance(last, TreeHeadSigned)
        assert last.root_hash == late["root_hash"]
        assert last.signature == f"disclosure-log:v1:{late['signature']}"


async def test_DIS_3_a_redelivered_event_never_adds_a_second_leaf(tmp_path: Path) -> None:
    p = platform(tmp_path, services=("disclosure",))
    async with AsyncTestClient(app=gateway(p)) as client:
        payload, subject = EVENTS[0]
        envelope = await publish(p, payload, subject=subject)
        await publish(p, payload, subject=subject, again=envelope)
        await _records(client, 1)
        await signed_size(client, 1)

        # Past the inbox too: the handler's own append is idempotent by record id, even
        # when several appends of one record race.
        stored = StoredLog(p.running["disclosure"].ctx)
        record = PublicRecord(
            record_id=str(envelope.event_id),
            kind="authorization",
            title="again",
            region="370300",
            published_at="2026-03-01T09:00:00+00:00",
            event_type="agreement.signed",
            subject=subject,
            content={},
        )
        assert await stored.append([record], actor=SYSTEM_ACTOR) == []
        other = replace(record, record_id="rec-x", title="x")
        results = await asyncio.gather(
            *(stored.append([other], actor=SYSTEM_ACTOR) for _ in range(5))
        )
        assert sum(len(r) for r in results) == 1
        assert await stored.size() == 2
        page = (await client.get("/disclosure/records/")).json()
        assert page["total"] == 2
        assert [i["record_id"] for i in page["items"]] == [str(envelope.event_id), "rec-x"]


async def test_DIS_3_a_crash_between_commit_and_write_out_is_finished_later(
    tmp_path: Path,
) -> None:
    """Leaves committed to the head but not written out (the process died in between)
    are written out by the next append or by the signer, at the positions committed."""
    p = platform(tmp_path, services=("disclosure",))
    ctx = p.running["disclosure"].ctx
    stored = StoredLog(ctx)

    def record(n: int) -> PublicRecord:
        return PublicRecord(
            record_id=f"rec-{n}",
            kind="resource",
            title=f"r{n}",
            region="370300",
            published_at="2026-03-01T09:00:00+00:00",
            event_type="resource.published",
            subject=f"res-{n}",
            content={"n": n},
        )

    async def skip_write_out() -> None:
        return None

    original = stored.write_out
    stored.write_out = skip_write_out  # type: ignore[method-assign]
    await stored.append([record(0), record(1)], actor=SYSTEM_ACTOR)
    head = await ctx.store.get(STATE, HEAD_ID)
    assert head is not None and head["size"] == 2 and len(head["pending"]) == 2
    assert await stored.size() == 0  # nothing provable yet
    assert await stored.append([record(1)], actor=SYSTEM_ACTOR) == []  # pending counts
    stored.write_out = original  # type: ignore[method-assign]
    added = await stored.append([record(2)], actor=SYSTEM_ACTOR)
    assert [e.index for e in added] == [2]
    assert await stored.size() == 3
    leaves = [await stored.entry(i) for i in range(3)]
    assert [e.record_id for e in leaves if e] == ["rec-0", "rec-1", "rec-2"]
    root = await stored.root(3)
    for i, entry in enumerate(leaves):
        assert entry is not None
        verify_inclusion(i, 3, entry.leaf_hash, await stored.inclusion_proof(i, 3), root)
    await p.stop()


async def test_DIS_3_bad_parameters_are_problems_naming_the_parameter(
    tmp_path: Path,
) -> None:
    p = platform(tmp_path, services=("disclosure",))
    async with AsyncTestClient(app=gateway(p)) as client:
        for payload, subject in EVENTS[:4]:
            await publish(p, payload, subject=subject)
        await signed_size(client, 4)
        # Well-formed but beyond the log as it stands: 422, naming the parameter.
        beyond = {
            "/disclosure/log/proofs/inclusion?index=4&tree_size=4": "index",
            "/disclosure/log/proofs/inclusion?index=0&tree_size=5": "tree_size",
            "/disclosure/log/proofs/consistency?first=3&second=2": "first",
            "/disclosure/log/proofs/consistency?first=1&second=9": "second",
        }
        for url, parameter in beyond.items():
            response = await client.get(url)
            assert response.status_code == 422, (url, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert parameter in response.json()["detail"], url
        cases = {
            "/disclosure/log/proofs/inclusion?index=-1&tree_size=4": "index",
            "/disclosure/log/proofs/inclusion?index=x": "index",
            "/disclosure/log/proofs/inclusion?index=0&tree_size=0": "tree_size",
            "/disclosure/log/proofs/consistency?first=0&second=2": "first",
            "/disclosure/log/proofs/consistency?first=1": "second",
            "/disclosure/log/tree-heads?tree_size=-3": "tree_size",
        }
        for url, parameter in cases.items():
            response = await client.get(url)
            assert response.status_code == 400, (url, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            problem = response.json()
            assert parameter in problem["detail"], url
            if "Missing required" not in problem["detail"]:  # litestar names it in detail
                assert [e["field"] for e in problem["errors"]] == [parameter], url
        assert (await client.get("/disclosure/log/entries/4")).status_code == 404
        assert (await client.get("/disclosure/log/entries/-1")).status_code == 400
        none = (await client.get("/disclosure/log/tree-heads?tree_size=3")).json()
        assert none == {"items": []}


async def test_DIS_3_a_size_is_signed_once_and_a_second_root_for_it_is_an_alarm(
    tmp_path: Path,
) -> None:
    p = platform(tmp_path, services=("disclosure",))
    ctx = p.running["disclosure"].ctx
    stored = StoredLog(ctx)
    assert await sign_tree_head(ctx, stored) is None  # nothing to sign in an empty log
    first = PublicRecord(
        record_id="rec-a",
        kind="resource",
        title="a",
        region="370300",
        published_at="2026-03-01T09:00:00+00:00",
        event_type="resource.published",
        subject="res-a",
        content={},
    )
    await stored.append([first], actor=SYSTEM_ACTOR)
    head = await sign_tree_head(ctx, stored)
    assert head is not None and head.tree_size == 1
    assert await sign_tree_head(ctx, stored) == head  # unchanged size: not signed again
    assert await ctx.store.count(TREE_HEADS) == 1

    # Someone wrote a head of size 2 with another root into the store (a forked log):
    # the signer refuses to publish a second root for that size and raises the alarm.
    await stored.append([replace(first, record_id="rec-b")], actor=SYSTEM_ACTOR)
    forged = TreeHead(2, bytes(32), head.timestamp_ms, head.signature, head.key_id)
    await ctx.store.insert(TREE_HEADS, tree_head_doc(forged))
    with pytest.raises(SplitViewDetected, match="tree size 2"):
        await sign_tree_head(ctx, stored)
    await p.stop()
