"""Own-data imports (自有数据导入, SBX-4): what may be imported, and the import's life.

A developer uploads a CSV or Parquet file for one of its sandboxes; it is kept outside
the sandbox until the operator holding that grant's authorization decides (001 art.26(三):
不得在未经审查通过的情况下,导入其他数据) — no other operator, and when the grant's
operator is unknown nobody (``check_decider``). Only an approved import is loaded, as a new table
of the sandbox; a rejected one never enters. The file must really be what it says: a
CSV is UTF-8 text with a header and rows of equal width, a Parquet file starts and ends
with its magic bytes; anything else is refused with the reason.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from enum import StrEnum

from contracts.errors import Conflict, DomainError, Forbidden

MAX_IMPORT_BYTES = 50 * 1024 * 1024
"""50 MiB per import: own data for a scenario, not a second data lake."""
FORMATS = ("csv", "parquet")
IMPORT_TABLE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
PARQUET_MAGIC = b"PAR1"


class ImportState(StrEnum):
    PENDING = "pending"  # 待审核: stored outside the sandbox
    LOADED = "loaded"  # approved and loaded as a table
    REJECTED = "rejected"
    FAILED = "failed"  # approved, but the file could not be loaded


class ImportOutcome(StrEnum):
    """What the operator's decision led to."""

    LOADED = "loaded"
    REJECTED = "rejected"
    FAILED = "failed"


TRANSITIONS: dict[ImportState, dict[ImportOutcome, ImportState]] = {
    ImportState.PENDING: {
        ImportOutcome.LOADED: ImportState.LOADED,
        ImportOutcome.REJECTED: ImportState.REJECTED,
        ImportOutcome.FAILED: ImportState.FAILED,
    },
}
"""Decided once (SBX-4); every decided state is terminal (``contracts.machine.transition``)."""


def check_decider(import_id: str, decider_org_id: str, *, grant_operator_org_id: str) -> None:
    """SBX-4: only the operator holding the grant's authorization decides an import. An
    operator the broker does not know for that grant is a refusal, not a pass."""
    if not grant_operator_org_id:
        raise Conflict(
            f"the operator holding the authorization of import {import_id}'s grant is not "
            "known to the sandbox broker; no operator can decide it",
            rule="SBX-4",
        )
    if decider_org_id != grant_operator_org_id:
        raise Forbidden(
            f"import {import_id} is decided by the operator holding its grant's authorization "
            f"({grant_operator_org_id}), not by {decider_org_id}",
            rule="SBX-4",
        )


@dataclass(frozen=True, slots=True)
class FileFacts:
    rows: int
    columns: tuple[str, ...]


def check_table_name(table: str, taken: frozenset[str]) -> None:
    """A plain lower-case name, not an output name, not a table the sandbox already has
    (an import may never shadow granted data)."""
    if not IMPORT_TABLE.match(table):
        raise DomainError(
            f"table name {table!r} must be lower-case letters, digits and underscores, "
            "starting with a letter",
            rule="SBX-4",
            field="table",
        )
    if table.startswith("output_"):
        raise DomainError("output_ names are reserved for job outputs", rule="SBX-4", field="table")
    if table in taken:
        raise DomainError(
            f"table {table!r} already exists in this sandbox or is awaiting approval",
            rule="SBX-4",
            field="table",
        )


def inspect_file(content: bytes, file_format: str) -> FileFacts:
    """Check the file is really ``file_format``; CSV facts are read here, a Parquet
    file's rows are counted by the caller (``rows`` is -1)."""
    if file_format not in FORMATS:
        raise DomainError(
            f"format {file_format!r} cannot be imported; one of: {', '.join(FORMATS)}",
            rule="SBX-4",
            field="format",
        )
    if not content:
        raise DomainError("the file is empty", rule="SBX-4", field="body")
    if len(content) > MAX_IMPORT_BYTES:
        raise DomainError(
            f"the file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MiB",
            rule="SBX-4",
            field="body",
        )
    if file_format == "parquet":
        if len(content) < 12 or content[:4] != PARQUET_MAGIC or content[-4:] != PARQUET_MAGIC:
            raise DomainError(
                "the file is not a Parquet file (no PAR1 magic at its start and end)",
                rule="SBX-4",
                field="body",
            )
        return FileFacts(rows=-1, columns=())
    return _inspect_csv(content)


def _inspect_csv(content: bytes) -> FileFacts:
    def refuse(why: str) -> DomainError:
        return DomainError(f"the file is not a CSV table: {why}", rule="SBX-4", field="body")

    if b"\0" in content:
        raise refuse("it contains NUL bytes (a binary file)")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(f"it is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise refuse(str(exc)) from None
    rows = [r for r in rows if r]
    if not rows:
        raise refuse("it has no header")
    header = tuple(h.strip() for h in rows[0])
    if any(not h for h in header) or len(set(header)) != len(header):
        raise refuse("its header names must be non-empty and distinct")
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise refuse(f"line {number} has {len(row)} fields, the header {len(header)}")
    return FileFacts(rows=len(rows) - 1, columns=header)
