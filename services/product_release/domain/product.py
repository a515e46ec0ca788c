"""Product versions (产品版本): from an approved export to a filed, released product.

Theory of operation::

    drafted ─certified─▶ certified ─filed─▶ filed ─released─▶ released ─withdrawn─▶ withdrawn ▪
       ▲                     │                └──────────────withdrawn──────────────▲
       └──filing returned────┘

Only an approved export (EXP-1) becomes a version — a dataset (数据集) or a
verification API (核验接口) that answers from a closed set of categories, never with
the data. Its circulation certificate must be complete (EXP-3) before the bureau files
it (备案), and only a filed version is released (EXP-1). A product derived from a
delivered product is refused when its developer is the operator or an affiliate
(EXP-4, 管住一级、放开二级). A dataset is made from a table export, a verification
product from a verification export; ``product.released`` of a verification product
carries where its answers come from (``VerificationSpec``), which ``draft`` keeps from
the export because ``product.drafted`` does not carry it.

``product.released`` also carries what the product touches and the permissions on file
(TRD-3), from its certificate's governance section. ``draft`` derives the floor of
``touches`` from the export's granted data items; ``certify`` raises the certificate to
that floor, and keeps both lists on the version, because ``product.certified`` carries
only the certificate's id and hash.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from contracts.errors import Conflict, DomainError, Forbidden, NotFound
from contracts.events import (
    ProductCertified,
    ProductDrafted,
    ProductFiled,
    ProductFilingReturned,
    ProductReleased,
    ProductWithdrawn,
    VerificationSpec,
)
from contracts.machine import transition
from services.product_release.domain.certificate import (
    CirculationCertificate,
    certificate_hash,
    touches_floor,
    validate,
    with_floor,
)
from services.product_release.domain.export_request import ExportRequest, ExportState
from services.product_release.domain.outputs import GrantItem

MACHINE = "product version"
KINDS = {"dataset": "数据集", "verification": "核验接口"}
EXPORT_KIND_OF = {"dataset": "table", "verification": "verification"}
"""The export kind each product kind is made from."""


class ProductState(StrEnum):
    DRAFTED = "drafted"
    CERTIFIED = "certified"
    FILED = "filed"
    RELEASED = "released"
    WITHDRAWN = "withdrawn"


DRAFTED = "product.drafted"
CERTIFIED = "product.certified"
FILED = "product.filed"
FILING_RETURNED = "product.filing_returned"
RELEASED = "product.released"
WITHDRAWN = "product.withdrawn"

TRANSITIONS: dict[ProductState, dict[str, ProductState]] = {
    ProductState.DRAFTED: {CERTIFIED: ProductState.CERTIFIED},
    ProductState.CERTIFIED: {
        FILED: ProductState.FILED,
        FILING_RETURNED: ProductState.DRAFTED,
    },
    ProductState.FILED: {
        RELEASED: ProductState.RELEASED,
        WITHDRAWN: ProductState.WITHDRAWN,
    },
    ProductState.RELEASED: {WITHDRAWN: ProductState.WITHDRAWN},
}
TERMINAL: frozenset[ProductState] = frozenset({ProductState.WITHDRAWN})
EVENT_TYPES: tuple[str, ...] = (CERTIFIED, FILED, FILING_RETURNED, RELEASED, WITHDRAWN)
_RULE_OF_EVENT = {FILED: "EXP-3", RELEASED: "EXP-1", CERTIFIED: "EXP-3"}


def advance(state: str, event: str) -> ProductState:
    """The state after ``event``; ``IllegalTransition`` if there is none."""
    return transition(MACHINE, TRANSITIONS, state, event, rule=_RULE_OF_EVENT)


@dataclass(frozen=True, slots=True)
class OperatorGroup:
    """The operator (运营机构) and its affiliates (关联方: subsidiaries, managed bodies)."""

    operator_org_id: str
    affiliate_org_ids: frozenset[str] = frozenset()

    def includes(self, org_id: str) -> bool:
        return org_id == self.operator_org_id or org_id in self.affiliate_org_ids


@dataclass(frozen=True, slots=True)
class ProductVersion:
    product_id: str
    version: int
    export_id: str
    name: str
    kind: str
    developer_org_id: str
    derived_from: tuple[str, ...] = ()
    verification_answers: tuple[str, ...] = ()
    state: ProductState = ProductState.DRAFTED
    certificate_id: str = ""
    certificate_hash: str = ""
    filing_number: str = ""
    registration_code: str = ""
    sandbox_id: str = ""
    grant_id: str = ""
    output_name: str = ""
    key_column: str = ""
    answer_column: str = ""
    """Where a verification product answers from (``VerificationSpec``); the draft event
    does not carry them, so ``draft`` sets them from the approved export."""
    filing_return_reason: str = ""
    touches_floor: tuple[str, ...] = ()
    """What the product touches whatever its certificate declares (TRD-3), set by ``draft``."""
    touches: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    """The certificate's touches and permissions (TRD-3), set by ``certify``."""


