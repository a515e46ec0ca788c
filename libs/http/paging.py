"""One page of a listing (分页) and the one paging dependency every service's listings use.

- ``Page[T]``: the JSON shape every listing answers with, ``{items, total, offset, limit}``
  (``total`` counts every match, ``items`` are the ``limit`` matches from ``offset``).
- ``Paging``: the validated ``offset``/``limit`` query parameters, given to a handler as the
  ``paging`` dependency (``PAGING``); ``offset`` 0…``MAX_OFFSET`` (default 0), ``limit``
  1…``MAX_LIMIT`` (default ``DEFAULT_LIMIT``). A value outside is refused 400 naming it.
  ``Paging.skip``/``Paging.limit`` go to the store's ``find`` so a listing is paged in the
  store, never sliced in memory.

No service declares its own page struct or ``offset``/``limit`` parameters
(``tests/unit/test_import_directions.py`` checks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.di import Provide
from litestar.params import QueryParameter

T = TypeVar("T")
U = TypeVar("U")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_OFFSET = 1_000_000


class Page(msgspec.Struct, Generic[T], kw_only=True):
    """One page of a listing: ``limit`` items from ``offset`` of ``total`` matches."""

    items: list[T]
    total: int
    offset: int
    limit: int


class Paging(msgspec.Struct, frozen=True, kw_only=True):
    """The requested window of a listing (validated query parameters)."""

    offset: int = 0
    limit: int = DEFAULT_LIMIT

    def page(self, *, items: Sequence[T], total: int) -> Page[T]:
        """``items`` (already this window, from the store) as the page answered."""
        return Page(items=list(items), total=total, offset=self.offset, limit=self.limit)

    def page_of(self, found: Sequence[U], total: int, view: Callable[[U], T]) -> Page[T]:
        """The page of ``found`` (this window) with each item turned into its view."""
        return self.page(items=[view(x) for x in found], total=total)


def provide_paging(
    offset: Annotated[
        int, QueryParameter(ge=0, le=MAX_OFFSET, description="First item (0-based)")
    ] = 0,
    limit: Annotated[
        int, QueryParameter(ge=1, le=MAX_LIMIT, description="Items per page")
    ] = DEFAULT_LIMIT,
) -> Paging:
    """The ``paging`` dependency: ``?offset=&limit=`` validated against the bounds above."""
    return Paging(offset=offset, limit=limit)


PAGING = {"paging": Provide(provide_paging, sync_to_thread=False)}
"""The app-wide dependencies (``libs.http.app`` registers them): a handler takes ``paging``."""


__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "MAX_OFFSET", "PAGING", "Page", "Paging", "provide_paging"]
