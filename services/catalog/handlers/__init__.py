"""Event handlers of catalog. The catalog is a source of truth and consumes no other
service's events; it reads its own resource events to keep its search index current."""
