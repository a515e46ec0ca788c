"""Adapters of product-release: what it needs beyond ``libs`` (OpenDP noise)."""
