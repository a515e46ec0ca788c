"""HTTP API of trading-bridge: module-level controllers for listings (the operator's) and
for the exchange's orders, executions and settlements (the only door to a trade, TRD-1).
The controllers are in the one shape of ``libs.http.calls``: the route's guard
authorizes, the app-wide ``call`` dependency (the service context and the caller) calls
the service layer and converts the view; listings take their window as ``paging``."""
