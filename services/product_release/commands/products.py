"""Product versions (产品版本): drafted from an approved export (EXP-1), certified (流通凭证,
EXP-3), filed with the bureau (备案), released with a registration code (CAT-4) onto
the published list (EXP-5), withdrawn; and the operator's affiliates (EXP-4)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contracts.envelope import SYSTEM_ACTOR, Envelope, Role
from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import AgreementExpired, AgreementTerminated
from contracts.expect import expect
from contracts.identifiers.registration_code import registration_code
from libs import aggregate
from libs.auth.principal import Principal
from libs.sequences import next_value
from libs.service import ServiceContext
from libs.store.port import Document
from services.product_release import read_model
from services.product_release.commands import writes
from services.product_release.commands.exports import READERS_OF_ALL
from services.product_release.domain import product
from services.product_release.domain.certificate import CirculationCertificate
from services.product_release.domain.product import (
    Command,
    DraftProduct,
    FileProduct,
    OperatorGroup,
    ProductState,
    ReleaseProduct,
    ReturnFiling,
    WithdrawProduct,
)
from services.product_release.domain.product_list import (
    ENDS_WITH_AUTHORIZATION,
    ListedProduct,
    ended,
    release_date,
)
from services.product_release.repository import (
    AFFILIATIONS,
    EXPORTS,
    GRANTS,
    ON_PUBLIC_LIST,
    PRODUCT_EXTRA,
    PRODUCTS,
    export_from_doc,
    grant_items_from_doc,
    on_public_list,
    product_from_doc,
    product_to_doc,
)

DELIVERED = frozenset({ProductState.RELEASED.value, ProductState.WITHDRAWN.value})
RELATIONS = ("subsidiary", "managed", "holding", "other")


async def operator_group(ctx: ServiceContext, grant: Document | None) -> OperatorGroup:
    """The operator of the grant and the affiliates the bureau declared (EXP-4)."""
    operator = await read_model.operator_of(ctx, grant)
    return OperatorGroup(operator, await read_model.affiliates_of(ctx, operator))


async def _delivered(ctx: ServiceContext, product_ids: Sequence[str]) -> tuple[str, ...]:
    """The products named as sources, each one delivered (released) on the platform."""
    for index, product_id in enumerate(product_ids):
        doc = await ctx.store.get(PRODUCTS, product_id)
        if doc is None or doc["state"] not in DELIVERED:
            raise DomainError(
                f"{product_id} is not a product delivered on the platform",
                rule="EXP-4",
                field=f"derived_from[{index}]",
            )
    return tuple(dict.fromkeys(product_ids))


async def draft_product(
    ctx: ServiceContext,
    principal: Principal,
    *,
    export_id: str,
    name: str,
    description: str,
    kind: str,
    derived_from: Sequence[str],
    answers: Sequence[str],
) -> Document:
    """The developer makes a product version of its own approved export (EXP-1); one
    re-developing a delivered product may not be the operator or its affiliate (EXP-4)."""
    export_doc = await ctx.store.get(EXPORTS, export_id)
    if export_doc is None:
        raise DomainError(f"no export request {export_id}", rule="EXP-1", field="export_id")
    if export_doc["developer_org_id"] != principal.org_id:
        raise Forbidden(f"export {export_id} is not an export of {principal.org_id}", rule="EXP-1")
    if await ctx.store.count(PRODUCTS, {"export_id": export_id}):
        raise Conflict(f"export {export_id} is a product already", rule="EXP-1")
    sources = await _delivered(ctx, derived_from)
    grant = await ctx.store.get(GRANTS, export_doc["grant_id"])
    command = DraftProduct(
        product_id=f"prd-{uuid.uuid4()}",
        version=1,
        export=export_from_doc(export_doc),
        name=name,
        kind=kind,
        operator=await operator_group(ctx, grant),
        derived_from=sources,
        verification_answers=tuple(answers),
        grant_items=grant_items_from_doc(export_doc),
    )
    version, event = product.draft(command)
    doc = product_to_doc(
        version,
        region=ctx.region,
        extra={"description": description, "drafted_at": ctx.clock.now().isoformat()},
    )
    return await writes.insert(
        ctx,
        PRODUCTS,
        doc,
        [event],
        actor=principal.actor(),
        action="product.draft",
        detail={"export_id": export_id, "kind": kind, "derived_from": list(sources)},
    )


def _decided(
    doc: Document, command: Command, extra: dict[str, Any] | None = None
) -> tuple[Document, list[product.ProductEvent]]:
    state = product_from_doc(doc)
    events = product.decide(state, command)
    after = state
    for event in events:
        after = product.evolve(after, event)
    kept = writes.kept(doc, PRODUCT_EXTRA)
    kept.update(extra or {})
    return product_to_doc(after, region=doc["region"], extra=kept), events


async def _load(ctx: ServiceContext, product_id: str) -> Document:
    doc = await ctx.store.get(PRODUCTS, product_id)
    if doc is None:
        raise NotFound(f"no product {product_id}")
    return doc


async def _act(
    ctx: ServiceContext,
    principal: Principal,
    product_id: str,
    command: Command,
    *,
    action: str,
    extra: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> Document:
    return await writes.update(
        ctx,
        PRODUCTS,
        product_id,
        lambda d: _decided(d, command, extra),
        actor=principal.actor(),
        action=action,
        detail=lambda d: {"state": d["state"], **(detail or {})},
    )


async def certify(
    ctx: ServiceContext, principal: Principal, product_id: str, certificate: CirculationCertificate
) -> Document:
    """EXP-3: the developer attaches the product's complete circulation certificate; it
    is kept as filed, raised to the floor of what the product touches (TRD-3)."""
    doc = await _load(ctx, product_id)
    if doc["developer_org_id"] != principal.org_id:
        raise Forbidden(
            f"product {product_id} is not a product of {principal.org_id}", rule="EXP-3"
        )

    def attach(current: Document) -> tuple[Document, list[product.ProductEvent]]:
        version, event, filed = product.certify(product_from_doc(current), certificate)
        kept = writes.kept(current, PRODUCT_EXTRA)
        # JSON text: the record nests arrays, which a document store may refuse
        kept["certificate"] = json.dumps(filed.as_record(), ensure_ascii=False)
        return product_to_doc(version, region=current["region"], extra=kept), [event]

    return await writes.update(
        ctx,
        PRODUCTS,
        product_id,
        attach,
        actor=principal.actor(),
        action="product.certify",
        detail=lambda d: {
            "state": d["state"],
            "certificate_id": certificate.certificate_id,
            "touches": d["touches"],
            "permissions": d["permissions"],
        },
    )


def _in_region(principal: Principal, doc: Document, rule: str) -> None:
    if not principal.within(doc["region"]):
        raise Forbidden(
            f"product {doc['_id']} is in region {doc['region']}, outside {principal.region}",
            rule=rule,
        )


async def file(
    ctx: ServiceContext, principal: Principal, product_id: str, *, accept: bool, reason: str
) -> Document:
    """The bureau files the certified product (备案, EXP-1, EXP-3) or returns it."""
    _in_region(principal, await _load(ctx, product_id), "EXP-3")
    command: Command
    if accept:
        number = await next_value(ctx.store, f"filing:{ctx.region}:product")
        command = FileProduct(
            principal.user_id, principal.role.value, f"备案-{ctx.region}-{number:06d}"
        )
    else:
        command = ReturnFiling(principal.user_id, principal.role.value, reason)
    return await _act(
        ctx,
        principal,
        product_id,
        command,
        action="product.file" if accept else "product.return_filing",
        detail={"reason": reason},
    )


async def _check_operator(
    ctx: ServiceContext, principal: Principal, doc: Document
) -> Document | None:
    """The grant's operator releases (谁授权谁审核); returns the grant projection."""
    grant = await ctx.store.get(GRANTS, doc["grant_id"])
    if principal.role is Role.OPERATOR:
        operator = await read_model.operator_of(ctx, grant)
        if operator and operator != principal.org_id:
            raise Forbidden(
                f"product {doc['_id']} is released by its operator {operator}", rule="EXP-1"
            )
    else:
        _in_region(principal, doc, "EXP-1")
    return grant


