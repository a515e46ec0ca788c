"""Event contracts: every event round-trips, the registry is consistent, generated files
are current, and the compatibility guard catches breaking changes."""

from __future__ import annotations

import copy
import functools
import json
import os
import uuid
from datetime import UTC, datetime

import jsonschema
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import asyncapi
from contracts.compat import breaking_changes, load_baseline
from contracts.envelope import SYSTEM_ACTOR, Envelope, decode, encode, new_envelope
from contracts.events import ALL_EVENTS, Event, OrgRegistered
from contracts.topics import SERVICES, TOPICS, dead_letter_topic, topic_for

# Cells are finite floats (contracts.events.sandbox_broker.FiniteFloat): JSON has no inf/NaN.
st.register_type_strategy(float, st.floats(allow_nan=False, allow_infinity=False))
st.register_type_strategy(
    datetime, st.datetimes(timezones=st.just(UTC), min_value=datetime(2000, 1, 1))
)


def struct_strategy(cls: type[msgspec.Struct]) -> st.SearchStrategy[msgspec.Struct]:
    """Every field drawn explicitly (msgspec default factories confuse ``st.builds``)."""
    for field in msgspec.structs.fields(cls):
        for hint in (field.type, *getattr(field.type, "__args__", ())):
            if isinstance(hint, type) and issubclass(hint, msgspec.Struct):
                st.register_type_strategy(hint, struct_strategy(hint))
    return st.builds(cls, **{f.name: st.from_type(f.type) for f in msgspec.structs.fields(cls)})


@pytest.mark.parametrize("event_type", ALL_EVENTS, ids=lambda e: e.__struct_config__.tag)
@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_event_round_trips_through_the_envelope(
    event_type: type[Event], data: st.DataObject
) -> None:
    payload = data.draw(struct_strategy(event_type))
    assert isinstance(payload, event_type)
    envelope = new_envelope(
        payload,  # type: ignore[arg-type]  # a member of the union, drawn at run time
        region="370300",
        actor=SYSTEM_ACTOR,
        subject="s-1",
    )
    decoded = decode(encode(envelope))
    assert decoded == envelope
    assert decoded.type == event_type.__struct_config__.tag


def test_envelope_type_must_match_the_payload() -> None:
    payload = OrgRegistered(
        org_id="o", name="n", role="bureau", region="370300", credit_code="91370300MA3C7H9K2X"
    )
    good = new_envelope(payload, region="370300", actor=SYSTEM_ACTOR, subject="o")
    raw = msgspec.json.decode(encode(good))
    raw["type"] = "resource.registered"
    with pytest.raises(msgspec.ValidationError, match="does not match payload"):
        decode(json.dumps(raw).encode())


def test_envelope_refuses_naive_time() -> None:
    payload = OrgRegistered(org_id="o", name="n", role="bureau", region="370300", credit_code="x")
    with pytest.raises(ValueError, match="timezone-aware"):
        Envelope(
            event_id=uuid.uuid4(),
            type="org.registered",
            schema_version=1,
            region="370300",
            occurred_at=datetime(2026, 1, 1),
            actor=SYSTEM_ACTOR,
            subject="o",
            correlation_id=uuid.uuid4(),
            payload=payload,
        )


def test_an_unknown_event_type_does_not_decode() -> None:
    raw = msgspec.json.decode(
        encode(
            new_envelope(
                OrgRegistered(
                    org_id="o", name="n", role="bureau", region="370300", credit_code="x"
                ),
                region="370300",
                actor=SYSTEM_ACTOR,
                subject="o",
            )
        )
    )
    raw["type"] = raw["payload"]["type"] = "org.vanished"
    with pytest.raises(msgspec.ValidationError):
        decode(json.dumps(raw).encode())


def test_caused_events_inherit_the_correlation_id() -> None:
    first = new_envelope(
        OrgRegistered(org_id="o", name="n", role="bureau", region="370300", credit_code="x"),
        region="370300",
        actor=SYSTEM_ACTOR,
        subject="o",
    )
    second = new_envelope(
        OrgRegistered(org_id="p", name="n", role="bureau", region="370300", credit_code="x"),
        region="370300",
        actor=SYSTEM_ACTOR,
        subject="p",
        causation=first,
    )
    assert second.correlation_id == first.correlation_id == first.event_id
    assert second.causation_id == first.event_id


def test_every_event_is_on_exactly_one_topic_and_every_party_is_a_service() -> None:
    carried = [e for t in TOPICS for e in t.events]
    assert sorted(e.__name__ for e in carried) == sorted(e.__name__ for e in ALL_EVENTS)
    for topic in TOPICS:
        assert topic.producer in SERVICES
        assert set(topic.consumers) <= set(SERVICES)
        assert topic.producer not in topic.consumers
    assert topic_for("resource.registered").name("370300") == "pdo.370300.catalog.resources.v1"
    assert dead_letter_topic("pdo.370300.catalog.resources.v1").endswith(".v1.dlq")


