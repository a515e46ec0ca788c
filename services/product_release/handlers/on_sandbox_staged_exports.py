"""``sandbox.staged-exports`` (sandbox-broker): a staged output, or its absence, moves the
export under review (``commands.exports``)."""

from __future__ import annotations

from services.product_release.commands import exports as export_commands
from services.product_release.handlers.step import Step

STEPS: dict[str, Step] = {
    "export.staged": export_commands.on_staged,
    "export.unavailable": export_commands.on_unavailable,
}
