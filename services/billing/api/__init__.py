"""HTTP API of billing under ``/billing``: the public price list and caps, the price
model, invoices, revenue distribution and revenue against the max allowed revenue.

Module-level controllers; each handler takes the service context as the app-wide ``ctx``
dependency and a listing's window as the shared ``paging`` dependency (``libs.http.app``)."""
