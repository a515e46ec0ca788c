"""Pure catalog rules: resources, registration codes and evidence hashes. No I/O here."""