@pytest.mark.parametrize("region", ["37030", "0703000", "abcdef", "070300"])
def test_topic_names_refuse_a_malformed_region(region: str) -> None:
    with pytest.raises(ValueError, match="GB/T 2260"):
        topic_for("resource.registered").name(region)


def test_trade_events_are_on_the_exchange_facing_topic_TRD_2() -> None:
    trades = topic_for("trade.executed")
    assert trades.audience == "exchange"
    assert {e.__struct_config__.tag for e in trades.events} == {
        "listing.created",
        "listing.withdrawn",
        "order.received",
        "trade.executed",
        "trade.settled",
    }


def test_checked_in_asyncapi_and_schemas_equal_a_fresh_generation() -> None:
    for rel, text in asyncapi.rendered().items():
        path = asyncapi.HERE / rel
        assert path.exists(), f"{rel} missing: run `pdo contracts`"
        assert path.read_text(encoding="utf-8") == text, f"{rel} is stale: run `pdo contracts`"
    generated = {p for p in asyncapi.rendered() if p.startswith("schemas/")}
    on_disk = {f"schemas/{p.name}" for p in (asyncapi.HERE / "schemas").glob("*.json")}
    assert on_disk == generated


def test_asyncapi_document_is_internally_consistent() -> None:
    doc = asyncapi.build_asyncapi()
    assert doc["asyncapi"] == "3.0.0"
    messages = doc["components"]["messages"]
    for channel in doc["channels"].values():
        assert channel["address"].startswith("pdo.{region}.")
        for ref in channel["messages"].values():
            assert ref["$ref"].split("/")[-1] in messages
    for operation in doc["operations"].values():
        assert operation["channel"]["$ref"].split("/")[-1] in doc["channels"]
    schemas = doc["components"]["schemas"]
    for message in messages.values():
        payload_ref = message["payload"]["allOf"][1]["properties"]["payload"]["$ref"]
        assert payload_ref.split("/")[-1] in schemas


def test_current_schemas_do_not_break_the_v1_baseline() -> None:
    assert breaking_changes(load_baseline(), asyncapi.schema_components()) == []


def test_compatibility_guard_catches_removed_retyped_and_required_fields() -> None:
    baseline = load_baseline()
    current = copy.deepcopy(baseline)
    del current["ResourceRegistered"]["properties"]["evidence_hash"]
    current["OrgRegistered"]["properties"]["name"] = {"type": "integer"}
    current["GrantRevoked"]["properties"]["new_field"] = {"type": "string"}
    current["GrantRevoked"]["required"] = [*current["GrantRevoked"]["required"], "new_field"]
    del current["TradeSettled"]
    problems = breaking_changes(baseline, current)
    assert "ResourceRegistered.evidence_hash: field removed" in problems
    assert "OrgRegistered.name: type changed" in problems
    assert any(p.startswith("GrantRevoked.new_field: new field is required") for p in problems)
    assert "TradeSettled: schema removed" in problems


def test_a_new_event_type_is_compatible_but_dropping_one_is_not() -> None:
    baseline = load_baseline()
    grown = copy.deepcopy(baseline)
    payload = grown["Envelope"]["properties"]["payload"]
    payload["anyOf"].append({"$ref": "#/components/schemas/SomethingNew"})
    payload["discriminator"]["mapping"]["something.new"] = "#/components/schemas/SomethingNew"
    assert breaking_changes(baseline, grown) == []
    shrunk = copy.deepcopy(baseline)
    shrunk["Envelope"]["properties"]["payload"]["anyOf"].pop()
    assert breaking_changes(baseline, shrunk) == ["Envelope.payload: type changed"]


def test_an_optional_new_field_is_compatible() -> None:
    baseline = load_baseline()
    current = copy.deepcopy(baseline)
    current["GrantRevoked"]["properties"]["note"] = {"type": "string", "default": ""}
    assert breaking_changes(baseline, current) == []


def test_an_old_consumer_decodes_a_message_with_an_added_optional_field() -> None:
    payload = OrgRegistered(org_id="o", name="n", role="bureau", region="370300", credit_code="x")
    raw = msgspec.json.decode(
        encode(new_envelope(payload, region="370300", actor=SYSTEM_ACTOR, subject="o"))
    )
    raw["payload"]["added_later"] = "ignored by old consumers"
    raw["added_envelope_field"] = 1
    assert decode(json.dumps(raw).encode()).payload == payload


def test_checked_in_openapi_documents_equal_a_fresh_generation() -> None:
    """Issue 11 item 5: every service's OpenAPI document is published under
    ``contracts/openapi/`` and current (``pdo contracts --check`` makes the same check)."""
    from libs.http import published

    fresh = published.rendered()
    assert set(fresh) == {f"openapi/{s}.json" for s in SERVICES}
    for rel, text in fresh.items():
        path = asyncapi.HERE / rel
        assert path.exists(), f"{rel} missing: run `pdo contracts`"
        assert path.read_text(encoding="utf-8") == text, f"{rel} is stale: run `pdo contracts`"
    on_disk = {f"openapi/{p.name}" for p in (asyncapi.HERE / "openapi").glob("*.json")}
    assert on_disk == set(fresh)


