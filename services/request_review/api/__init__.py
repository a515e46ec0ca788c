"""HTTP API of request-review: scenarios, applications and reviews, risks, grants,
appeals and settings; thin controllers over the command modules.

Module-level controllers; each handler takes the service context as the app-wide ``ctx``
dependency and a listing's window as the shared ``paging`` dependency (``libs.http.app``)."""
