"""Federation in embedded mode, through public HTTP (FED-1, FED-2, FED-3): a county
instance, a city and a province each run their own platform on one shared event log
(as they share one Kafka cluster in distributed mode), with topics by region prefix."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from contracts.envelope import Role, decode
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.bus.consumer import ERROR_HEADER
from libs.bus.embedded import EmbeddedBus
from libs.bus.federation import SOURCE_TOPIC_HEADER
from libs.bus.port import Message
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.platform import COUNTY_PROVIDER, TAX, eventually, keyring, resource_body, token
from tests.support.platform import settings as settings_for
from tests.support.request_review import (
    DEVELOPER,
    OTHER_DEVELOPER,
    TAX_RESOURCE,
    open_desk,
    request_line,
    standard_city,
)

CITY, COUNTY, PROVINCE = "370300", "370303", "370000"
COUNTY_BUREAU = Principal(
    user_id="u-cb", org_id="org-370303-bureau", role=Role.BUREAU, region=COUNTY
)
PROVINCE_PROVIDER = Principal(
    user_id="u-p-1", org_id="org-370000-health", role=Role.PROVIDER, region=PROVINCE
)
CITY_BUREAU = Principal(user_id="u-b", org_id="org-370300-bureau", role=Role.BUREAU, region=CITY)


@dataclasses.dataclass
class Instance:
    p: Platform
    client: AsyncTestClient[Any]

    async def get(self, path: str, who: Principal) -> Any:
        return await self.client.get(path, headers=await token(self.p, who))

    async def post(self, path: str, body: Any, who: Principal) -> Any:
        return await self.client.post(path, json=body, headers=await token(self.p, who))

    async def federated(self, who: Principal) -> list[dict[str, Any]]:
        r = await self.get("/catalog/federated-resources/", who)
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items


@asynccontextmanager
async def instances(
    tmp: Path, *specs: tuple[str, tuple[str, ...], tuple[str, ...]]
) -> AsyncIterator[list[Instance]]:
    """One platform per (region, parents, children), each with its own stores and keys,
    all on one event log file."""
    log = tmp / "shared-bus.sqlite"
    async with AsyncExitStack() as stack:
        started = []
        for region, parents, children in specs:
            home = tmp / region
            home.mkdir(parents=True, exist_ok=True)
            chosen = dataclasses.replace(
                settings_for(home, region=region), parents=parents, children=children
            )
            p = Platform(chosen, ("catalog",), bus=EmbeddedBus(log), secrets=keyring(home)).build()
            client = await stack.enter_async_context(AsyncTestClient(app=gateway(p)))
            started.append(Instance(p, client))
        yield started


async def test_FED_1_a_county_instance_shows_the_citys_resources_read_from_the_citys_topic(
    tmp_path: Path,
) -> None:
    async with instances(tmp_path, (CITY, (), ()), (COUNTY, (CITY,), ())) as (city, county):
        created = await city.post("/catalog/resources/", resource_body(), TAX)
        assert created.status_code == 201, created.text
        resource = created.json()

        async def seen() -> list[dict[str, Any]]:
            return await county.federated(COUNTY_BUREAU)

        (entry,) = await eventually(seen)
        assert entry["origin_region"] == CITY and entry["relation"] == "parent"
        assert entry["resource_id"] == resource["resource_id"]
        assert entry["registration_code"] == resource["registration_code"]
        assert entry["events_applied"] == 1
        # traceable: the entry names the city's event on the city's topic
        assert city.p.bus is not None and isinstance(city.p.bus, EmbeddedBus)
        city_topic = topic_for("resource.registered").name(CITY)
        events = [decode(m.value) for m in city.p.bus.read_topic(city_topic)]
        assert entry["source_event_id"] in {str(e.event_id) for e in events}
        # the county's own catalog stays its own, and it wrote nothing under the city
        own = await county.get("/catalog/resources/", COUNTY_BUREAU)
        assert own.status_code == 200 and own.json()["items"] == []
        assert all(e.region == CITY for e in events)


async def test_FED_1_a_county_bureau_also_operates_on_the_city_platform(tmp_path: Path) -> None:
    async with instances(tmp_path, (CITY, (), ())) as (city,):
        created = await city.post("/catalog/resources/", resource_body("区县纳税"), COUNTY_PROVIDER)
        assert created.status_code == 201, created.text
        assert created.json()["provider_region"] == COUNTY
        assert created.json()["registration_code"].startswith(CITY)


async def test_FED_1_a_city_record_failing_its_schema_goes_to_the_countys_own_dead_letters(
    tmp_path: Path,
) -> None:
    async with instances(tmp_path, (CITY, (), ()), (COUNTY, (CITY,), ())) as (city, county):
        assert isinstance(city.p.bus, EmbeddedBus) and isinstance(county.p.bus, EmbeddedBus)
        city_topic = topic_for("resource.registered").name(CITY)
        broken = b'{"event_id": "42", "type": "resource.registered", "payload": {}}'
        await city.p.bus.publish(Message(topic=city_topic, key="r-x", value=broken))
        # the county keeps consuming: a good city event after the broken one arrives
        assert (await city.post("/catalog/resources/", resource_body(), TAX)).status_code == 201

        async def seen() -> list[dict[str, Any]]:
            return await county.federated(COUNTY_BUREAU)

        assert len(await eventually(seen)) == 1
        dead_topic = f"pdo.{COUNTY}.catalog.resources.v1.dlq"

        async def dead() -> list[Message]:
            assert isinstance(county.p.bus, EmbeddedBus)
            return county.p.bus.read_topic(dead_topic)

        (letter,) = await eventually(dead)
        assert letter.value == broken
        assert letter.headers[SOURCE_TOPIC_HEADER] == city_topic
        assert "undecodable event" in letter.headers[ERROR_HEADER]
        assert city.p.bus.read_topic(f"{city_topic}.dlq") == []  # nothing under the city


async def test_FED_2_the_province_reads_the_citys_upward_stream_and_the_city_the_flow_back(
    tmp_path: Path,
) -> None:
    async with instances(tmp_path, (PROVINCE, (), (CITY,)), (CITY, (PROVINCE,), ())) as (
        province,
        city,
    ):
        upward = await city.post("/catalog/resources/", resource_body("市级纳税"), TAX)
        assert upward.status_code == 201, upward.text
        back = await province.post(
            "/catalog/resources/", resource_body("省级医保结算"), PROVINCE_PROVIDER
        )
        assert back.status_code == 201, back.text

        async def at_province() -> list[dict[str, Any]]:
            return await province.federated(PROVINCE_PROVIDER)

        async def at_city() -> list[dict[str, Any]]:
            return await city.federated(CITY_BUREAU)

        (up,) = await eventually(at_province)
        assert (up["origin_region"], up["relation"], up["name"]) == (CITY, "child", "市级纳税")
        (down,) = await eventually(at_city)
        # 回流: the province's resource on the city platform, its region of origin recorded
        assert (down["origin_region"], down["relation"]) == (PROVINCE, "parent")
        assert down["resource_id"] == back.json()["resource_id"]
        filtered = await city.get(
            f"/catalog/federated-resources/?origin_region={CITY}", CITY_BUREAU
        )
        assert filtered.json()["items"] == []


HEALTHY_FINANCE_ZONE: dict[str, Any] = {
    "code": "finance",
    "domain": "金融",
    "name": "金融服务专区",
    "resources": [TAX_RESOURCE],
    "scenarios": [],
    "developers": [OTHER_DEVELOPER.org_id],
}


async def test_FED_3_an_application_outside_its_operating_zone_is_refused_naming_the_field(
    tmp_path: Path,
) -> None:
    async with open_desk(tmp_path, operating_zones=(HEALTHY_FINANCE_ZONE,)) as (desk, _):
        await standard_city(desk.p)
        scenario = await desk.file_scenario(domain="金融")
        body = {
            "purpose": "评估企业纳税信用",
            "resources": [request_line(TAX_RESOURCE, "credit_code")],
        }
        refused = await desk.post(
            "/applications", {"scenario_id": scenario["scenario_id"], **body}, DEVELOPER
        )
        assert refused.status_code == 422, refused.text
        problem = refused.json()
        assert problem["rule"] == "FED-3"
        assert [e["field"] for e in problem["errors"]] == ["developer_org_id"]
        admitted = await desk.post(
            "/applications", {"scenario_id": scenario["scenario_id"], **body}, OTHER_DEVELOPER
        )
        assert admitted.status_code == 201, admitted.text
        other_domain = await desk.file_scenario(domain="交通")
        crossing = await desk.post(
            "/applications", {"scenario_id": other_domain["scenario_id"], **body}, OTHER_DEVELOPER
        )
        assert crossing.status_code == 422 and crossing.json()["rule"] == "FED-3"
        assert [e["field"] for e in crossing.json()["errors"]] == ["scenario_id"]


async def test_FED_1_a_whole_county_instance_takes_the_citys_streams_without_dead_letters(
    tmp_path: Path,
) -> None:
    """All nine services of the county on the city's public streams: the agreement, the
    operation catalog, prices, evaluations reach every county consumer of them (each
    once, by its own group) and none is dead-lettered."""
    from libs.bus.inbox import Inbox
    from tests.support.request_review import (
        MARKET,
        MARKET_ITEMS,
        MARKET_RESOURCE,
        TAX_ITEMS,
        published,
        registered,
        signed,
    )
    from tests.support.request_review import TAX as CITY_TAX
    from tests.support.request_review import publish as publish_on_city

    log = tmp_path / "shared-bus.sqlite"
    platforms = []
    for region, parents in ((CITY, ()), (COUNTY, (CITY,))):
        home = tmp_path / region
        home.mkdir()
        chosen = dataclasses.replace(settings_for(home, region=region), parents=parents)
        platforms.append(Platform(chosen, bus=EmbeddedBus(log), secrets=keyring(home)).build())
    city, county = platforms
    async with AsyncTestClient(app=gateway(city)), AsyncTestClient(app=gateway(county)):
        sent = [
            await publish_on_city(city, payload, subject)
            for payload, subject in (
                signed(),
                registered(TAX_RESOURCE, CITY_TAX, TAX_ITEMS),
                published(TAX_RESOURCE, CITY_TAX, TAX_ITEMS),
                registered(MARKET_RESOURCE, MARKET, MARKET_ITEMS),
            )
        ]
        assert all(e.region == CITY for e in sent)
        for service in ("request_review", "sandbox_broker"):
            inbox = Inbox(county.running[service].store, service)
            ids = [str(e.event_id) for e in sent]

            async def all_seen(inbox: Inbox = inbox, ids: list[str] = ids) -> bool:
                return len(await inbox.seen(ids)) == len(ids)

            await eventually(all_seen)
        assert isinstance(county.bus, EmbeddedBus)
        with county.bus._guard:
            topics = [
                row[0]
                for row in county.bus._connect()
                .execute("SELECT DISTINCT topic FROM log")
                .fetchall()
            ]
        assert not [t for t in topics if t.endswith(".dlq")], topics
        assert all(t.startswith((f"pdo.{CITY}.", f"pdo.{COUNTY}.")) for t in topics), topics


async def test_FED_2_province_data_flowing_back_is_granted_with_its_region_of_origin_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """回流: the province's resource arrives on the province's topic; the city's
    request-review takes it like its own (REQ-4: in the operation catalog) and the usual
    reviews end in a grant naming it. The region of origin is recorded all the way: the
    grant's resources and the development sandbox's tables say ``370000`` for the
    province's resource and ``370300`` for the city's own."""
    from contracts.envelope import SYSTEM_ACTOR, new_envelope, to_builtins
    from libs.outbox import to_message
    from tests.support.request_review import (
        BUREAU,
        TAX,
        TAX_ITEMS,
        handled,
        published,
        registered,
    )
    from tests.support.sandbox_broker import ROOT_ENV, sandbox_root

    root = sandbox_root()  # the development sandbox's files (synthetic data, no source)
    monkeypatch.setenv(ROOT_ENV, str(root))
    try:
        async with open_desk(
            tmp_path, ("request_review", "sandbox_broker"), parents=(PROVINCE,)
        ) as (desk, _):
            await standard_city(desk.p)
            flowed = [
                new_envelope(payload, region=PROVINCE, actor=SYSTEM_ACTOR, subject=subject)
                for payload, subject in (
                    registered("res-province-1", PROVINCE_PROVIDER, ["insured_id"]),
                    published("res-province-1", PROVINCE_PROVIDER, ["insured_id"]),
                )
            ]
            assert desk.p.bus is not None
            for envelope in flowed:
                await desk.p.bus.publish(to_message({"envelope": to_builtins(envelope)}))
            await handled(desk.p, *flowed)
            scenario = await desk.file_scenario()
            app = await desk.apply(
                scenario["scenario_id"],
                resources=[
                    request_line("res-province-1", "insured_id"),
                    request_line(TAX_RESOURCE, TAX_ITEMS[0]),
                ],
            )
            reviewers = [(r["party"], r["org_id"]) for r in app["required_reviewers"]]
            assert ("provider", PROVINCE_PROVIDER.org_id) in reviewers
            await desk.review(app["application_id"], PROVINCE_PROVIDER)
            await desk.review(app["application_id"], TAX)
            done = await desk.review(app["application_id"], BUREAU, expert_opinion="同意回流使用")
            assert done["status"] == "approved" and done["grant_id"]
            grant = (await desk.get(f"/grants/{done['grant_id']}", DEVELOPER)).json()
            origins = {r["resource_id"]: r["origin_region"] for r in grant["resources"]}
            assert origins == {"res-province-1": PROVINCE, TAX_RESOURCE: CITY}
            assert all(e.region == PROVINCE for e in flowed)  # the origin the events carry

            # the same path on: the development sandbox's tables carry the origin too
            headers = await desk.as_(DEVELOPER)
            sandbox_path = f"/sandbox_broker/sandboxes/sbx-dev-{done['grant_id']}"

            async def provisioned() -> dict[str, Any] | None:
                r = await desk.client.get(sandbox_path, headers=headers)
                view: dict[str, Any] = r.json()
                return view if r.status_code == 200 and view["state"] == "ready" else None

            sandbox = await eventually(provisioned, timeout=120)
            assert sorted(sandbox["origin_regions"].values()) == [PROVINCE, CITY]
            tables = {c["table"] for c in sandbox["columns"]}
            assert set(sandbox["origin_regions"]) == tables
    finally:
        shutil.rmtree(root, ignore_errors=True)
