"""Event handlers of identity, by event type: evaluation's ``rectification.overdue``
terminates the operator's agreement (EVA-3 → AUTH-6); ``emergency_plan.adopted`` feeds the
read model signing consults (SEC-2)."""
