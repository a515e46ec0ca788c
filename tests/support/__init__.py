"""Helpers shared by the tests: platform factories, tokens, polling."""
