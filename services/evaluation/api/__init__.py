"""HTTP API of evaluation under ``/evaluation``: thin controllers, every route guarded.

Module-level controllers; each handler takes the service context as the app-wide ``ctx``
dependency and a listing's window as the shared ``paging`` dependency (``libs.http.app``)."""