@dataclass(frozen=True, slots=True)
class DraftProduct:
    product_id: str
    version: int
    export: ExportRequest
    name: str
    kind: str
    operator: OperatorGroup
    derived_from: tuple[str, ...] = ()
    """Delivered products (already released) the export's job read."""
    verification_answers: tuple[str, ...] = ()
    grant_items: tuple[GrantItem, ...] = ()
    """The granted data items of the export as staged, with their grades (TRD-3 floor)."""


@dataclass(frozen=True, slots=True)
class AttachCertificate:
    certificate: CirculationCertificate


@dataclass(frozen=True, slots=True)
class FileProduct:
    bureau_user_id: str
    actor_role: str
    filing_number: str


@dataclass(frozen=True, slots=True)
class ReturnFiling:
    bureau_user_id: str
    actor_role: str
    reason: str


@dataclass(frozen=True, slots=True)
class ReleaseProduct:
    registration_code: str
    """The product's registration code (登记编号, CAT-4), allocated by the caller."""
    scenario_id: str = ""
    """The scenario of the grant the product was made under (一场景一申请)."""


@dataclass(frozen=True, slots=True)
class WithdrawProduct:
    reason: str
    rule: str = ""
    """``AUTH-7`` when the operator's authorization ended, not the operator's choice."""


Command = (
    DraftProduct | AttachCertificate | FileProduct | ReturnFiling | ReleaseProduct | WithdrawProduct
)
ProductEvent = (
    ProductDrafted
    | ProductCertified
    | ProductFiled
    | ProductFilingReturned
    | ProductReleased
    | ProductWithdrawn
)


def event_type(event: ProductEvent) -> str:
    match event:
        case ProductDrafted():
            return DRAFTED
        case ProductCertified():
            return CERTIFIED
        case ProductFiled():
            return FILED
        case ProductFilingReturned():
            return FILING_RETURNED
        case ProductReleased():
            return RELEASED
        case ProductWithdrawn():
            return WITHDRAWN
    raise TypeError(f"not a product event: {event!r}")


def _draft(command: DraftProduct) -> ProductDrafted:
    export = command.export
    if export.state is not ExportState.APPROVED:
        raise Conflict(
            f"export {export.export_id} is {export.state.value}: only an approved export "
            "becomes a product",
            rule="EXP-1",
        )
    developer = export.developer_org_id
    if command.derived_from and command.operator.includes(developer):
        raise Forbidden(
            "the operator and its affiliates may not re-develop products delivered on the "
            "platform (管住一级、放开二级)",
            rule="EXP-4",
            field="derived_from",
        )
    if command.kind not in KINDS:
        raise DomainError(
            f"a product is one of {', '.join(KINDS)}, not {command.kind!r}", field="kind"
        )
    if EXPORT_KIND_OF[command.kind] != export.kind:
        raise DomainError(
            f"a {command.kind} product is made from a {EXPORT_KIND_OF[command.kind]} export, "
            f"not a {export.kind} one",
            rule="EXP-1",
            field="kind",
        )
    answers = command.verification_answers
    if command.kind == "verification" and (
        not answers or len(set(answers)) != len(answers) or not all(a.strip() for a in answers)
    ):
        raise DomainError(
            "a verification API answers from a closed set of distinct categories (一致/不一致 …)",
            field="verification_answers",
        )
    if not command.name.strip() or command.version < 1:
        raise DomainError("a product version has a name and a version from 1", field="name")
    return ProductDrafted(
        product_id=command.product_id,
        version=command.version,
        export_id=export.export_id,
        name=command.name,
        kind=command.kind,
        developer_org_id=developer,
        derived_from=list(command.derived_from),
    )


def draft(command: DraftProduct) -> tuple[ProductVersion, ProductDrafted]:
    """A new product version and its event, with what the event does not carry: the
    verification answers, where the answers come from (the approved export) and the
    floor of what the product touches (TRD-3)."""
    [event] = decide(None, command)
    if not isinstance(event, ProductDrafted):
        raise Conflict(f"{MACHINE}: drafting recorded {event.__struct_config__.tag}")
    export = command.export
    key = export.key_column if command.kind == "verification" else ""
    version = replace(
        evolve(None, event),
        verification_answers=command.verification_answers,
        sandbox_id=export.sandbox_id,
        grant_id=export.grant_id,
        output_name=export.output_name,
        key_column=export.key_column,
        answer_column=export.answer_column,
        touches_floor=touches_floor(command.grant_items, key_column=key),
    )
    return version, event


def certify(
    state: ProductVersion | None, certificate: CirculationCertificate
) -> tuple[ProductVersion, ProductCertified, CirculationCertificate]:
    """EXP-3 and TRD-3: the version certified, its event, and the certificate as it is
    filed — raised to the version's floor of ``touches`` whatever the developer declared.
    The version keeps the certificate's touches and permissions for ``product.released``."""
    if state is None:
        raise NotFound("no such product version")
    filed = with_floor(certificate, state.touches_floor)
    [event] = decide(state, AttachCertificate(filed))
    if not isinstance(event, ProductCertified):
        raise Conflict(f"{MACHINE}: certifying recorded {event.__struct_config__.tag}")
    version = replace(evolve(state, event), touches=filed.touches, permissions=filed.permissions)
    return version, event, filed


