"""HTTP API of catalog: thin controllers over ``services.catalog.commands.resources``."""
