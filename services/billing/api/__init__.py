"""HTTP API of billing under ``/billing``: the public price list and caps, the price
model, invoices, revenue distribution and revenue against the max allowed revenue."""
