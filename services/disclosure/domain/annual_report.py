"""The annual disclosure report (年度信息披露报告, DIS-2), built from recorded facts.

Theory of operation. The national notice of 2026 (国家数据局综合司《关于做好公共数据资源
授权运营信息披露工作的通知》) asks two parties to disclose, once a year, by 31 March for
the previous year:

- the implementing agency (实施机构): its own information, the authorizations it made
  (公共数据资源授权信息) and the caps of the operation service fee (上限收费标准);
- the operator (运营机构): its own information, the public data resources it is
  authorized to use, the product and service list (产品和服务清单) and the concrete
  prices (具体收费标准).

Other services' events become ``Fact``s (``fact_from``: only the fields a report needs,
never data values). ``fold`` replays the facts up to a day into a ``Ledger`` (the state
of every organization, agreement, resource, scenario, product, cap and price on that
day); ``build_report`` reads the ledger at the end of the year and keeps what was in
force at some time during the year. Facts are ordered by time and event id, so the same
set of facts gives the same report whatever order they arrived in; every list is sorted,
and the content hash (``contracts.canonical.sha256_hex``) pins the content. Days are
counted in China Standard Time (UTC+8, no daylight saving): an event at 17:00 UTC on
31 December belongs to the next year.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from contracts.canonical import sha256_hex
from contracts.envelope import Envelope, Role
from contracts.events import (
    AgreementExpired,
    AgreementReinstated,
    AgreementRenewed,
    AgreementSigned,
    AgreementSuspended,
    AgreementTerminated,
    ApplicationDecided,
    MaxRevenueSet,
    OrgRegistered,
    PriceCapSet,
    PriceListed,
    ProductReleased,
    ProductWithdrawn,
    ResourceChanged,
    ResourcePublished,
    ResourceRegistered,
    ResourceWithdrawn,
    ScenarioChanged,
    ScenarioFiled,
    SelectionAnnulled,
    SelectionPublicized,
    TenderPublished,
)

CHINA_TIME = timezone(timedelta(hours=8), "CST")
"""China Standard Time: years and due dates are counted in it."""

NOTICE = "国家数据局综合司关于做好公共数据资源授权运营信息披露工作的通知（2026年）"
UNATTRIBUTED = ""
"""The operator id of products and prices no operator could be found for."""

MODE_LABELS: Mapping[str, str] = {
    "whole": "整体授权",
    "domain": "分领域授权",
    "individual": "个别授权",
}
UNIT_LABELS: Mapping[str, str] = {
    "product": "按产品",
    "call": "按次",
    "month": "按月",
    "row": "按数据量（行）",
}
STATUS_LABELS: Mapping[str, str] = {
    "active": "有效",
    "suspended": "暂停",
    "terminated": "已终止",
    "expired": "已到期",
    "in_catalog": "在运营目录中",
    "withdrawn": "已撤回",
    "released": "已发布",
}
KIND_LABELS: Mapping[str, str] = {
    "verification": "核验服务",
    "table": "数据集",
    "dataset": "数据集",
    "model": "模型",
    "report": "报告",
    "api": "接口服务",
}
CLASS_LABELS: Mapping[str, str] = {"public_interest": "公益", "commercial": "经营性"}
SELECTION_MODE_LABELS: Mapping[str, str] = {
    "public_tender": "公开招标",
    "invited_tender": "邀请招标",
    "competitive_negotiation": "竞争性谈判",
}
SELECTION_STATUS_LABELS: Mapping[str, str] = {
    "tendered": "遴选中",
    "publicized": "结果公示",
    "annulled": "结果已撤销",
}

FACT_EVENT_TYPES: tuple[str, ...] = (
    "org.registered",
    "tender.published",
    "selection.publicized",
    "selection.annulled",
    "agreement.signed",
    "agreement.renewed",
    "agreement.suspended",
    "agreement.reinstated",
    "agreement.terminated",
    "agreement.expired",
    "resource.registered",
    "resource.changed",
    "resource.published",
    "resource.withdrawn",
    "scenario.filed",
    "scenario.changed",
    "application.decided",
    "product.released",
    "product.withdrawn",
    "price.cap_set",
    "price.listed",
    "revenue.max_set",
)
"""The event types the annual report and the public pages are built from (disclosure's
subscriptions for DIS-2; the selection events feed the authorization page, DIS-1)."""


@dataclass(frozen=True, slots=True)
class Fact:
    """What the annual report keeps of one event: who, when, and the fields it needs."""

    event_id: str
    type: str
    occurred_at: datetime
    actor_org_id: str
    actor_role: str
    data: Mapping[str, Any]

    @property
    def day(self) -> date:
        """The day the event happened, in China Standard Time."""
        return local_day(self.occurred_at)

    def order(self) -> tuple[datetime, str]:
        return (self.occurred_at, self.event_id)


def local_day(at: datetime) -> date:
    return at.astimezone(CHINA_TIME).date()


def due_on(year: int) -> date:
    """DIS-2: the report for ``year`` is due by 31 March of the following year."""
    return date(year + 1, 3, 31)


def fact_from(envelope: Envelope) -> Fact | None:
    """The fact of an event, or None when the report has no use for it (a rejection)."""
    p = envelope.payload
    data: dict[str, Any]
    match p:
        case OrgRegistered():
            data = {
                "org_id": p.org_id,
                "name": p.name,
                "role": p.role,
                "region": p.region,
                "credit_code": p.credit_code,
            }
        case TenderPublished():
            data = {
                "authorization_id": p.authorization_id,
                "title": p.title,
                "selection_mode": p.selection_mode,
                "mode": p.mode,
                "domain": p.domain,
            }
        case SelectionPublicized():
            data = {
                "authorization_id": p.authorization_id,
                "operator_org_id": p.operator_org_id,
                "publicity_ends_at": p.publicity_ends_at.isoformat(),
            }
        case SelectionAnnulled():
            data = {
                "authorization_id": p.authorization_id,
                "operator_org_id": p.operator_org_id,
                "reason": p.reason,
            }
        case AgreementSigned():
            data = {
                "agreement_id": p.agreement_id,
                "operator_org_id": p.operator_org_id,
                "mode": p.mode,
                "starts_on": p.starts_on.isoformat(),
                "ends_on": p.ends_on.isoformat(),
                "resource_scope": list(p.resource_scope),
                "domain": p.domain,
            }
        case AgreementRenewed():
            data = {"agreement_id": p.agreement_id, "ends_on": p.ends_on.isoformat()}
        case AgreementSuspended() | AgreementTerminated():
            data = {"agreement_id": p.agreement_id, "reason": p.reason}
        case AgreementReinstated() | AgreementExpired():
            data = {"agreement_id": p.agreement_id}
        case ResourceRegistered() | ResourceChanged():
            data = {
                "resource_id": p.resource_id,
                "provider_org_id": p.provider_org_id,
                "name": p.name,
                "category": p.category,
                "registration_code": p.registration_code,
            }
        case ResourcePublished():
            data = {
                "resource_id": p.resource_id,
                "provider_org_id": p.provider_org_id,
                "registration_code": p.registration_code,
            }
        case ResourceWithdrawn():
            data = {"resource_id": p.resource_id, "cause": p.cause}
        case ScenarioFiled() | ScenarioChanged():
            data = {
                "scenario_id": p.scenario_id,
                "operator_org_id": p.operator_org_id,
                "name": p.name,
                "domain": p.domain,
                "scenario_class": p.scenario_class,
            }
        case ApplicationDecided():
            if p.decision != "approved":
                return None
            data = {"application_id": p.application_id, "scenario_id": p.scenario_id}
        case ProductReleased():
            data = {
                "product_id": p.product_id,
                "version": p.version,
                "name": p.name,
                "kind": p.kind,
                "registration_code": p.registration_code,
                "scenario_id": p.scenario_id,
            }
        case ProductWithdrawn():
            data = {"product_id": p.product_id, "reason": p.reason}
        case PriceCapSet():
            data = {"product_id": p.product_id, "unit": p.unit, "cap_fen": p.cap_fen}
        case PriceListed():
            data = {
                "price_id": p.price_id,
                "product_id": p.product_id,
                "unit": p.unit,
                "unit_price_fen": p.unit_price_fen,
                "tiers": [
                    {"from_quantity": t.from_quantity, "unit_price_fen": t.unit_price_fen}
                    for t in p.tiers
                ],
                "key_scenario_discount_percent": p.key_scenario_discount_percent,
            }
        case MaxRevenueSet():
            data = {
                "operator_org_id": p.operator_org_id,
                "year": p.year,
                "max_revenue_fen": p.max_revenue_fen,
            }
        case _:
            return None
    return Fact(
        event_id=str(envelope.event_id),
        type=envelope.type,
        occurred_at=envelope.occurred_at.astimezone(UTC),
        actor_org_id=envelope.actor.org_id,
        actor_role=envelope.actor.role.value,
        data=data,
    )


# --- the ledger: the state on one day --------------------------------------------------


@dataclass(slots=True)
class Org:
    org_id: str
    name: str
    role: str
    region: str
    credit_code: str


@dataclass(slots=True)
class AgreementState:
    agreement_id: str
    operator_org_id: str
    agency_org_id: str
    mode: str
    domain: str
    resource_scope: tuple[str, ...]
    starts_on: date
    ends_on: date
    signed_on: date
    status: str = "active"
    status_on: date | None = None
    ended_on: date | None = None


@dataclass(slots=True)
class SelectionState:
    """One operator selection (遴选, AUTH-2) as the public sees it (DIS-1)."""

    authorization_id: str
    title: str
    selection_mode: str
    mode: str
    domain: str
    tendered_on: date
    status: str = "tendered"
    operator_org_id: str = ""
    publicized_on: date | None = None
    publicity_ends_at: str = ""
    annulled_on: date | None = None
    annul_reason: str = ""


@dataclass(slots=True)
class ResourceState:
    resource_id: str
    provider_org_id: str = ""
    name: str = ""
    registration_code: str = ""
    published_on: date | None = None
    withdrawn_on: date | None = None


@dataclass(slots=True)
class ScenarioState:
    scenario_id: str
    operator_org_id: str
    name: str
    domain: str
    scenario_class: str
    filed_on: date
    approved_on: date | None = None


@dataclass(slots=True)
class ProductState:
    product_id: str
    version: int
    name: str
    kind: str
    registration_code: str
    scenario_id: str
    released_on: date
    withdrawn_on: date | None = None


@dataclass(slots=True)
class CapState:
    product_id: str
    unit: str
    cap_fen: int
    agency_org_id: str
    set_on: date


@dataclass(slots=True)
class PriceState:
    price_id: str
    product_id: str
    unit: str
    unit_price_fen: int
    tiers: list[dict[str, int]]
    key_scenario_discount_percent: int
    listed_on: date


@dataclass(slots=True)
class MaxRevenueState:
    operator_org_id: str
    year: int
    max_revenue_fen: int
    agency_org_id: str
    set_on: date


@dataclass(slots=True)
class Ledger:
    """Everything the facts say, as of the end of ``until`` (China Standard Time)."""

    region: str
    until: date
    orgs: dict[str, Org] = field(default_factory=dict)
    agreements: dict[str, AgreementState] = field(default_factory=dict)
    selections: dict[str, SelectionState] = field(default_factory=dict)
    resources: dict[str, ResourceState] = field(default_factory=dict)
    scenarios: dict[str, ScenarioState] = field(default_factory=dict)
    products: dict[str, ProductState] = field(default_factory=dict)
    caps: dict[tuple[str, str], CapState] = field(default_factory=dict)
    prices: dict[tuple[str, str], PriceState] = field(default_factory=dict)
    max_revenue: dict[tuple[str, int], MaxRevenueState] = field(default_factory=dict)

    def default_agency(self) -> str:
        """The region's own bureau (lowest id if several registered), or ``""``."""
        bureaus = sorted(
            o.org_id
            for o in self.orgs.values()
            if o.role == Role.BUREAU.value and o.region == self.region
        )
        return bureaus[0] if bureaus else ""

    def agency_of(self, fact: Fact) -> str:
        """Who acted as implementing agency: the bureau that caused the event, else the
        region's bureau (a replayed or system-made event carries no bureau actor)."""
        if fact.actor_role == Role.BUREAU.value:
            return fact.actor_org_id
        return self.default_agency()

    def org_name(self, org_id: str) -> str:
        org = self.orgs.get(org_id)
        return org.name if org else ""


