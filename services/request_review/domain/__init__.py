"""Pure rules of request-review (state machines, decisions); no I/O, no framework imports."""
