"""Pure rules of evaluation (state machines, decisions); no I/O, no framework imports."""
