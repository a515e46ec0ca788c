"""HTTP API of identity: thin controllers over ``services.identity.commands``; domain
refusals leave as RFC 9457 problems naming the rule."""
