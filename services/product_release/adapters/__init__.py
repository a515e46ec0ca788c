"""Adapters of product-release: what it needs beyond ``libs`` — OpenDP noise
(``noise``) and the NumPy nesting finder of the differencing check (``array_checks``,
behind the domain's ``NestingFinder`` port)."""
