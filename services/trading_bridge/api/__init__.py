"""HTTP API of trading-bridge: thin controllers for listings (the operator's) and for the
exchange's orders, executions and settlements (the only door to a trade, TRD-1)."""
