"""The circulation certificate (流通凭证) of a product version (EXP-3).

It records what a buyer and the bureau need to trust a product's circulation: its data
sources (each resource with its provider and registration code, CAT-4), its attributes,
the business logic that produced it, the governance rules it obeys, the cryptographic
agreement that binds it (how content is hashed and signed), and the interaction flow
among the rights holders — every data provider (资源持有权) and the developer
(加工使用权、产品经营权) take part. It must be complete before the bureau files the
product, and its hash is what the filing names.

Its governance section also states what the product touches among state secrets,
national security, personal privacy and others' rights (TRD-3), and for which of these
the rights holder's permission is on file; ``product.released`` carries both to the
trading bridge. The developer declares them, but cannot lower the floor ``touches_floor``
derives from the grant: a grade-4 data item (个人敏感) or a verification key that is a
personal identifier means the product touches personal privacy, declared or not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from contracts.canonical import sha256_hex
from contracts.errors import DomainError
from services.product_release.domain.outputs import GrantItem

RULE = "EXP-3"
PERSONAL_PRIVACY = "personal_privacy"
TOUCHES: tuple[str, ...] = (
    "state_secret",
    "national_security",
    PERSONAL_PRIVACY,
    "third_party_rights",
)
"""What a product may touch (TRD-3): 国家秘密, 国家安全, 个人隐私, 他人知识产权和商业秘密."""
PERMITTABLE: tuple[str, ...] = ("third_party_rights",)
"""What a rights holder's permission can make tradable (TRD-3, 000 §5.2: 取得权利人明确许可
授权的除外 covers others' IP and trade secrets only): no permission is ever on file for
state secrets, national security or personal privacy."""
PERSONAL_GRADE = 4
"""The grade of personal sensitive data items (个人敏感, CAT-1 grades 1–4)."""
_PERSONAL_IDENTIFIER = re.compile(
    r"(身份证|居民身份|公民身份|护照|手机|电话|resident_id|person_id|id_number|id_card|idcard"
    r"|legal_rep_id|passport|phone|mobile)",
    re.IGNORECASE,
)
"""Column names that denote a personal identifier: resident ID numbers as sandbox-broker
recognises them, and passport and mobile numbers. A false match only errs on the safe
side (the product then needs the holder's permission on file to be traded)."""


@dataclass(frozen=True, slots=True)
class DataSource:
    resource_id: str
    provider_org_id: str
    registration_code: str


@dataclass(frozen=True, slots=True)
class Interaction:
    """One step of the flow: ``from_org_id`` does ``action`` towards ``to_org_id``."""

    from_org_id: str
    to_org_id: str
    action: str


@dataclass(frozen=True, slots=True)
class CirculationCertificate:
    certificate_id: str
    product_id: str
    version: int
    data_sources: tuple[DataSource, ...]
    attributes: tuple[tuple[str, str], ...]
    """Product attributes as (name, value), e.g. (format, CSV), (update frequency, monthly)."""
    business_logic: str
    governance_rules: str
    cryptographic_agreement: str
    interaction_flow: tuple[Interaction, ...]
    touches: tuple[str, ...] = ()
    """Governance (TRD-3): what the product touches, among ``TOUCHES``."""
    permissions: tuple[str, ...] = ()
    """Governance (TRD-3): those of ``touches`` whose rights holder's permission is on file."""

    def as_record(self) -> dict[str, object]:
        return {
            "certificate_id": self.certificate_id,
            "product_id": self.product_id,
            "version": self.version,
            "data_sources": [
                [s.resource_id, s.provider_org_id, s.registration_code] for s in self.data_sources
            ],
            "attributes": [list(pair) for pair in self.attributes],
            "business_logic": self.business_logic,
            "governance_rules": self.governance_rules,
            "cryptographic_agreement": self.cryptographic_agreement,
            "interaction_flow": [
                [i.from_org_id, i.to_org_id, i.action] for i in self.interaction_flow
            ],
            "touches": list(self.touches),
            "permissions": list(self.permissions),
        }


def certificate_hash(certificate: CirculationCertificate) -> str:
    return sha256_hex(certificate.as_record())


def _missing(field: str, what: str) -> DomainError:
    return DomainError(f"the circulation certificate lacks {what}", rule=RULE, field=field)


def touches_floor(grant_items: Iterable[GrantItem], *, key_column: str = "") -> tuple[str, ...]:
    """TRD-3: what a product touches whatever its developer declares. Personal privacy
    when any granted data item of its export is grade 4 (个人敏感), or when it is a
    verification product whose key column (``key_column``) is a personal identifier."""
    personal = any(item.grade >= PERSONAL_GRADE for item in grant_items) or bool(
        key_column and _PERSONAL_IDENTIFIER.search(key_column)
    )
    return (PERSONAL_PRIVACY,) if personal else ()


def with_floor(certificate: CirculationCertificate, floor: Iterable[str]) -> CirculationCertificate:
    """The certificate with every entry of ``floor`` among its ``touches`` (appended
    after the declared ones, which are kept as declared so ``validate`` still sees them)."""
    added = tuple(t for t in dict.fromkeys(floor) if t not in certificate.touches)
    return replace(certificate, touches=certificate.touches + added) if added else certificate


def _check_governance(certificate: CirculationCertificate) -> None:
    """EXP-3 (for TRD-3): known values, no repeats, permissions only for what is touched."""
    for name in ("touches", "permissions"):
        values: tuple[str, ...] = getattr(certificate, name)
        unknown = [v for v in values if v not in TOUCHES]
        if unknown:
            raise DomainError(
                f"{name} are among {', '.join(TOUCHES)}; not {', '.join(map(repr, unknown))}",
                rule=RULE,
                field=name,
            )
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise DomainError(
                f"{name} name {', '.join(repeated)} more than once", rule=RULE, field=name
            )
    beyond = [p for p in certificate.permissions if p not in certificate.touches]
    if beyond:
        raise DomainError(
            "a permission is on file only for what the product touches; not for "
            + ", ".join(beyond),
            rule=RULE,
            field="permissions",
        )
    never = [p for p in certificate.permissions if p not in PERMITTABLE]
    if never:
        raise DomainError(
            "no rights holder's permission makes "
            + ", ".join(never)
            + " tradable; a permission is on file only for others' IP and trade secrets",
            rule="TRD-3",
            field="permissions",
        )


def validate(certificate: CirculationCertificate, *, developer_org_id: str) -> None:
    """EXP-3: every part present, every rights holder in the interaction flow, and the
    governance section's touches and permissions well formed (TRD-3)."""
    if not certificate.certificate_id.strip():
        raise _missing("certificate_id", "an id")
    if not certificate.data_sources:
        raise _missing("data_sources", "its data sources")
    for index, source in enumerate(certificate.data_sources):
        for name in ("resource_id", "provider_org_id", "registration_code"):
            if not getattr(source, name).strip():
                raise _missing(f"data_sources[{index}].{name}", f"a data source's {name}")
    if not certificate.attributes or any(
        not name.strip() or not value.strip() for name, value in certificate.attributes
    ):
        raise _missing("attributes", "the product's attributes")
    for name, what in (
        ("business_logic", "the business logic"),
        ("governance_rules", "the governance rules"),
        ("cryptographic_agreement", "the cryptographic agreement"),
    ):
        if not getattr(certificate, name).strip():
            raise _missing(name, what)
    if not certificate.interaction_flow:
        raise _missing("interaction_flow", "the interaction flow among rights holders")
    parties: set[str] = set()
    for index, step in enumerate(certificate.interaction_flow):
        if not (step.from_org_id.strip() and step.to_org_id.strip() and step.action.strip()):
            raise _missing(f"interaction_flow[{index}]", "a complete interaction step")
        parties |= {step.from_org_id, step.to_org_id}
    holders = {s.provider_org_id for s in certificate.data_sources} | {developer_org_id}
    absent = sorted(holders - parties)
    if absent:
        raise DomainError(
            "the interaction flow leaves out rights holders: " + ", ".join(absent),
            rule=RULE,
            field="interaction_flow",
        )
    _check_governance(certificate)
