"""The one page type and paging dependency (``libs.http.paging``): the JSON shape every
listing answers with, and the bounds of ``offset``/``limit`` enforced at the edge."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Litestar, get
from litestar.di import NamedDependency
from litestar.testing import create_test_client

from libs.http.paging import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET, PAGING, Page, Paging


class Thing(msgspec.Struct, kw_only=True):
    name: str


def test_a_page_encodes_as_items_total_offset_limit() -> None:
    page = Paging(offset=2, limit=3).page(items=[Thing(name="a")], total=9)
    assert msgspec.json.decode(msgspec.json.encode(page)) == {
        "items": [{"name": "a"}],
        "total": 9,
        "offset": 2,
        "limit": 3,
    }


def test_page_of_turns_each_item_into_its_view() -> None:
    page = Paging(offset=0, limit=2).page_of(["x", "y"], 5, lambda s: Thing(name=s.upper()))
    assert page == Page(items=[Thing(name="X"), Thing(name="Y")], total=5, offset=0, limit=2)


@get("/things", dependencies=PAGING)
async def things(paging: NamedDependency[Paging]) -> Page[Thing]:
    names = [f"t{i}" for i in range(1000)]
    window = names[paging.offset : paging.offset + paging.limit]
    return paging.page(items=[Thing(name=n) for n in window], total=len(names))


def _get(query: str) -> Any:
    with create_test_client([things]) as client:
        return client.get(f"/things{query}")


def test_the_paging_dependency_defaults_and_reads_offset_and_limit() -> None:
    default = _get("").json()
    assert (default["offset"], default["limit"]) == (0, DEFAULT_LIMIT)
    assert len(default["items"]) == DEFAULT_LIMIT
    chosen = _get("?offset=7&limit=2").json()
    assert [i["name"] for i in chosen["items"]] == ["t7", "t8"]
    assert (chosen["total"], chosen["offset"], chosen["limit"]) == (1000, 7, 2)


def test_the_paging_dependency_refuses_values_outside_its_bounds() -> None:
    for query, name in [
        ("?offset=-1", "offset"),
        (f"?offset={MAX_OFFSET + 1}", "offset"),
        ("?limit=0", "limit"),
        (f"?limit={MAX_LIMIT + 1}", "limit"),
    ]:
        answer = _get(query)
        assert answer.status_code == 400, query
        assert name in answer.text, query


def test_the_paging_parameters_appear_in_the_openapi_of_a_handler_that_pages() -> None:
    app = Litestar([things])
    operation = app.openapi_schema.to_schema()["paths"]["/things"]["get"]
    bounds = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert bounds["offset"]["minimum"] == 0 and bounds["offset"]["maximum"] == MAX_OFFSET
    assert bounds["limit"]["minimum"] == 1 and bounds["limit"]["maximum"] == MAX_LIMIT