def fold(facts: Iterable[Fact], *, region: str, until: date) -> Ledger:
    """Replay the facts of days up to ``until`` (inclusive), oldest first."""
    ledger = Ledger(region=region, until=until)
    for fact in sorted(facts, key=Fact.order):
        if fact.day <= until:
            _apply(ledger, fact)
    return ledger


def _apply(ledger: Ledger, fact: Fact) -> None:
    d = fact.data
    day = fact.day
    kind = fact.type
    if kind == "org.registered":
        ledger.orgs[d["org_id"]] = Org(
            d["org_id"], d["name"], d["role"], d["region"], d["credit_code"]
        )
    elif kind == "tender.published":
        ledger.selections[d["authorization_id"]] = SelectionState(
            authorization_id=d["authorization_id"],
            title=d["title"],
            selection_mode=d["selection_mode"],
            mode=d["mode"],
            domain=d.get("domain", ""),
            tendered_on=day,
        )
    elif kind in ("selection.publicized", "selection.annulled"):
        selection = ledger.selections.get(d["authorization_id"])
        if selection is not None:
            selection.operator_org_id = d["operator_org_id"]
            if kind == "selection.publicized":
                selection.status = "publicized"
                selection.publicized_on = day
                selection.publicity_ends_at = d["publicity_ends_at"]
            else:
                selection.status = "annulled"
                selection.annulled_on = day
                selection.annul_reason = d["reason"]
    elif kind == "agreement.signed":
        ledger.agreements[d["agreement_id"]] = AgreementState(
            agreement_id=d["agreement_id"],
            operator_org_id=d["operator_org_id"],
            agency_org_id=ledger.agency_of(fact),
            mode=d["mode"],
            domain=d.get("domain", ""),
            resource_scope=tuple(d.get("resource_scope", ())),
            starts_on=date.fromisoformat(d["starts_on"]),
            ends_on=date.fromisoformat(d["ends_on"]),
            signed_on=day,
            status_on=day,
        )
    elif kind.startswith("agreement."):
        agreement = ledger.agreements.get(d["agreement_id"])
        if agreement is not None:
            _agreement_event(agreement, kind, d, day)
    elif kind in ("resource.registered", "resource.changed"):
        resource = ledger.resources.setdefault(d["resource_id"], ResourceState(d["resource_id"]))
        resource.provider_org_id = d["provider_org_id"]
        resource.name = d["name"]
        resource.registration_code = d["registration_code"]
    elif kind == "resource.published":
        resource = ledger.resources.setdefault(d["resource_id"], ResourceState(d["resource_id"]))
        resource.provider_org_id = d["provider_org_id"]
        resource.registration_code = d["registration_code"]
        resource.published_on = day
        resource.withdrawn_on = None
    elif kind == "resource.withdrawn":
        withdrawn = ledger.resources.get(d["resource_id"])
        if withdrawn is not None and withdrawn.published_on is not None:
            withdrawn.withdrawn_on = day
    elif kind in ("scenario.filed", "scenario.changed"):
        earlier = ledger.scenarios.get(d["scenario_id"])
        ledger.scenarios[d["scenario_id"]] = ScenarioState(
            scenario_id=d["scenario_id"],
            operator_org_id=d["operator_org_id"],
            name=d["name"],
            domain=d["domain"],
            scenario_class=d["scenario_class"],
            filed_on=earlier.filed_on if earlier else day,
            approved_on=earlier.approved_on if earlier else None,
        )
    elif kind == "application.decided":
        scenario = ledger.scenarios.get(d["scenario_id"])
        if scenario is not None and scenario.approved_on is None:
            scenario.approved_on = day
    elif kind == "product.released":
        ledger.products[d["product_id"]] = ProductState(
            product_id=d["product_id"],
            version=int(d["version"]),
            name=d["name"],
            kind=d["kind"],
            registration_code=d["registration_code"],
            scenario_id=d.get("scenario_id", ""),
            released_on=day,
        )
    elif kind == "product.withdrawn":
        product = ledger.products.get(d["product_id"])
        if product is not None:
            product.withdrawn_on = day
    elif kind == "price.cap_set":
        ledger.caps[(d["product_id"], d["unit"])] = CapState(
            d["product_id"], d["unit"], int(d["cap_fen"]), ledger.agency_of(fact), day
        )
    elif kind == "price.listed":
        ledger.prices[(d["product_id"], d["unit"])] = PriceState(
            price_id=d["price_id"],
            product_id=d["product_id"],
            unit=d["unit"],
            unit_price_fen=int(d["unit_price_fen"]),
            tiers=[dict(t) for t in d.get("tiers", [])],
            key_scenario_discount_percent=int(d.get("key_scenario_discount_percent", 0)),
            listed_on=day,
        )
    elif kind == "revenue.max_set":
        ledger.max_revenue[(d["operator_org_id"], int(d["year"]))] = MaxRevenueState(
            d["operator_org_id"],
            int(d["year"]),
            int(d["max_revenue_fen"]),
            ledger.agency_of(fact),
            day,
        )


