"""HTTP API of trading-bridge: module-level controllers for listings (the operator's) and
for the exchange's orders, executions and settlements (the only door to a trade, TRD-1).
Each handler takes the service context as the app-wide ``ctx`` dependency and a listing's
window as the shared ``paging`` dependency (``libs.http.app``)."""
