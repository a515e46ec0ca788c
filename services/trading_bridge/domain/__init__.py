"""Pure rules of trading-bridge (state machines, decisions); no I/O, no framework imports."""
