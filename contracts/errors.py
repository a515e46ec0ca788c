"""Rule violations as typed errors, raised by every service's pure domain.

The HTTP layer turns them into RFC 9457 problem responses (``libs.http.problems``); no
HTTP type is raised below ``api/``. ``rule`` names the id of the rule that was enforced,
as the rule catalogue (``contracts.rules``) lists it; the problem links to its page.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A command was refused by a business rule. ``kind`` decides the HTTP status."""

    kind: ClassVar[str] = "invalid"

    def __init__(self, detail: str, *, rule: str | None = None, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.rule = rule
        self.field = field


class NotFound(DomainError):
    kind = "not_found"


class Conflict(DomainError):
    kind = "conflict"


class Forbidden(DomainError):
    kind = "forbidden"


class IllegalTransition(Conflict):
    """A state machine has no transition for this event in this state."""

    def __init__(self, machine: str, state: str, event: str, *, rule: str | None = None) -> None:
        super().__init__(f"{machine}: '{event}' is not allowed in state '{state}'", rule=rule)
        self.machine = machine
        self.state = state
        self.event = event
