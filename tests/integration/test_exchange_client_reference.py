"""The reference exchange client (``examples/exchange/``, issue 11 item 7) against a
running platform and the real test broker.

The platform (identity and trading-bridge, distributed mode on Kafka and the
MongoDB-wire store) serves HTTP on a real port; its services use the broker's plaintext
listener. The data exchange is the Kafka principal ``exchange-sdx`` on the SASL listener
(SCRAM-SHA-512) with exactly the ACLs ``pdo kafka provision --exchange sdx`` gives it:
the region's trading topic and consumer groups ``exchange.sdx.*``. The client runs as a
separate process from ``examples/exchange/exchange_client.py`` with the published files
under ``contracts/`` and nothing else of the project (its imports are checked too).

It reads the listing, places an order, reports the execution and the settlement, and
checks the platform's state; a copy of the listing event put on the topic again (a
redelivery) is ignored by its ``event_id``: one order, one trade.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from contracts import events as ev
from contracts.envelope import Role
from contracts.topics import topic_for
from libs.auth.principal import Principal
from libs.http.gateway import gateway
from tests.e2e.test_identity_lifecycle_embedded import EXCHANGE_CODE
from tests.infra import servers
from tests.infra.servers import KafkaServer, free_port
from tests.integration.test_exchange_kafka import produce
from tests.support.platform import distributed, eventually, keyring, token
from tests.support.regions import fresh_region

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "examples" / "exchange" / "exchange_client.py"
CONTRACTS = REPO / "contracts"
PRICE_FEN = 6_600
QUANTITY = 3
ALLOWED_IMPORTS = {"aiokafka", "httpx", "jsonschema", "__future__"}


def test_the_reference_client_imports_only_the_standard_library_aiokafka_httpx_jsonschema() -> None:
    tree = ast.parse(CLIENT.read_text(encoding="utf-8"))
    imported = {
        name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    foreign = imported - set(sys.stdlib_module_names) - ALLOWED_IMPORTS
    assert foreign == set(), foreign
    assert {"aiokafka", "httpx", "jsonschema"} <= imported


def provision_exchange(bootstrap: str, region: str, name: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PDO_")}
    done = subprocess.run(
        [sys.executable, "-m", "libs.cli", "kafka", "provision", "--region", region,
         "--bootstrap", bootstrap, "--exchange", name],
        cwd=REPO, env=clean, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


async def redeliver_listing(bootstrap: str, region: str, listing_id: str) -> str:
    """Put the listing's ``listing.created`` record on the topic once more, byte for byte
    (what a producer retry or a replay does); returns its event id."""
    topic = topic_for("listing.created").name(region)
    reader = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await reader.start()
    try:
        found: Any = None
        deadline = asyncio.get_running_loop().time() + 60
        while found is None and asyncio.get_running_loop().time() < deadline:
            for records in (await reader.getmany(timeout_ms=500)).values():
                for record in records:
                    body = json.loads(record.value)
                    if body["type"] == "listing.created" and body["subject"] == listing_id:
                        found = record
        assert found is not None, "listing.created never reached the topic"
    finally:
        await reader.stop()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, found.value, key=found.key)
    finally:
        await producer.stop()
    return str(json.loads(found.value)["event_id"])


async def test_the_reference_exchange_client_trades_one_listing_on_the_sasl_listener(
    tmp_path: Path, kafka_server: KafkaServer, mongo_uri: str
) -> None:
    region = fresh_region()
    name = servers.FEDERATION_TEST_EXCHANGE  # the exchange principal the test broker knows
    principal = f"exchange-{name}"
    bootstrap = kafka_server.bootstrap
    p = distributed(
        tmp_path,
        ("identity", "trading_bridge"),
        kafka=bootstrap,
        mongo=mongo_uri,
        region=region,
        secrets=keyring(tmp_path),
    )
    provisioned = provision_exchange(bootstrap, region, name)
    assert f"region {region}" in provisioned
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(gateway(p), host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{port}"
    bureau = Principal(
        user_id="u-bureau", org_id=f"org-{region}-bureau", role=Role.BUREAU, region=region
    )
    operator = Principal(
        user_id="u-op", org_id=f"org-{region}-operator", role=Role.OPERATOR, region=region
    )
    product_id = f"prod-{uuid.uuid4().hex[:8]}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:

            async def up() -> bool:
                try:
                    return (await http.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(up, timeout=120, interval=0.5)
            as_bureau = await token(p, bureau)
            org = await http.post(
                "/identity/organizations",
                json={"name": "山东数据交易有限公司", "role": "exchange", "region": region,
                      "credit_code": EXCHANGE_CODE},
                headers=as_bureau,
            )  # fmt: skip
            assert org.status_code == 201, org.text
            exchange_org = str(org.json()["org_id"])
            issued = await http.post(
                f"/identity/organizations/{exchange_org}/clients",
                json={"name": "交易所撮合系统", "scopes": ["orders:write", "settlements:write"]},
                headers=as_bureau,
            )
            assert issued.status_code == 201, issued.text
            client = issued.json()
            await produce(
                bootstrap,
                region,
                [
                    (product_id, ev.ProductReleased(
                        product_id=product_id, version=1, name="企业信用核验",
                        kind="verification", developer_org_id=f"org-{region}-dev",
                        registration_code=f"{region}P00000000013",
                        certificate_id=f"cert-{product_id}")),
                    (product_id, ev.PriceListed(
                        price_id=f"price-{product_id}", product_id=product_id,
                        unit="per_call", unit_price_fen=PRICE_FEN)),
                ],
            )  # fmt: skip
            as_operator = await token(p, operator)
            body = {"product_id": product_id, "exchange_org_id": exchange_org,
                    "unit": "per_call", "price_fen": PRICE_FEN}  # fmt: skip

            async def listed() -> Any:
                answer = await http.post(
                    "/trading_bridge/listings/", json=body, headers=as_operator
                )
                return answer.json() if answer.status_code == 201 else None

            listing = await eventually(listed, timeout=60, interval=0.2)
            duplicate = await redeliver_listing(bootstrap, region, listing["listing_id"])

            child = await asyncio.create_subprocess_exec(
                sys.executable, str(CLIENT), "trade",
                "--bootstrap", kafka_server.sasl_bootstrap,
                "--security-protocol", "SASL_PLAINTEXT", "--sasl-mechanism", "SCRAM-SHA-512",
                "--username", principal, "--region", region,
                "--group", f"exchange.{name}.matching-{uuid.uuid4().hex[:6]}",
                "--platform", base, "--client-id", client["client_id"],
                "--org-id", exchange_org, "--contracts", str(CONTRACTS),
                "--listing-id", listing["listing_id"], "--quantity", str(QUANTITY),
                "--seen-file", str(tmp_path / "seen.json"), "--timeout", "120",
                cwd=tmp_path,
                env={"PATH": os.environ.get("PATH", ""),
                     "EXCHANGE_KAFKA_PASSWORD": servers.SASL_TEST_USERS[principal],
                     "EXCHANGE_CLIENT_SECRET": client["client_secret"]},
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(child.communicate(), timeout=300)
            assert child.returncode == 0, (out.decode()[-3000:], err.decode()[-3000:])
            report = json.loads(out)

            # the platform's state, read here by the operator, matches the client's
            page = (await http.get(
                "/trading_bridge/trades/", params={"listing_id": listing["listing_id"]},
                headers=as_operator,
            )).json()  # fmt: skip
    finally:
        server.should_exit = True
        await serving

    assert report["matches"] is True, report
    assert report["scope"] == "orders:write settlements:write"
    assert [e["type"] for e in report["events"]] == [
        "listing.created", "order.received", "trade.executed", "trade.settled"
    ]  # fmt: skip
    # one listing's chain: one key (the listing id), one partition, in offset order
    assert {e["key"] for e in report["events"]} == {listing["listing_id"]}
    assert len({e["partition"] for e in report["events"]}) == 1
    offsets = [e["offset"] for e in report["events"]]
    assert offsets == sorted(offsets)
    # the redelivered listing event was ignored: one order, one trade, one settlement
    assert [d["event_id"] for d in report["ignored_duplicates"]] == [duplicate]
    assert [x["path"] for x in report["posted"]] == [
        "/trading_bridge/orders/", "/trading_bridge/trades/", "/trading_bridge/settlements/"
    ]  # fmt: skip
    assert page["total"] == 1
    (trade,) = page["items"]
    assert trade == report["trade"]
    assert trade["state"] == "settled" and trade["amount_fen"] == PRICE_FEN * QUANTITY
    assert trade["exchange_org_id"] == exchange_org and trade["quantity"] == QUANTITY
