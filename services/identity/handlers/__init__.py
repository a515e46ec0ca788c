"""Event handlers of identity, by event type: evaluation's ``rectification.overdue``
suspends, then terminates, the operator's agreement (EVA-3 → AUTH-6)."""
