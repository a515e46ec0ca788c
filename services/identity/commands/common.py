"""What identity's commands share beyond ``libs.aggregate``: new ids and auditing a
command by the signed-in principal (or the platform itself)."""

from __future__ import annotations

import uuid

from libs import aggregate


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


audit = aggregate.audit_by