async def release(ctx: ServiceContext, principal: Principal, product_id: str) -> Document:
    """A filed product is released with its registration code (登记, CAT-4) and enters
    the published list (EXP-5)."""
    doc = await _load(ctx, product_id)
    grant = await _check_operator(ctx, principal, doc)
    if doc["state"] != ProductState.FILED.value:
        product.advance(doc["state"], product.RELEASED)  # raises EXP-1
    sequence = await next_value(ctx.store, f"registration:{ctx.region}:product")
    code = registration_code(ctx.region, "product", sequence)
    scenario_id = str(grant.get("scenario_id", "")) if grant else ""
    return await _act(
        ctx,
        principal,
        product_id,
        ReleaseProduct(code, scenario_id=scenario_id),
        action="product.release",
        extra={"released_at": ctx.clock.now().isoformat(), "scenario_id": scenario_id},
        detail={"registration_code": code},
    )


async def withdraw(
    ctx: ServiceContext, principal: Principal, product_id: str, reason: str
) -> Document:
    doc = await _load(ctx, product_id)
    await _check_operator(ctx, principal, doc)
    return await _act(
        ctx,
        principal,
        product_id,
        WithdrawProduct(reason),
        action="product.withdraw",
        extra={"withdrawn_reason": reason},
        detail={"reason": reason},
    )


