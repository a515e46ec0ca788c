"""``/product-release/products``: product versions from approved exports, their
circulation certificates (流通凭证, EXP-3), filing (备案), release with a registration code
(CAT-4), withdrawal, and the public product and service list (产品和服务清单, EXP-5)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from contracts.envelope import Role
from libs.auth.guard import principal_of, roles
from libs.http.paging import Paging
from libs.http.views import converted
from libs.service import ServiceContext
from libs.store.port import Document
from services.product_release.api.exports import READERS
from services.product_release.api.schemas import (
    CertificateBody,
    FilingBody,
    ListedProductPage,
    ListedProductView,
    ProductBody,
    ProductPage,
    ProductView,
    ReasonBody,
    VerificationView,
)
from services.product_release.commands import products as product_commands
from services.product_release.domain.certificate import (
    CirculationCertificate,
    DataSource,
    Interaction,
)
from services.product_release.domain.product import ProductState, verification_spec
from services.product_release.repository import product_from_doc


def view(doc: Document) -> ProductView:
    """The product version as answered, converted from its document by msgspec; given by
    hand only the id, the version as a number, the certificate (stored as its JSON text)
    and the verification it answers (computed from the version)."""
    spec = verification_spec(product_from_doc(doc))
    return converted(
        doc,
        ProductView,
        product_id=doc["_id"],
        version=int(doc["version"]),
        certificate=json.loads(doc["certificate"]) if doc.get("certificate") else None,
        verification=(
            VerificationView(
                sandbox_id=spec.sandbox_id,
                output_name=spec.output_name,
                key_column=spec.key_column,
                answer_column=spec.answer_column,
                answers=list(spec.answers),
            )
            if spec
            else None
        ),
    )


def certificate_of(
    doc: Document, body: CertificateBody, certificate_id: str
) -> CirculationCertificate:
    return CirculationCertificate(
        certificate_id=certificate_id,
        product_id=doc["_id"],
        version=int(doc["version"]),
        data_sources=tuple(
            DataSource(s.resource_id, s.provider_org_id, s.registration_code)
            for s in body.data_sources
        ),
        attributes=tuple((a.name, a.value) for a in body.attributes),
        business_logic=body.business_logic,
        governance_rules=body.governance_rules,
        cryptographic_agreement=body.cryptographic_agreement,
        interaction_flow=tuple(
            Interaction(i.from_org_id, i.to_org_id, i.action) for i in body.interaction_flow
        ),
        touches=tuple(body.touches),
        permissions=tuple(body.permissions),
    )


class ProductController(Controller):
    path = "/products"
    tags = ["products"]

    @post("/", guards=[roles(Role.DEVELOPER)], summary="Draft a product of an approved export")
    async def draft(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        data: JSONBody[ProductBody],
    ) -> ProductView:
        doc = await product_commands.draft_product(
            ctx,
            principal_of(request),
            export_id=data.export_id,
            name=data.name,
            description=data.description,
            kind=data.kind,
            derived_from=data.derived_from,
            answers=data.answers,
        )
        return view(doc)

    @get("/", guards=[roles(*READERS)], summary="Product versions one may see")
    async def browse(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
        request: Request[Any, Any, Any],
        in_state: Annotated[ProductState | None, QueryParameter(name="state")] = None,
    ) -> ProductPage:
        docs, total = await product_commands.list_products(
            ctx,
            principal_of(request),
            state=in_state.value if in_state else None,
            offset=paging.offset,
            limit=paging.limit,
        )
        return paging.page(
            items=[view(d) for d in docs],
            total=total,
        )

    @get(
        "/list",
        opt={"public": True},
        tags=["public"],
        summary="The product and service list (产品和服务清单), public (EXP-5)",
    )
    async def published(
        self,
        ctx: NamedDependency[ServiceContext],
        paging: NamedDependency[Paging],
    ) -> ListedProductPage:
        listed, total = await product_commands.published_list(
            ctx, offset=paging.offset, limit=paging.limit
        )
        return paging.page(
            items=[ListedProductView(**p.as_record()) for p in listed],  # type: ignore[arg-type]
            total=total,
        )

    @get("/{product_id:str}", guards=[roles(*READERS)], summary="One product version")
    async def read(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        product_id: FromPath[str],
    ) -> ProductView:
        return view(await product_commands.get_product(ctx, principal_of(request), product_id))

    @post(
        "/{product_id:str}/certificate",
        guards=[roles(Role.DEVELOPER)],
        status_code=200,
        summary="Attach the circulation certificate (流通凭证, EXP-3)",
    )
    async def certify(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        product_id: FromPath[str],
        data: JSONBody[CertificateBody],
    ) -> ProductView:
        principal = principal_of(request)
        doc = await product_commands.get_product(ctx, principal, product_id)
        certificate = certificate_of(doc, data, f"cert-{product_id}-{int(doc['version'])}")
        return view(await product_commands.certify(ctx, principal, product_id, certificate))

    @post(
        "/{product_id:str}/filing",
        guards=[roles(Role.BUREAU)],
        status_code=200,
        summary="File the product with the bureau (备案), or return it (EXP-1, EXP-3)",
    )
    async def file(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        product_id: FromPath[str],
        data: JSONBody[FilingBody],
    ) -> ProductView:
        doc = await product_commands.file(
            ctx, principal_of(request), product_id, accept=data.accept, reason=data.reason
        )
        return view(doc)

    @post(
        "/{product_id:str}/release",
        guards=[roles(Role.OPERATOR)],
        status_code=200,
        summary="Release a filed product with its registration code (登记, CAT-4)",
    )
    async def release(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        product_id: FromPath[str],
    ) -> ProductView:
        return view(await product_commands.release(ctx, principal_of(request), product_id))

    @post(
        "/{product_id:str}/withdrawal",
        guards=[roles(Role.OPERATOR, Role.BUREAU)],
        status_code=200,
        summary="Withdraw a filed or released product",
    )
    async def withdraw(
        self,
        ctx: NamedDependency[ServiceContext],
        request: Request[Any, Any, Any],
        product_id: FromPath[str],
        data: JSONBody[ReasonBody],
    ) -> ProductView:
        principal = principal_of(request)
        return view(await product_commands.withdraw(ctx, principal, product_id, data.reason))