_AGREEMENT_STATUS = {
    "agreement.suspended": "suspended",
    "agreement.reinstated": "active",
    "agreement.terminated": "terminated",
    "agreement.expired": "expired",
}


def _agreement_event(agreement: AgreementState, kind: str, d: Mapping[str, Any], day: date) -> None:
    if agreement.ended_on is not None:
        return  # an ended agreement stays ended
    if kind == "agreement.renewed":
        agreement.ends_on = date.fromisoformat(d["ends_on"])
        return
    status = _AGREEMENT_STATUS.get(kind)
    if status is None:
        return
    agreement.status = status
    agreement.status_on = day
    if status in ("terminated", "expired"):
        agreement.ended_on = day


# --- the report ------------------------------------------------------------------------


def _in_force_during(agreement: AgreementState, first: date, last: date) -> bool:
    """Made during the year, or in force on some day of it."""
    if first <= agreement.signed_on <= last:
        return True
    end = agreement.ends_on
    if agreement.ended_on is not None:
        end = min(end, agreement.ended_on)
    return agreement.starts_on <= last and end >= first


def _listed_during(since: date | None, until: date | None, first: date) -> bool:
    """Listed by the end of the year (the ledger stops there) and not gone before it."""
    return since is not None and (until is None or until >= first)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def _local_minute(instant: str) -> str:
    """An ISO instant as China Standard Time to the minute, e.g. ``2026-03-09 24:00`` is
    shown as ``2026-03-10 00:00``; empty stays empty."""
    if not instant:
        return ""
    return datetime.fromisoformat(instant).astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M")


