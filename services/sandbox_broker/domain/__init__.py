"""Pure rules of sandbox-broker (state machines, decisions); no I/O, no framework imports."""
