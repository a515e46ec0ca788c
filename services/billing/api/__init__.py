"""HTTP API of billing under ``/billing``: the public price list and caps, the price
model, invoices, revenue distribution and revenue against the max allowed revenue.

Module-level controllers in the one shape of ``libs.http.calls``: the route's guard
authorizes, the app-wide ``call`` dependency (the service context and the caller) calls
the service layer and converts the view; public routes take the context alone as
``ctx``, listings their window as ``paging`` (``libs.http.app``)."""