async def get_product(ctx: ServiceContext, principal: Principal, product_id: str) -> Document:
    doc = await _load(ctx, product_id)
    if principal.role.value in READERS_OF_ALL:
        if principal.may_act_in(doc["region"]):
            return doc
    elif doc["developer_org_id"] == principal.org_id:
        return doc
    raise Forbidden(f"product {product_id} is not yours to read", rule="EXP-1")


async def list_products(
    ctx: ServiceContext, principal: Principal, *, state: str | None, offset: int, limit: int
) -> tuple[list[Document], int]:
    where: dict[str, str] = {}
    if principal.role.value not in READERS_OF_ALL:
        where["developer_org_id"] = principal.org_id
    if state:
        where["state"] = state
    docs = await ctx.store.find(PRODUCTS, where, sort=[("drafted_at", 1)], skip=offset, limit=limit)
    return docs, await ctx.store.count(PRODUCTS, where)


def listed(doc: Document) -> ListedProduct:
    entry = ListedProduct(
        product_id=doc["_id"],
        name=doc["name"],
        kind=doc["kind"],
        developer_org_id=doc["developer_org_id"],
        version=int(doc["version"]),
        registration_code=doc["registration_code"],
        certificate_id=doc["certificate_id"],
        released_on=release_date(
            datetime.fromisoformat(doc["released_at"]) if doc.get("released_at") else None
        ),
    )
    if doc["state"] == ProductState.WITHDRAWN.value:
        return ended(entry, str(doc.get("withdrawn_reason", "")))
    return entry


async def published_list(
    ctx: ServiceContext, *, offset: int, limit: int
) -> tuple[list[ListedProduct], int]:
    """EXP-5: one page of the product and service list (产品和服务清单), by registration
    code, paged in the store, and how many products it lists in all; a product whose
    operator's authorization ended shows that status (AUTH-7)."""
    where = {ON_PUBLIC_LIST: True}
    docs = await ctx.store.find(
        PRODUCTS, where, sort=[("registration_code", 1), ("_id", 1)], skip=offset, limit=limit
    )
    return [listed(d) for d in docs], await ctx.store.count(PRODUCTS, where)