def _org_info(ledger: Ledger, org_id: str) -> dict[str, Any]:
    org = ledger.orgs.get(org_id)
    return {
        "org_id": org_id,
        "name": org.name if org else "",
        "region": org.region if org else "",
        "credit_code": org.credit_code if org else "",
        "contact": "",
    }


def _resource_matches(resource: ResourceState, scope: Iterable[str]) -> bool:
    keys = {resource.resource_id, resource.name, resource.registration_code}
    return any(entry in keys for entry in scope)


def _scope_names(ledger: Ledger, scope: Iterable[str]) -> list[str]:
    """The names of the resources a scope lists (by id, name or registration code)."""
    names = []
    for entry in scope:
        found = [
            r.name for r in ledger.resources.values() if r.name and _resource_matches(r, [entry])
        ]
        names.append(found[0] if found else entry)
    return sorted(names)


def build_content(facts: Iterable[Fact], *, year: int, region: str) -> dict[str, Any]:
    """The report's content for ``year``: a pure function of the facts (DIS-2)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    ledger = fold(facts, region=region, until=last)

    agreements = sorted(
        (a for a in ledger.agreements.values() if _in_force_during(a, first, last)),
        key=lambda a: (a.signed_on, a.agreement_id),
    )
    resources = sorted(
        (
            r
            for r in ledger.resources.values()
            if _listed_during(r.published_on, r.withdrawn_on, first)
        ),
        key=lambda r: (r.registration_code, r.resource_id),
    )
    products = sorted(
        (
            p
            for p in ledger.products.values()
            if _listed_during(p.released_on, p.withdrawn_on, first)
        ),
        key=lambda p: (p.registration_code, p.product_id),
    )
    product_ids = {p.product_id for p in products}
    operator_ids = sorted({a.operator_org_id for a in agreements})

    def operator_of(product_id: str) -> str:
        product = ledger.products.get(product_id)
        scenario = ledger.scenarios.get(product.scenario_id) if product else None
        if scenario is not None:
            return scenario.operator_org_id
        return operator_ids[0] if len(operator_ids) == 1 else UNATTRIBUTED

    def product_name(product_id: str) -> str:
        product = ledger.products.get(product_id)
        return product.name if product else ""

    caps = [
        c
        for c in sorted(ledger.caps.values(), key=lambda c: (c.product_id, c.unit))
        if c.product_id in product_ids or c.product_id not in ledger.products
    ]
    prices = [
        p
        for p in sorted(ledger.prices.values(), key=lambda p: (p.product_id, p.unit))
        if p.product_id in product_ids or p.product_id not in ledger.products
    ]
    revenue = sorted(
        (m for m in ledger.max_revenue.values() if m.year == year),
        key=lambda m: m.operator_org_id,
    )

    agency_ids = sorted(
        {o.org_id for o in ledger.orgs.values() if o.role == "bureau" and o.region == region}
        | {a.agency_org_id for a in agreements}
        | {c.agency_org_id for c in caps}
        | {m.agency_org_id for m in revenue}
    )
    agencies = [
        {
            "agency": _org_info(ledger, agency_id),
            "authorizations": [
                {
                    "agreement_id": a.agreement_id,
                    "operator_org_id": a.operator_org_id,
                    "operator_name": ledger.org_name(a.operator_org_id),
                    "mode": a.mode,
                    "domain": a.domain,
                    "scope": sorted(a.resource_scope),
                    "scope_names": _scope_names(ledger, a.resource_scope),
                    "starts_on": a.starts_on.isoformat(),
                    "ends_on": a.ends_on.isoformat(),
                    "signed_on": a.signed_on.isoformat(),
                    "status": a.status,
                    "status_on": _day(a.status_on),
                }
                for a in agreements
                if a.agency_org_id == agency_id
            ],
            "fee_caps": [
                {
                    "product_id": c.product_id,
                    "product_name": product_name(c.product_id),
                    "unit": c.unit,
                    "cap_fen": c.cap_fen,
                    "set_on": c.set_on.isoformat(),
                }
                for c in caps
                if c.agency_org_id == agency_id
            ],
            "max_allowed_revenue": [
                {
                    "operator_org_id": m.operator_org_id,
                    "operator_name": ledger.org_name(m.operator_org_id),
                    "year": m.year,
                    "max_revenue_fen": m.max_revenue_fen,
                    "set_on": m.set_on.isoformat(),
                }
                for m in revenue
                if m.agency_org_id == agency_id
            ],
        }
        for agency_id in agency_ids
    ]

    sections = set(operator_ids)
    sections |= {operator_of(p.product_id) for p in products}
    sections |= {operator_of(p.product_id) for p in prices}
    operators = []
    for operator_id in sorted(sections):
        own = [a for a in agreements if a.operator_org_id == operator_id]
        whole = any(not a.resource_scope for a in own)
        scope = {entry for a in own for entry in a.resource_scope}
        authorized = [r for r in resources if own and (whole or _resource_matches(r, scope))]
        operators.append(
            {
                "operator": _org_info(ledger, operator_id),
                "authorized_resources": [
                    {
                        "resource_id": r.resource_id,
                        "name": r.name,
                        "registration_code": r.registration_code,
                        "provider_org_id": r.provider_org_id,
                        "provider_name": ledger.org_name(r.provider_org_id),
                        "status": "withdrawn" if r.withdrawn_on else "in_catalog",
                        "published_on": _day(r.published_on),
                        "withdrawn_on": _day(r.withdrawn_on),
                    }
                    for r in authorized
                ],
                "products": [
                    {
                        "product_id": p.product_id,
                        "name": p.name,
                        "kind": p.kind,
                        "version": p.version,
                        "registration_code": p.registration_code,
                        "scenario_name": (
                            ledger.scenarios[p.scenario_id].name
                            if p.scenario_id in ledger.scenarios
                            else ""
                        ),
                        "status": "withdrawn" if p.withdrawn_on else "released",
                        "released_on": p.released_on.isoformat(),
                        "withdrawn_on": _day(p.withdrawn_on),
                    }
                    for p in products
                    if operator_of(p.product_id) == operator_id
                ],
                "prices": [
                    {
                        "price_id": p.price_id,
                        "product_id": p.product_id,
                        "product_name": product_name(p.product_id),
                        "unit": p.unit,
                        "unit_price_fen": p.unit_price_fen,
                        "tiers": sorted(p.tiers, key=lambda t: t["from_quantity"]),
                        "key_scenario_discount_percent": p.key_scenario_discount_percent,
                        "listed_on": p.listed_on.isoformat(),
                    }
                    for p in prices
                    if operator_of(p.product_id) == operator_id
                ],
            }
        )

    return {
        "title": f"{year}年度公共数据资源授权运营信息披露报告",
        "notice": NOTICE,
        "year": year,
        "region": region,
        "period": {"from": first.isoformat(), "to": last.isoformat()},
        "due_on": due_on(year).isoformat(),
        "implementing_agencies": agencies,
        "operators": operators,
    }


@dataclass(frozen=True, slots=True)
class AnnualReport:
    """A generated report: the content, its hash, and when it was generated.

    ``late``: generated after the due day (DIS-2); ``provisional``: generated before the
    year ended, so the content may still change."""

    year: int
    content: Mapping[str, Any]
    content_hash: str
    generated_at: datetime
    due_on: date
    late: bool
    provisional: bool

    def to_json(self) -> dict[str, Any]:
        return {
            **self.content,
            "content_hash": self.content_hash,
            "generated_at": self.generated_at.astimezone(UTC).isoformat(),
            "late": self.late,
            "provisional": self.provisional,
        }


def build_report(
    facts: Iterable[Fact], *, year: int, region: str, generated_at: datetime
) -> AnnualReport:
    """The annual disclosure report for ``year`` as generated at ``generated_at`` (DIS-2)."""
    content = build_content(facts, year=year, region=region)
    generated_on = local_day(generated_at)
    return AnnualReport(
        year=year,
        content=content,
        content_hash=sha256_hex(content),
        generated_at=generated_at,
        due_on=due_on(year),
        late=generated_on > due_on(year),
        provisional=generated_on <= date(year, 12, 31),
    )


def public_lists(facts: Iterable[Fact], *, region: str, at: datetime) -> dict[str, Any]:
    """What the public pages show on the day of ``at`` (DIS-1, EXP-5, BIL-5): every operator
    selection (tender, result, publicity or annulment), every authorization with its
    present status, the approved scenarios, and the products still
    released with their published prices and caps."""
    ledger = fold(facts, region=region, until=local_day(at))
    prices: dict[str, list[dict[str, Any]]] = {}
    for price in sorted(ledger.prices.values(), key=lambda p: (p.product_id, p.unit)):
        cap = ledger.caps.get((price.product_id, price.unit))
        prices.setdefault(price.product_id, []).append(
            {
                "unit": price.unit,
                "unit_price_fen": price.unit_price_fen,
                "tiers": sorted(price.tiers, key=lambda t: t["from_quantity"]),
                "key_scenario_discount_percent": price.key_scenario_discount_percent,
                "cap_fen": cap.cap_fen if cap else None,
                "listed_on": price.listed_on.isoformat(),
            }
        )
    return {
        "as_of": ledger.until.isoformat(),
        "selections": [
            {
                "authorization_id": s.authorization_id,
                "title": s.title,
                "selection_mode": s.selection_mode,
                "mode": s.mode,
                "domain": s.domain,
                "tendered_on": s.tendered_on.isoformat(),
                "status": s.status,
                "operator_org_id": s.operator_org_id,
                "operator_name": ledger.org_name(s.operator_org_id),
                "publicized_on": _day(s.publicized_on),
                "publicity_ends_at": _local_minute(s.publicity_ends_at),
                "annulled_on": _day(s.annulled_on),
                "annul_reason": s.annul_reason,
            }
            for s in sorted(
                ledger.selections.values(), key=lambda s: (s.tendered_on, s.authorization_id)
            )
        ],
        "authorizations": [
            {
                "agreement_id": a.agreement_id,
                "agency_name": ledger.org_name(a.agency_org_id),
                "operator_name": ledger.org_name(a.operator_org_id),
                "operator_org_id": a.operator_org_id,
                "mode": a.mode,
                "domain": a.domain,
                "scope": _scope_names(ledger, a.resource_scope),
                "starts_on": a.starts_on.isoformat(),
                "ends_on": a.ends_on.isoformat(),
                "signed_on": a.signed_on.isoformat(),
                "status": a.status,
            }
            for a in sorted(ledger.agreements.values(), key=lambda a: (a.signed_on, a.agreement_id))
        ],
        "scenarios": [
            {
                "scenario_id": s.scenario_id,
                "name": s.name,
                "domain": s.domain,
                "scenario_class": s.scenario_class,
                "operator_name": ledger.org_name(s.operator_org_id),
                "approved_on": _day(s.approved_on),
            }
            for s in sorted(ledger.scenarios.values(), key=lambda s: (s.filed_on, s.scenario_id))
            if s.approved_on is not None
        ],
        "products": [
            {
                "product_id": p.product_id,
                "name": p.name,
                "kind": p.kind,
                "version": p.version,
                "registration_code": p.registration_code,
                "released_on": p.released_on.isoformat(),
                "prices": prices.get(p.product_id, []),
            }
            for p in sorted(
                ledger.products.values(), key=lambda p: (p.registration_code, p.product_id)
            )
            if p.withdrawn_on is None
        ],
    }
