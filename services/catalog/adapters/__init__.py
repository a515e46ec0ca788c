"""What the catalog needs beyond libs: its in-memory search read model."""
