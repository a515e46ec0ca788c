"""Event handlers of catalog. It consumes no events yet: the catalog is a source of truth."""
