"""Deletion records and their evidence hash (SBX-7, AUTH-7)."""

from __future__ import annotations

from dataclasses import replace

from contracts.canonical import sha256_hex
from services.sandbox_broker.domain.deletion import DeletedFile, record_deletion
from tests.unit.services.sandbox_broker.factories import NOW

FILES = (
    DeletedFile("data/granted.duckdb", 1024, "a" * 64),
    DeletedFile("work/outputs.duckdb", 512, "b" * 64),
)


def test_SBX_7_anyone_can_recompute_the_evidence_hash_of_a_deletion() -> None:
    record = record_deletion(
        sandbox_id="sbx-pro-g1",
        grant_id="g1",
        environment="production",
        reason="agreement terminated",
        deleted_at=NOW,
        files=FILES,
        verified_absent=True,
    )
    assert record.evidence_hash == sha256_hex(record.evidence())
    assert record.evidence()["files"][0] == {
        "path": "data/granted.duckdb",
        "size": 1024,
        "sha256": "a" * 64,
    }
    event = record.deleted_event()
    assert (event.sandbox_id, event.evidence_hash, event.deleted_at) == (
        "sbx-pro-g1",
        record.evidence_hash,
        NOW,
    )


def test_AUTH_7_the_evidence_changes_with_any_deleted_file() -> None:
    one = record_deletion(
        sandbox_id="s", grant_id="g", environment="production", reason="exit",
        deleted_at=NOW, files=FILES, verified_absent=True,
    )  # fmt: skip
    other = record_deletion(
        sandbox_id="s", grant_id="g", environment="production", reason="exit",
        deleted_at=NOW, files=(replace(FILES[0], sha256="c" * 64), FILES[1]), verified_absent=True,
    )  # fmt: skip
    assert one.evidence_hash != other.evidence_hash
