"""The circulation certificate (流通凭证) of a product version (EXP-3).

It records what a buyer and the bureau need to trust a product's circulation: its data
sources (each resource with its provider and registration code, CAT-4), its attributes,
the business logic that produced it, the governance rules it obeys, the cryptographic
agreement that binds it (how content is hashed and signed), and the interaction flow
among the rights holders — every data provider (资源持有权) and the developer
(加工使用权、产品经营权) take part. It must be complete before the bureau files the
product, and its hash is what the filing names.
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts.canonical import sha256_hex
from contracts.errors import DomainError

RULE = "EXP-3"


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
        }


def certificate_hash(certificate: CirculationCertificate) -> str:
    return sha256_hex(certificate.as_record())


def _missing(field: str, what: str) -> DomainError:
    return DomainError(f"the circulation certificate lacks {what}", rule=RULE, field=field)


def validate(certificate: CirculationCertificate, *, developer_org_id: str) -> None:
    """EXP-3: every part present, and every rights holder in the interaction flow."""
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