def test_the_trading_topic_keys_every_event_of_a_listing_chain_by_the_listing_id() -> None:
    """Issue 11 item 6 (causal order per trade): listing, order, trade and settlement of
    one listing share the Kafka key, whatever their subjects; other topics keep the
    subject; the AsyncAPI document states the key."""
    from contracts import events as ev
    from contracts.topics import partition_key
    from libs.outbox import stage, to_message

    settled_at = datetime(2026, 3, 2, tzinfo=UTC)
    chain = [
        ("l-1", ev.ListingCreated(listing_id="l-1", product_id="p", exchange_org_id="x",
                                  price_fen=100, unit="per_call")),
        ("o-1", ev.OrderReceived(order_id="o-1", listing_id="l-1", product_id="p",
                                 buyer_org_id="b", quantity=1)),
        ("t-1", ev.TradeExecuted(trade_id="t-1", listing_id="l-1", product_id="p",
                                 buyer_org_id="b", quantity=1, amount_fen=100)),
        ("t-1", ev.TradeSettled(trade_id="t-1", settlement_id="s-1", amount_fen=100,
                                settled_at=settled_at, listing_id="l-1")),
    ]  # fmt: skip
    doc = stage(
        {"_id": "x"},
        [new_envelope(p, region="370300", actor=SYSTEM_ACTOR, subject=s) for s, p in chain],  # type: ignore[arg-type]
    )
    messages = [to_message(entry) for entry in doc["_outbox"]]
    assert [m.key for m in messages] == ["l-1"] * 4
    assert len({m.topic for m in messages}) == 1
    org = OrgRegistered(org_id="o", name="n", role="bureau", region="370300", credit_code="x")
    assert partition_key("org.registered", "o", org) == "o"
    # a settlement recorded before listing_id existed keeps its subject
    old = ev.TradeSettled(trade_id="t-0", settlement_id="s", amount_fen=1, settled_at=settled_at)
    assert partition_key("trade.settled", "t-0", old) == "t-0"
    doc_api = asyncapi.build_asyncapi()
    assert doc_api["channels"]["trading_trades_v1"]["x-pdo-kafka-key"] == "payload.listing_id"
    assert "listing id" in doc_api["info"]["description"]


def _refs_in(schema: object) -> list[str]:
    if isinstance(schema, dict):
        found = [schema["$ref"]] if isinstance(schema.get("$ref"), str) else []
        return found + [r for v in schema.values() for r in _refs_in(v)]
    if isinstance(schema, list):
        return [r for v in schema for r in _refs_in(v)]
    return []


def test_every_schema_file_is_self_contained() -> None:
    """Issue 11 item 5: no file of ``contracts/schemas/`` refers outside itself; every
    ``$ref`` is ``#/$defs/X`` with X defined in the same file (the lifecycle test in
    tests/e2e validates real records against them)."""
    files = sorted((asyncapi.HERE / "schemas").glob("*.json"))
    assert len(files) == len(asyncapi.schema_components())
    for path in files:
        schema = json.loads(path.read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        for ref in _refs_in(schema):
            assert ref.startswith("#/$defs/"), (path.name, ref)
            assert ref.removeprefix("#/$defs/") in schema.get("$defs", {}), (path.name, ref)


@functools.cache
def _schema_file(name: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((asyncapi.HERE / "schemas" / f"{name}.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("event_type", ALL_EVENTS, ids=lambda e: e.__struct_config__.tag)
@settings(max_examples=3, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data())
def test_every_event_validates_against_its_schema_file_and_the_envelope_file_alone(
    event_type: type[Event], data: st.DataObject
) -> None:
    """Every event type, also those no lifecycle run produces, as the wire carries it:
    the payload against ``<Event>.json`` and the envelope against ``Envelope.json``,
    each file loaded on its own."""
    payload = data.draw(struct_strategy(event_type))
    envelope = new_envelope(
        payload,  # type: ignore[arg-type]  # a member of the union, drawn at run time
        region="370300",
        actor=SYSTEM_ACTOR,
        subject="s-1",
    )
    record = json.loads(encode(envelope))
    for name, instance in (("Envelope", record), (event_type.__name__, record["payload"])):
        _schema_file(name).validate(instance)


def test_the_published_openapi_does_not_depend_on_this_process_rate_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The checked-in documents describe a deployment with the default rate limit (429
    documented) even when the generating process has limiting turned off."""
    from libs.http import published
    from libs.http.rate_limit import RATE_LIMIT_ENV

    monkeypatch.setenv(RATE_LIMIT_ENV, "0")
    fresh = published.rendered()
    assert '"429"' in fresh["openapi/catalog.json"]
    for rel, text in fresh.items():
        assert (asyncapi.HERE / rel).read_text(encoding="utf-8") == text, rel
    assert os.environ[RATE_LIMIT_ENV] == "0"  # restored for the rest of the process
