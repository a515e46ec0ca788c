"""HTTP API of disclosure: public pages and records, readable without signing in.

Module-level controllers: public resource listings (``resources``), public records
(``records``), the transparency log (``log``), the annual disclosure report
(``annual_report``) and the public HTML pages (``pages``). ``router`` mounts them with the
process's stored transparency log as the ``stored`` dependency; the service context and a
listing's window are the app-wide ``ctx`` and ``paging`` dependencies (``libs.http.app``).
"""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from services.disclosure.adapters.log_repository import StoredLog
from services.disclosure.api.annual_report import AnnualReports
from services.disclosure.api.log import TransparencyLog
from services.disclosure.api.pages import PublicPages
from services.disclosure.api.records import PublicRecords
from services.disclosure.api.resources import PublicResources


def router(stored: StoredLog) -> Router:
    """The controllers, each given the one stored log of this process."""

    def provide_stored() -> StoredLog:
        return stored

    return Router(
        path="/",
        route_handlers=[
            PublicResources,
            PublicRecords,
            TransparencyLog,
            AnnualReports,
            PublicPages,
        ],
        dependencies={"stored": Provide(provide_stored, sync_to_thread=False)},
    )
