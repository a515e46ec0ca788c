"""Pure rules of product-release (state machines, decisions); no I/O, no framework imports."""
