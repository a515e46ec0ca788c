"""HTTP API of identity: thin controllers over ``services.identity.commands``; domain
refusals leave as RFC 9457 problems naming the rule.

Module-level controllers; each handler takes the service context as the app-wide ``ctx``
dependency, the signed-in caller as ``principal`` and a listing's window as ``paging``
(``libs.http.app``); ``libs.http.calls`` gives the one controller shape."""
