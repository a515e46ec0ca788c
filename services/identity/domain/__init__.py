"""Pure rules of identity (state machines, decisions); no I/O, no framework imports."""
