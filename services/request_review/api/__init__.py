"""HTTP API of request-review: scenarios, applications and reviews, risks, grants,
appeals and settings; thin controllers over the command modules.

Module-level controllers in the one shape of ``libs.http.calls``: the route's guard
authorizes, the app-wide ``call`` dependency (the service context and the caller) calls
the service layer and converts the view; public routes take the context alone as
``ctx``, listings their window as ``paging`` (``libs.http.app``)."""
