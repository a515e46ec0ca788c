"""Pure disclosure rules: what of each event the public may see. No I/O here."""