async def flag_public_list(ctx: ServiceContext) -> None:
    """At start: a product stored before the ``on_public_list`` flag existed gets it (the
    pending events it holds are kept), so the list pages in the store."""

    def flagged(doc: Document | None) -> Document | None:
        return None if doc is None else {**doc, ON_PUBLIC_LIST: on_public_list(doc)}

    for doc in await ctx.store.find(PRODUCTS, {ON_PUBLIC_LIST: None}):
        await aggregate.project(ctx.store, PRODUCTS, doc["_id"], flagged)


async def end_with_agreement(ctx: ServiceContext, envelope: Envelope) -> list[str]:
    """AUTH-7: the operator's authorization ended (terminated, revoked or expired). What
    the seeds end at once ends here: every released or filed product made under a grant
    of that agreement is withdrawn with the rule and reason — which withdraws its
    exchange listings (trading-bridge) and stops its verification calls (sandbox-broker)
    — and stays on the published list as ``authorization_ended``. What is not the
    platform's to end is left as it is: the records, certificates and registration codes,
    whose ownership is settled by the agreement's asset-ownership section (资产权属,
    000 §3.2(3)), and trades already executed."""
    ended_event = expect(envelope, AgreementTerminated, AgreementExpired)
    how = "terminated" if isinstance(ended_event, AgreementTerminated) else "expired"
    why = getattr(ended_event, "reason", "") or "term ended"
    reason = (
        f"the operator's authorization ended (agreement {ended_event.agreement_id} {how}: "
        f"{why}); the product is no longer offered (AUTH-7)"
    )
    live = [ProductState.RELEASED.value, ProductState.FILED.value]
    withdrawn: list[str] = []
    for doc in await ctx.store.find(PRODUCTS, {"state": {"$in": live}}):
        grant = await ctx.store.get(GRANTS, str(doc.get("grant_id", "")))
        if grant is None:
            continue
        named = str(grant.get("agreement_id", ""))
        if named != ended_event.agreement_id and (
            named or grant.get("operator_org_id") != ended_event.operator_org_id
        ):
            continue
        await writes.update(
            ctx,
            PRODUCTS,
            doc["_id"],
            lambda d: _decided(
                d,
                WithdrawProduct(reason, rule=ENDS_WITH_AUTHORIZATION),
                {"withdrawn_reason": reason, "withdrawn_rule": ENDS_WITH_AUTHORIZATION},
            ),
            actor=SYSTEM_ACTOR,
            action="product.withdraw",
            detail=lambda _: {"reason": reason, "rule": ENDS_WITH_AUTHORIZATION},
            causation=envelope,
        )
        withdrawn.append(doc["_id"])
    return withdrawn


async def declare_affiliation(
    ctx: ServiceContext, principal: Principal, *, org_id: str, operator_org_id: str, relation: str
) -> Document:
    """The bureau declares an organization affiliated with the operator (关联方, EXP-4).
    Identity does not carry affiliations yet, so they are declared here."""
    if org_id == operator_org_id:
        raise DomainError("an organization is not its own affiliate", rule="EXP-4", field="org_id")
    doc = await read_model.upsert(
        ctx,
        AFFILIATIONS,
        org_id,
        lambda d: {
            **d,
            "operator_org_id": operator_org_id,
            "relation": relation,
            "declared_by": principal.org_id,
            "declared_at": ctx.clock.now().isoformat(),
        },
    )
    await aggregate.audit(
        ctx,
        principal.actor(),
        "affiliation.declare",
        org_id,
        {"operator_org_id": operator_org_id, "relation": relation},
    )
    return doc


async def affiliations(ctx: ServiceContext) -> list[Document]:
    return await ctx.store.find(AFFILIATIONS, sort=[("_id", 1)])
