"""The demo year as ``pdo up`` loads it: through the public HTTP APIs only (an httpx
client on the gateway's ASGI app), on a ``DemoClock`` moved through the previous year and
handed over to wall time, once per data directory.

Proof that it went through the APIs: every service it touched holds the demo parties'
commands in its hash-chained audit log (which verifies), and the event log holds the
events those commands published, at the demo year's dates. The rule ids the demo
exercises are listed in ``RULES_EXERCISED`` and each is checked against the catalogue.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.envelope import decode
from contracts.rules import rule
from contracts.topics import topic_for
from demo import city
from demo.load import MARKER, load_embedded, start_of_demo
from demo.year import PRODUCTS, SCENARIOS, TRADED
from libs.bus.embedded import EmbeddedBus
from libs.clock import DemoClock
from libs.http.gateway import gateway
from libs.runtime import Platform
from tests.support.demo_city import tax_source
from tests.support.platform import eventually, keyring, settings

RULES_EXERCISED = {
    # identity: selection and agreement
    "AUTH-2": "publicity period closed by the sweep before the agreement is drafted",
    "AUTH-3": "the public tender with its applications, scores and result",
    "AUTH-9": "the operator's application with its documents",
    "AUTH-11": "the collective decision and the finance opinion before signing",
    "AUTH-12": "the implementation plan approved and filed",
    "SEC-2": "the emergency plan drawn up in evaluation before signing",
    "DEV-1": "the developer's admission",
    "DEV-3": "the cooperation agreement filed with the bureau",
    # catalog
    "CAT-1": "40 complete registrations by their providers",
    "CAT-2": "the negative list",
    "CAT-3": "proposal and publication into the operation catalog",
    "CAT-5": "a data-quality objection",
    "FED-1": "the county provider registers in its own region",
    # request review
    "REQ-1": "twelve scenarios filed, one application each",
    "REQ-2": "every requested item justified",
    "REQ-3": "every required reviewer decides",
    "REQ-4": "applications only once the agreement is active and the developer admitted",
    "REQ-5": "grants valid until the agreement ends at most",
    "REQ-6": "an appeal against a rejection",
    # sandboxes, exports, products
    "SBX-1": "development and production sandboxes; jobs run inside, outputs stay inside",
    "SBX-3": "credit codes tokenized by the providers' masking on review",
    "EXP-2": "every export's automated disclosure checks; one refused (small cells)",
    "EXP-1": "the operator's review, the certificate and the bureau's filing",
    "CAT-4": "registration codes of resources and products (存证)",
    # billing and trading
    "BIL-2": "max allowed revenue, caps, every price under its cap",
    "BIL-4": "the cultivation period recorded from the plan's publication",
    "BIL-5": "published prices (明码标价); listings at the published price",
    "BIL-7": "revenue shares and monthly distributions",
    "TRD-1": "listed, ordered, executed and settled through the licensed exchange",
    "TRD-2": "the exchange's client credentials and the exchange-facing events",
    # the year closed
    "EVA-1": "the operator's annual report",
    "EVA-2": "the bureau's evaluation",
    "EVA-3": "a rectification order reported and accepted by its deadline",
    "SEC-6": "the bureau's inspection of the operator",
    "DIS-1": "public records of selection, agreements, products and prices",
    "DIS-2": "the previous year's annual disclosure report",
    "DIS-3": "every disclosed record in the signed transparency log",
}


def published(tmp: Path, event_type: str) -> list[datetime]:
    """When each event of ``event_type`` happened, in log order."""
    topic = topic_for(event_type).name(city.REGION)
    events = [decode(m.value) for m in EmbeddedBus(tmp / "bus.sqlite").read_topic(topic)]
    return [e.occurred_at for e in events if e.type == event_type]


async def test_REQ_1_REQ_3_REQ_6_AUTH_11_CAT_3_the_demo_year_goes_through_the_apis_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tax_source(tmp_path, monkeypatch)
    clock = DemoClock(start_of_demo(datetime.now(UTC)))
    p = Platform(settings(tmp_path), clock=clock, secrets=keyring(tmp_path)).build()
    await p.start()
    try:
        assert p.secrets is not None
        app = gateway(p)
        said: list[str] = []
        report = await load_embedded(
            app,
            secrets=p.secrets,
            clock=clock,
            region=city.REGION,
            data_dir=tmp_path,
            say=said.append,
        )
        assert report is not None
        print("\n".join(said), f"\n{report.seconds:.1f} s: {report.counts}")
        assert report.year == datetime.now(UTC).year - 1
        # handed over to wall time
        assert clock.offset.total_seconds() == 0
        assert (tmp_path / MARKER).exists()
        assert any("[15/15]" in line for line in said), said

        outcomes = Counter(s.outcome for s in SCENARIOS)
        counts = report.counts
        assert counts["organizations"] == 2 + len(city.PROVIDERS) + len(city.DEVELOPERS)
        assert counts["agreements"] == 1 and counts["admissions"] == len(city.DEVELOPERS)
        assert counts["resources"] == len(city.DEMO) and counts["objections"] == 1
        assert counts["scenarios"] == counts["applications"] == len(SCENARIOS) >= 12
        assert counts["applications_approved"] == outcomes["approved"] + outcomes["narrowed"]
        assert counts["applications_rejected"] == outcomes["rejected"] + outcomes["appealed"]
        assert counts["appeals"] == outcomes["appealed"] == 1
        assert counts["applications_under_review"] == outcomes["under_review"] >= 1
        assert counts["sandboxes"] == 2 and counts["jobs"] == len(PRODUCTS) + 2
        # every export checked; one refused by the checks (EXP-2), the others approved
        assert counts["exports"] == len(PRODUCTS) + 1 and counts["exports_failed"] == 1
        assert counts["exports_approved"] == len(PRODUCTS)
        assert counts["products"] == counts["prices"] == counts["caps"] == len(PRODUCTS) >= 10
        assert counts["trades"] == counts["settlements"] == TRADED
        assert counts["invoices"] >= TRADED and counts["distributions"] >= 1
        assert counts["annual_reports"] == counts["evaluations"] == 1
        assert counts["incidents"] == counts["inspections"] == counts["rectifications"] == 1
        assert counts["rectifications_accepted"] == 1
        # every call went to a service's public API
        assert set(report.calls) >= {
            "identity",
            "catalog",
            "request_review",
            "sandbox_broker",
            "product_release",
            "billing",
            "trading_bridge",
            "evaluation",
        }

        # The audit chains hold the demo parties' commands, and verify.
        demo_orgs = {o.org_id for o in (city.BUREAU, city.OPERATOR, *city.PROVIDERS)}
        demo_orgs |= {o.org_id for o in city.DEVELOPERS}
        for name in (
            "identity",
            "catalog",
            "request_review",
            "sandbox_broker",
            "product_release",
            "billing",
            "trading_bridge",
            "evaluation",
        ):
            audit = p.running[name].ctx.audit
            assert (await audit.verify()).ok, name
            actors = {e.actor.get("org_id", "") for e in await audit.entries()}
            assert actors & demo_orgs, (name, actors)

        # The events are real, published at the previous year's dates.
        year = report.year
        for event_type, wanted in (
            ("agreement.signed", 1),
            ("resource.registered", len(city.DEMO)),
            ("scenario.filed", len(SCENARIOS)),
            ("application.submitted", len(SCENARIOS)),
            ("grant.issued", outcomes["approved"] + outcomes["narrowed"]),
            ("appeal.filed", 1),
            ("product.released", len(PRODUCTS)),
            ("price.listed", len(PRODUCTS)),
            ("trade.settled", TRADED),
            ("annual_report.filed", 1),
            ("incident.reported", 1),
            ("inspection.recorded", 1),
            ("rectification.completed", 1),
        ):

            async def all_there(kind: str = event_type, n: int = wanted) -> list[datetime] | None:
                found = published(tmp_path, kind)
                return found if len(found) >= n else None

            times = await eventually(all_there)
            assert len(times) == wanted, (event_type, len(times))
            # the annual report of the year is filed in January of the next
            filed_in = year + 1 if event_type == "annual_report.filed" else year
            assert {t.year for t in times} == {filed_in}, (event_type, times)

        # Loaded once per data directory: a second start loads nothing.
        lengths = {n: len(await r.ctx.audit.entries()) for n, r in p.running.items()}
        again = await load_embedded(
            app, secrets=p.secrets, clock=clock, region=city.REGION, data_dir=tmp_path
        )
        assert again is None
        assert {n: len(await r.ctx.audit.entries()) for n, r in p.running.items()} == lengths
    finally:
        await p.stop()


def test_the_rules_the_demo_exercises_are_in_the_catalogue() -> None:
    for rule_id, what in RULES_EXERCISED.items():
        found = rule(rule_id)
        assert found is not None, rule_id
        assert found.status == "enforced", (rule_id, what)
