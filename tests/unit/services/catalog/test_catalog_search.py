"""Catalog search (目录检索): the in-memory index's filters, Chinese free text, paging,
versioned updates, and its speed at 10,000 resources. Pure, no I/O."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from services.catalog.domain.lifecycle import State
from services.catalog.domain.resource import ItemDeclaration, Resource
from services.catalog.domain.search import Query, SearchIndex, entry_of, members, select
from tests.unit.services.catalog.factories import resource_factory

NAMES = ["企业纳税信息", "市场主体登记信息", "公交线路客流", "逐小时气象观测", "景区客流统计"]
CATEGORIES = ["tax", "market_regulation", "transport", "meteorology", "culture_tourism"]
PROVIDERS = ["org-370300-tax", "org-370300-market", "org-370300-transport"]
REGIONS = ["370300", "370303", "370304"]


def synthetic(n: int, seed: int = 7) -> list[Resource]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        grades = [rng.randint(1, 4) for _ in range(rng.randint(1, 5))]
        out.append(
            resource_factory(
                sequence=i + 1,
                name=f"{rng.choice(NAMES)}{i}",
                description=f"第{i}号资源，按月汇总",
                category=rng.choice(CATEGORIES),
                provider_org_id=rng.choice(PROVIDERS),
                provider_region=rng.choice(REGIONS),
                items=tuple(
                    ItemDeclaration(f"field_{j}", "string", g, f"字段{j}")
                    for j, g in enumerate(grades)
                ),
                status=rng.choice([s.value for s in State]),
            )
        )
    return out


def indexed(resources: list[Resource]) -> SearchIndex[Resource]:
    index: SearchIndex[Resource] = SearchIndex()
    index.load((entry_of(r, 1), r) for r in resources)
    return index


def inside(outer: str, inner: str) -> bool:
    """GB/T 2260: a province covers its cities and counties, a city its counties."""
    if outer.endswith("0000"):
        return inner[:2] == outer[:2]
    if outer.endswith("00"):
        return inner[:4] == outer[:4]
    return inner == outer


def brute_force(resources: list[Resource], query: Query) -> list[str]:
    """The meaning of a query, spelled out the slow way."""
    terms = query.text.casefold().split()
    hits = []
    for r in sorted(resources, key=lambda r: r.first_registration_code):
        text = "\n".join(
            [r.name, r.description, *(s for i in r.items for s in (i.name, i.description))]
        ).casefold()
        if query.status is None and r.status == State.CANCELLED:
            continue
        if query.status is not None and r.status != query.status:
            continue
        if query.category is not None and r.category != query.category:
            continue
        if query.provider_org_id is not None and r.provider_org_id != query.provider_org_id:
            continue
        if query.grade is not None and r.grade != query.grade:
            continue
        if query.region is not None and not inside(query.region, r.home_region):
            continue
        if not all(t in text for t in terms):
            continue
        hits.append(r.resource_id)
    return hits


CORPUS = synthetic(300)
INDEX = indexed(CORPUS)

queries = st.builds(
    Query,
    text=st.sampled_from(
        ["", "纳税", "客流", "企业纳税信息1", "FIELD_3", "字段", "按月 资源", "气"]
    ),
    category=st.none() | st.sampled_from(CATEGORIES),
    provider_org_id=st.none() | st.sampled_from(PROVIDERS),
    grade=st.none() | st.integers(1, 4),
    region=st.none() | st.sampled_from([*REGIONS, "370000"]),
    status=st.none() | st.sampled_from([s.value for s in State]),
    offset=st.integers(0, 40),
    limit=st.integers(1, 30),
)


@settings(max_examples=300)
@given(queries)
def test_search_answers_exactly_what_a_full_scan_would(query: Query) -> None:
    expected = brute_force(CORPUS, query)
    page, total = INDEX.search(query)
    assert total == len(expected)
    assert [r.resource_id for r in page] == expected[query.offset : query.offset + query.limit]


def test_CAT_1_grade_filter_means_the_resource_grade_the_highest_of_its_items() -> None:
    low = resource_factory(sequence=1, items=(ItemDeclaration("a", "string", 1),))
    high = resource_factory(
        sequence=2, items=(ItemDeclaration("a", "string", 1), ItemDeclaration("b", "string", 4))
    )
    index = indexed([low, high])
    assert [r.resource_id for r in index.search(Query(grade=4))[0]] == [high.resource_id]
    assert [r.resource_id for r in index.search(Query(grade=1))[0]] == [low.resource_id]


def test_free_text_matches_chinese_by_characters_and_ignores_width_and_case() -> None:
    tax = resource_factory(sequence=1, name="企业纳税信息", description="ＡＢＣ全角")
    bus = resource_factory(sequence=2, name="公交线路客流", description="")
    index = indexed([tax, bus])
    assert [r.name for r in index.search(Query(text="纳税"))[0]] == ["企业纳税信息"]
    assert [r.name for r in index.search(Query(text="abc"))[0]] == ["企业纳税信息"]
    assert [r.name for r in index.search(Query(text="客"))[0]] == ["公交线路客流"]
    assert index.search(Query(text="纳税客流"))[1] == 0
    # A data item's label is searchable too.
    assert index.search(Query(text="统一社会信用代码"))[1] == 2


def test_a_put_replaces_the_entry_and_an_older_version_is_ignored() -> None:
    first = resource_factory(sequence=1, name="旧名称")
    index = indexed([first])
    renamed = replace(first, name="新名称", category="transport")
    assert index.put(entry_of(renamed, 3), renamed)
    assert index.search(Query(text="旧名称"))[1] == 0
    assert index.search(Query(text="新名称", category="transport"))[1] == 1
    assert index.search(Query(category="tax"))[1] == 0
    assert not index.put(entry_of(first, 2), first)  # a late event re-read an older copy
    assert index.get(first.resource_id) == renamed
    assert index.version_of(first.resource_id) == 3
    cancelled = replace(renamed, status=State.CANCELLED.value)
    index.put(entry_of(cancelled, 4), cancelled)
    assert index.search(Query())[1] == 0
    assert index.search(Query(status="cancelled"))[1] == 1


def test_puts_and_a_bulk_load_build_the_same_index() -> None:
    resources = synthetic(120, seed=3)
    one_by_one: SearchIndex[Resource] = SearchIndex()
    for r in sorted(resources, key=lambda r: r.first_registration_code):
        one_by_one.put(entry_of(r, 1), r)
    bulk = indexed(resources)
    for query in (Query(text="纳税"), Query(grade=2, region="370300"), Query(limit=200)):
        assert one_by_one.search(query) == bulk.search(query)


@given(st.sets(st.integers(0, 3000)), st.integers(0, 50), st.integers(1, 50))
def test_pages_are_cut_from_a_bitset_in_order(ordinals: set[int], offset: int, limit: int) -> None:
    bits = sum(1 << o for o in ordinals)
    ordered = sorted(ordinals)
    assert list(members(bits)) == ordered
    assert select(bits, offset, limit) == ordered[offset : offset + limit]


def test_search_over_10000_resources_answers_as_a_scan_would() -> None:
    """The index at 10,000 resources gives the scan's answer; its speed is measured by
    ``python -m bench --only catalog_search,catalog_search_growth``, not asserted here."""
    resources = synthetic(10_000, seed=11)
    index = indexed(resources)
    probes = [
        Query(),
        Query(text="纳税"),
        Query(text="企业纳税信息12"),
        Query(category="tax", grade=3, region="370300"),
        Query(provider_org_id="org-370300-market", offset=2000, limit=50),
        Query(text="字段 按月", status="published"),
    ]
    for query in probes:
        page, total = index.search(query)
        expected = brute_force(resources, query)
        assert total == len(expected)
        assert [r.resource_id for r in page] == expected[query.offset : query.offset + query.limit]


def test_a_remembered_phrase_stays_exact_as_resources_change() -> None:
    first = resource_factory(sequence=1, name="公共停车场泊位", description="")
    index = indexed([first])
    assert index.search(Query(text="停车场"))[1] == 1  # the phrase is now remembered
    second = resource_factory(sequence=2, name="停车场收费标准", description="")
    index.put(entry_of(second, 1), second)
    assert index.search(Query(text="停车场"))[1] == 2
    renamed = replace(first, name="公共泊位")
    index.put(entry_of(renamed, 2), renamed)
    assert [r.resource_id for r in index.search(Query(text="停车场"))[0]] == [second.resource_id]
    assert index.search(Query(text="停 车场"))[1] == 1
