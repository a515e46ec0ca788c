"""Events of identity: organizations, developer admission (入驻) and operator
authorization agreements (授权运营协议)."""

from __future__ import annotations

from datetime import date

from contracts.events.base import Event


class OrgRegistered(Event, frozen=True, tag="org.registered"):
    org_id: str
    name: str
    role: str
    region: str
    credit_code: str


class DeveloperAdmitted(Event, frozen=True, tag="developer.admitted"):
    developer_org_id: str
    operator_org_id: str
    development_agreement_id: str


class DeveloperRemoved(Event, frozen=True, tag="developer.removed"):
    developer_org_id: str
    operator_org_id: str
    reason: str


class AgreementSigned(Event, frozen=True, tag="agreement.signed"):
    agreement_id: str
    operator_org_id: str
    mode: str
    starts_on: date
    ends_on: date
    resource_scope: list[str] = []


class AgreementSuspended(Event, frozen=True, tag="agreement.suspended"):
    agreement_id: str
    operator_org_id: str
    reason: str
    correction_due: date


class AgreementTerminated(Event, frozen=True, tag="agreement.terminated"):
    agreement_id: str
    operator_org_id: str
    reason: str


class AgreementExpired(Event, frozen=True, tag="agreement.expired"):
    agreement_id: str
    operator_org_id: str
