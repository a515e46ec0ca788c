"""HTTP API of evaluation under ``/evaluation``: thin controllers, every route guarded.

Module-level controllers in the one shape of ``libs.http.calls``: the route's guard
authorizes, the app-wide ``call`` dependency (the service context and the caller) calls
the service layer and converts the view; public routes take the context alone as
``ctx``, listings their window as ``paging`` (``libs.http.app``)."""
