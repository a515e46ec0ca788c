"""The operator authorization agreement (授权运营协议): its required sections (AUTH-4), its
term (AUTH-3), its renewal window (AUTH-5) and its authorization mode (AUTH-10).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from contracts.errors import Conflict, DomainError
from services.identity.domain.dates import add_months, add_years
from services.identity.domain.jurisdiction import JurisdictionSettings

REQUIRED_SECTIONS: dict[str, str] = {
    "resource_scope": "授权资源范围和目录 (resource scope and catalog)",
    "products_and_services": "产品和服务清单及技术标准、审核要求 (products and services, "
    "technical standards, review requirements)",
    "technical_platform": "技术平台 (technical platform)",
    "asset_ownership": "资产归属 (asset ownership)",
    "disclosure_duties": "信息披露义务及不得对已交付产品再开发 (disclosure duties; no "
    "re-development of delivered products)",
    "cost_and_revenue": "成本收益核算与收益分配 (cost and revenue accounting, revenue sharing)",
    "security": "数据安全、个人信息保护、风险监测和应急措施 (data security, personal "
    "information, risk monitoring, emergency measures)",
    "evaluation_renewal_exit": "评估、续期与退出 (evaluation, renewal and exit)",
    "liability": "违约责任 (liability)",
    "dispute_resolution": "争议解决 (dispute resolution)",
    "change_and_termination": "变更和终止条件 (change and termination conditions)",
}
"""AUTH-4: the eleven sections an agreement must contain before it is signed."""


class AuthorizationMode(StrEnum):
    """AUTH-10: 整体授权 (the default), 分领域授权 (by an industry authority) and 个别授权
    (non-exclusive)."""

    WHOLE = "whole"
    DOMAIN = "domain"
    INDIVIDUAL = "individual"


@dataclass(frozen=True, slots=True)
class Scope:
    """What is authorized: the mode, for domain mode the domain and its industry authority,
    and the resources (catalog ids or names)."""

    mode: AuthorizationMode = AuthorizationMode.WHOLE
    domain: str = ""
    industry_authority_org_id: str = ""
    resources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Agreement:
    agreement_id: str
    operator_org_id: str
    starts_on: date
    ends_on: date
    sections: dict[str, str] = field(default_factory=dict)
    signed_at: datetime | None = None
    signed_by: str = ""


def check_scope(scope: Scope) -> Scope:
    """AUTH-10: a domain authorization names its domain and industry authority; an
    individual one names the resources it covers."""
    if scope.mode is AuthorizationMode.DOMAIN and not (
        scope.domain.strip() and scope.industry_authority_org_id.strip()
    ):
        raise DomainError(
            "a domain authorization (分领域授权) names the domain and the industry authority "
            "that reviews it",
            rule="AUTH-10",
            field="domain",
        )
    if scope.mode is AuthorizationMode.INDIVIDUAL and not scope.resources:
        raise DomainError(
            "an individual authorization (个别授权) lists the resources it covers",
            rule="AUTH-10",
            field="resources",
        )
    return scope


def missing_sections(sections: Mapping[str, str]) -> list[str]:
    return [key for key in REQUIRED_SECTIONS if not sections.get(key, "").strip()]


def check_sections_complete(sections: Mapping[str, str]) -> None:
    """AUTH-4: no signature while a required section is missing or empty."""
    missing = missing_sections(sections)
    if missing:
        raise DomainError(
            "the agreement cannot be signed while required sections are missing: "
            + "; ".join(f"{key} — {REQUIRED_SECTIONS[key]}" for key in missing),
            rule="AUTH-4",
            field="sections",
        )


def check_known_sections(sections: Mapping[str, str]) -> None:
    unknown = sorted(set(sections) - set(REQUIRED_SECTIONS))
    if unknown:
        raise DomainError(
            f"unknown section(s) {', '.join(unknown)}; sections are: "
            + ", ".join(REQUIRED_SECTIONS),
            rule="AUTH-4",
            field="sections",
        )


def latest_end(starts_on: date, settings: JurisdictionSettings) -> date:
    """The last day a term starting on ``starts_on`` may run to (AUTH-3)."""
    return add_years(starts_on, settings.max_term_years)


def check_term(starts_on: date, ends_on: date, settings: JurisdictionSettings) -> None:
    """AUTH-3: the term ends after it starts and no later than the jurisdiction maximum;
    where the source fixes the term (Zibo 有效期为3年, 000 §3.2) it is exactly that long:
    it ends on the day before the anniversary of its start, or on the anniversary when the
    first day is not counted (Civil Code art. 201)."""
    if ends_on <= starts_on:
        raise DomainError("the term must end after it starts", rule="AUTH-3", field="ends_on")
    limit = latest_end(starts_on, settings)
    if settings.fixed_term and ends_on < limit - timedelta(days=1):
        raise DomainError(
            f"region {settings.region} fixes the term at {settings.max_term_years} years: a "
            f"term from {starts_on} ends on {limit - timedelta(days=1)} (or {limit}), not "
            f"{ends_on}",
            rule="AUTH-3",
            field="ends_on",
        )
    if ends_on > limit:
        kind = "fixed term" if settings.fixed_term else "maximum"
        raise DomainError(
            f"a term from {starts_on} to {ends_on} exceeds the {settings.max_term_years}-year "
            f"{kind} of region {settings.region} (latest end {limit})",
            rule="AUTH-3",
            field="ends_on",
        )


def renewal_window_opens(ends_on: date, settings: JurisdictionSettings) -> date:
    return add_months(ends_on, -settings.renewal_window_months)


def check_renewal_window(today: date, ends_on: date, settings: JurisdictionSettings) -> None:
    """AUTH-5: renewal is applied for within the last months before expiry, not earlier."""
    opens = renewal_window_opens(ends_on, settings)
    if not opens <= today <= ends_on:
        raise DomainError(
            f"renewal is applied for between {opens} and {ends_on} (the last "
            f"{settings.renewal_window_months} months of the term); today is {today}",
            rule="AUTH-5",
            field="today",
        )


@dataclass(frozen=True, slots=True)
class ActiveAgreement:
    """Another agreement in force in the region, for the exclusivity check of AUTH-10."""

    authorization_id: str
    scope: Scope


def check_exclusive(scope: Scope, others: Iterable[ActiveAgreement]) -> None:
    """AUTH-10: one whole authorization per region and one domain authorization per domain
    at a time; individual authorizations are non-exclusive and never block or get blocked."""
    for other in others:
        if scope.mode is AuthorizationMode.WHOLE and other.scope.mode is AuthorizationMode.WHOLE:
            raise Conflict(
                f"a whole authorization (整体授权) is already in force: {other.authorization_id}",
                rule="AUTH-10",
            )
        if (
            scope.mode is AuthorizationMode.DOMAIN
            and other.scope.mode is AuthorizationMode.DOMAIN
            and other.scope.domain == scope.domain
        ):
            raise Conflict(
                f"the domain {scope.domain!r} is already authorized: {other.authorization_id}",
                rule="AUTH-10",
            )
