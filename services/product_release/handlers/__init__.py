"""product-release's event handlers: ``routes`` binds each consumed event type; ``projections``
keeps the facts of other services the export review relies on."""
