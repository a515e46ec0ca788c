"""Deletion records (删除记录, SBX-7, AUTH-7): what was deleted, when, and why, with an
evidence hash (存证) anyone can recompute from the record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from contracts.canonical import sha256_hex
from contracts.events import DataDeleted


@dataclass(frozen=True, slots=True)
class DeletedFile:
    path: str
    """Relative to the sandbox directory."""
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class DeletionRecord:
    sandbox_id: str
    grant_id: str
    environment: str
    reason: str
    deleted_at: datetime
    files: tuple[DeletedFile, ...]
    verified_absent: bool
    """The sandbox's data and work directories were checked to be gone afterwards."""
    evidence_hash: str

    def evidence(self) -> dict[str, Any]:
        return evidence_of(
            self.sandbox_id,
            self.grant_id,
            self.environment,
            self.reason,
            self.deleted_at,
            self.files,
            verified_absent=self.verified_absent,
        )

    def deleted_event(self) -> DataDeleted:
        return DataDeleted(
            sandbox_id=self.sandbox_id,
            grant_id=self.grant_id,
            deleted_at=self.deleted_at,
            evidence_hash=self.evidence_hash,
        )


def evidence_of(
    sandbox_id: str,
    grant_id: str,
    environment: str,
    reason: str,
    deleted_at: datetime,
    files: tuple[DeletedFile, ...],
    *,
    verified_absent: bool,
) -> dict[str, Any]:
    return {
        "sandbox_id": sandbox_id,
        "grant_id": grant_id,
        "environment": environment,
        "reason": reason,
        "deleted_at": deleted_at.isoformat(),
        "files": [{"path": f.path, "size": f.size, "sha256": f.sha256} for f in files],
        "verified_absent": verified_absent,
    }


def record_deletion(
    *,
    sandbox_id: str,
    grant_id: str,
    environment: str,
    reason: str,
    deleted_at: datetime,
    files: tuple[DeletedFile, ...],
    verified_absent: bool,
) -> DeletionRecord:
    evidence = evidence_of(
        sandbox_id,
        grant_id,
        environment,
        reason,
        deleted_at,
        files,
        verified_absent=verified_absent,
    )
    return DeletionRecord(
        sandbox_id=sandbox_id,
        grant_id=grant_id,
        environment=environment,
        reason=reason,
        deleted_at=deleted_at,
        files=files,
        verified_absent=verified_absent,
        evidence_hash=sha256_hex(evidence),
    )
