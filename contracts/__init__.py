"""Event contracts: the envelope, every typed event, and the topic registry.

This package is what other parties (county instances, the data exchange) depend on, so
it imports only the standard library and msgspec.
"""
