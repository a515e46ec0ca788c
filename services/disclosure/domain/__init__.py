"""Pure disclosure rules: what of each event the public may see, the transparency log's
Merkle tree and its signed tree heads. No I/O here."""