def verification_spec(state: ProductVersion) -> VerificationSpec | None:
    """For a verification product: the production sandbox, the approved output, its key
    and answer columns and the closed set of answers that may leave."""
    if state.kind != "verification":
        return None
    return VerificationSpec(
        sandbox_id=state.sandbox_id,
        output_name=state.output_name,
        key_column=state.key_column,
        answer_column=state.answer_column,
        answers=list(state.verification_answers),
    )


def _bureau(user_id: str, role: str) -> None:
    if role != "bureau" or not user_id.strip():
        raise Forbidden("products are filed by a named user of the bureau (备案)", rule="EXP-1")


def decide(state: ProductVersion | None, command: Command) -> list[ProductEvent]:
    if isinstance(command, DraftProduct):
        if state is not None:
            raise Conflict(f"product {command.product_id} v{command.version} already exists")
        return [_draft(command)]
    if state is None:
        raise NotFound("no such product version")
    match command:
        case AttachCertificate(certificate=certificate):
            advance(state.state, CERTIFIED)
            if (certificate.product_id, certificate.version) != (state.product_id, state.version):
                raise DomainError("the certificate is for another product version", rule="EXP-3")
            validate(certificate, developer_org_id=state.developer_org_id)
            lowered = [t for t in state.touches_floor if t not in certificate.touches]
            if lowered:
                raise DomainError(
                    "the certificate cannot leave out what the grant shows the product "
                    "touches: " + ", ".join(lowered),
                    rule="TRD-3",
                    field="touches",
                )
            return [
                ProductCertified(
                    product_id=state.product_id,
                    version=state.version,
                    certificate_id=certificate.certificate_id,
                    certificate_hash=certificate_hash(certificate),
                )
            ]
        case FileProduct(bureau_user_id=user, actor_role=role, filing_number=number):
            advance(state.state, FILED)
            _bureau(user, role)
            if not number.strip():
                raise DomainError("a filing has its number", rule="EXP-1", field="filing_number")
            return [
                ProductFiled(
                    product_id=state.product_id,
                    version=state.version,
                    filing_number=number,
                    bureau_user_id=user,
                    certificate_hash=state.certificate_hash,
                )
            ]
        case ReturnFiling(bureau_user_id=user, actor_role=role, reason=reason):
            advance(state.state, FILING_RETURNED)
            _bureau(user, role)
            if not reason.strip():
                raise DomainError(
                    "a returned filing gives its reason", rule="EXP-3", field="reason"
                )
            return [
                ProductFilingReturned(
                    product_id=state.product_id,
                    version=state.version,
                    bureau_user_id=user,
                    reason=reason,
                )
            ]
        case ReleaseProduct(registration_code=code, scenario_id=scenario_id):
            advance(state.state, RELEASED)
            if not code.strip():
                raise DomainError(
                    "a released product has its registration code",
                    rule="CAT-4",
                    field="registration_code",
                )
            return [
                ProductReleased(
                    product_id=state.product_id,
                    version=state.version,
                    name=state.name,
                    kind=state.kind,
                    developer_org_id=state.developer_org_id,
                    registration_code=code,
                    certificate_id=state.certificate_id,
                    verification=verification_spec(state),
                    scenario_id=scenario_id,
                    grant_id=state.grant_id,
                    touches=list(state.touches),
                    permissions=list(state.permissions),
                )
            ]
        case WithdrawProduct(reason=reason, rule=rule):
            advance(state.state, WITHDRAWN)
            return [ProductWithdrawn(product_id=state.product_id, reason=reason, rule=rule)]
    raise TypeError(f"unknown command {command!r}")


def evolve(state: ProductVersion | None, event: ProductEvent) -> ProductVersion:
    if isinstance(event, ProductDrafted):
        if state is not None:
            raise Conflict(f"product {event.product_id} v{event.version} already exists")
        return ProductVersion(
            product_id=event.product_id,
            version=event.version,
            export_id=event.export_id,
            name=event.name,
            kind=event.kind,
            developer_org_id=event.developer_org_id,
            derived_from=tuple(event.derived_from),
        )
    if state is None:
        raise NotFound("no such product version")
    moved = replace(state, state=advance(state.state, event_type(event)))
    match event:
        case ProductCertified():
            return replace(
                moved,
                certificate_id=event.certificate_id,
                certificate_hash=event.certificate_hash,
            )
        case ProductFiled():
            return replace(moved, filing_number=event.filing_number)
        case ProductFilingReturned():
            return replace(
                moved,
                certificate_id="",
                certificate_hash="",
                filing_return_reason=event.reason,
                touches=(),
                permissions=(),
            )
        case ProductReleased():
            return replace(moved, registration_code=event.registration_code)
    return moved


def replay(events: Iterable[ProductEvent]) -> ProductVersion | None:
    state: ProductVersion | None = None
    for event in events:
        state = evolve(state, event)
    return state
