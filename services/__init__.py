"""The nine services of the platform, one package each: domain (pure), handlers, api."""
