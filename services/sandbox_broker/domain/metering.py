"""Metering of verification calls (核验计量, BIL-2) in batches: which answered calls a
metering batch still has to stage as ``usage.metered``.

Theory of operation. Every answered call is recorded before its answer leaves, under the
metering batch (计量批次) that was open when it was answered. A batch is staged as a whole
later (the service layer flushes it after a bounded delay, or recovers it after a crash
from the recorded calls). Staging is this one decision: the calls of the batch not
staged before become events, and their usage ids join the batch's list, in the same
write. Deciding again with the same calls, or with more of them, stages only the new
ones, so a batch flushed twice (its writer and a recovery racing) meters each call once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contracts.events import UsageMetered

CALL = "call"
"""The unit of a verification call."""


def call_record(
    usage_id: str,
    *,
    batch_id: str,
    customer_org_id: str,
    product_id: str,
    scenario_id: str,
    at: datetime,
) -> dict[str, Any]:
    """The record of one answered call (the document written before the answer)."""
    return {
        "_id": usage_id,
        "batch_id": batch_id,
        "unit": CALL,
        "product_id": product_id,
        "scenario_id": scenario_id,
        "customer_org_id": customer_org_id,
        "at": at.isoformat(),
    }


def open_batch(batch_id: str, opened_at: datetime) -> dict[str, Any]:
    """A metering batch as opened, before its first call is recorded."""
    return {"_id": batch_id, "opened_at": opened_at.isoformat(), "staged": False, "usage_ids": []}


def stage_calls(
    batch: dict[str, Any] | None, batch_id: str, calls: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any], list[tuple[str, UsageMetered]]]:
    """BIL-2: the batch with ``calls`` staged — one ``usage.metered`` (keyed by the
    product) per call whose usage id the batch has not staged yet; the batch is then
    marked staged. A missing batch is taken as opened empty."""
    doc = dict(batch) if batch is not None else open_batch(batch_id, datetime.min)
    staged: list[str] = list(doc.get("usage_ids", []))
    known = set(staged)
    events: list[tuple[str, UsageMetered]] = []
    for call in calls:
        usage_id = str(call["_id"])
        if usage_id in known or call.get("batch_id") != batch_id:
            continue
        known.add(usage_id)
        staged.append(usage_id)
        events.append(
            (
                str(call["product_id"]),
                UsageMetered(
                    usage_id=usage_id,
                    customer_org_id=str(call["customer_org_id"]),
                    unit=str(call.get("unit", CALL)),
                    quantity=1,
                    product_id=str(call["product_id"]),
                    scenario_id=str(call.get("scenario_id", "")),
                    metered_at=datetime.fromisoformat(str(call["at"])),
                ),
            )
        )
    doc.update(staged=True, usage_ids=staged)
    return doc, events
