"""HTTP API of identity: thin controllers over ``services.identity.commands``; domain
refusals leave as RFC 9457 problems naming the rule.

Module-level controllers; each handler takes the service context as the app-wide ``ctx``
dependency and a listing's window as the shared ``paging`` dependency (``libs.http.app``).
The JWKS, token, sweep, account and staff routes are still built per app (``jwks_route``,
``tokens.route``, ``authorizations.sweep_route``, ``accounts``, ``staff``)."""
