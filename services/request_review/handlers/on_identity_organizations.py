"""``identity.organizations`` (identity): admitted and removed developers (a removal
revokes their grants, DEV-2) and refused admissions, which their developer may appeal
(REQ-6)."""

from __future__ import annotations

from libs.bus.routes import Route
from services.request_review.commands import upstream

ROUTES: dict[str, Route] = {
    "developer.admitted": upstream.keep_developer,
    "developer.removed": upstream.keep_developer,
    "developer.admission_rejected": upstream.keep_rejected_admission,
}
