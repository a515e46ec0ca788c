"""Pure rules of billing (state machines, decisions); no I/O, no framework imports."""
