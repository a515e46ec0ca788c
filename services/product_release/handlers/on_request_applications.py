"""``request.applications`` (request-review): appeals against export rejections (REQ-6)
(``commands.exports``)."""

from __future__ import annotations

from services.product_release.commands import exports as export_commands
from services.product_release.handlers.step import Step

STEPS: dict[str, Step] = {
    "appeal.filed": export_commands.on_appeal_filed,
    "appeal.decided": export_commands.on_appeal_decided,
}
