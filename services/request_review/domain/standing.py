"""What request-review knows of other services' facts (read models kept from their
events): developers' admission (入驻), operators' agreements (授权运营协议) and the
operation catalog (运营目录). These decide the preconditions of an application (REQ-4).

Theory of operation: each ``apply_*`` folds one event into a record and is pure. Events
of one aggregate arrive in order on their topic, but a redelivery or a read across topics
may come late, so every step is written to converge whatever the order: ends
(termination, expiry, withdrawal, negative listing) are sticky, a withheld item stays
withheld, and suspension against reinstatement (or admission against removal) is decided
by the later ``occurred_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from contracts.events import (
    AgreementExpired,
    AgreementReinstated,
    AgreementRenewed,
    AgreementSigned,
    AgreementSuspended,
    AgreementTerminated,
    DeveloperAdmitted,
    DeveloperRemoved,
    ResourceChanged,
    ResourceNegativeListed,
    ResourceProposed,
    ResourcePublished,
    ResourceRegistered,
    ResourceRejected,
    ResourceWithdrawn,
)

EPOCH = datetime.fromisoformat("1970-01-01T00:00:00+00:00")


@dataclass(frozen=True, slots=True)
class DeveloperRecord:
    """A developer organization's admission, as identity reported it (DEV-1, DEV-2)."""

    developer_org_id: str
    operator_org_id: str = ""
    admitted_at: datetime = EPOCH
    removed_at: datetime = EPOCH

    @property
    def in_good_standing(self) -> bool:
        """REQ-4: admitted, and not removed since."""
        return self.admitted_at > EPOCH and self.admitted_at > self.removed_at


def apply_developer(
    record: DeveloperRecord | None,
    event: DeveloperAdmitted | DeveloperRemoved,
    at: datetime,
) -> DeveloperRecord:
    current = record or DeveloperRecord(developer_org_id=event.developer_org_id)
    match event:
        case DeveloperAdmitted():
            if at <= current.admitted_at:
                return current
            return replace(current, admitted_at=at, operator_org_id=event.operator_org_id)
        case DeveloperRemoved():
            return replace(current, removed_at=max(current.removed_at, at))
    raise AssertionError(f"not a developer event: {event!r}")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class AgreementRecord:
    """An operator's authorization agreement: its mode (AUTH-10), term and standing."""

    agreement_id: str
    operator_org_id: str = ""
    mode: str = ""
    domain: str = ""
    industry_authority_org_id: str = ""
    starts_on: date | None = None
    ends_on: date | None = None
    signed_at: datetime = EPOCH
    suspended_at: datetime = EPOCH
    reinstated_at: datetime = EPOCH
    ended: str = ""
    """``terminated`` or ``expired``: the agreement is over for good (AUTH-6, AUTH-7)."""

    @property
    def suspended(self) -> bool:
        return self.suspended_at > self.reinstated_at

    def is_active(self, today: date) -> bool:
        """REQ-4: signed, within its term, neither suspended nor ended."""
        return (
            self.signed_at > EPOCH
            and not self.ended
            and not self.suspended
            and self.starts_on is not None
            and self.ends_on is not None
            and self.starts_on <= today <= self.ends_on
        )

    def standing(self, today: date) -> str:
        """A word for refusals and views: active, suspended, terminated, expired, …"""
        if self.ended:
            return self.ended
        if self.signed_at == EPOCH:
            return "unsigned"
        if self.suspended:
            return "suspended"
        if self.ends_on is not None and today > self.ends_on:
            return "expired"
        if self.starts_on is not None and today < self.starts_on:
            return "not_started"
        return "active"


AgreementEvent = (
    AgreementSigned
    | AgreementSuspended
    | AgreementTerminated
    | AgreementExpired
    | AgreementRenewed
    | AgreementReinstated
)


def apply_agreement(
    record: AgreementRecord | None, event: AgreementEvent, at: datetime
) -> AgreementRecord:
    current = record or AgreementRecord(
        agreement_id=event.agreement_id, operator_org_id=event.operator_org_id
    )
    match event:
        case AgreementSigned():
            ends = event.ends_on
            if current.ends_on is not None and current.ends_on > ends:
                ends = current.ends_on  # a renewal seen first is kept
            return replace(
                current,
                mode=event.mode,
                domain=event.domain,
                industry_authority_org_id=event.industry_authority_org_id,
                starts_on=event.starts_on,
                ends_on=ends,
                signed_at=max(current.signed_at, at),
            )
        case AgreementSuspended():
            return replace(current, suspended_at=max(current.suspended_at, at))
        case AgreementReinstated():
            return replace(current, reinstated_at=max(current.reinstated_at, at))
        case AgreementRenewed():
            ends = event.ends_on
            if current.ends_on is not None and current.ends_on > ends:
                ends = current.ends_on
            return replace(current, ends_on=ends)
        case AgreementTerminated():
            return replace(current, ended="terminated")
        case AgreementExpired():
            return current if current.ended else replace(current, ended="expired")
    raise AssertionError(f"not an agreement event: {event!r}")  # pragma: no cover


def governing_agreement(
    agreements: Iterable[AgreementRecord], *, operator_org_id: str, domain: str, today: date
) -> AgreementRecord | None:
    """The agreement under which an application of the operator's scenario is reviewed
    (AUTH-10): a domain authorization of the scenario's domain governs that domain;
    otherwise the whole or individual authorization, an active one first, the latest
    signed first. None if the operator has no agreement at all."""
    own = [a for a in agreements if a.operator_org_id == operator_org_id and a.signed_at > EPOCH]
    in_domain = [a for a in own if a.mode == "domain" and domain and a.domain == domain]
    candidates = in_domain or [a for a in own if a.mode != "domain"]
    if not candidates:
        return None
    return max(candidates, key=lambda a: (a.is_active(today), a.signed_at))


@dataclass(frozen=True, slots=True)
class ResourceRecord:
    """A catalog resource as far as grants are concerned (CAT-2, CAT-3)."""

    resource_id: str
    provider_org_id: str = ""
    name: str = ""
    published_items: tuple[str, ...] = ()
    published_at: datetime = EPOCH
    withheld_items: tuple[str, ...] = ()
    withdrawn: bool = False
    negative_listed: bool = False
    proposal: str = ""
    """The last proposal's outcome while not yet published: ``proposed`` or ``rejected``."""
    proposal_at: datetime = EPOCH
    origin_region: str = ""
    """FED-2: the region whose catalog stream brought the resource (its envelope's
    region): this platform's own, or the province's for data granted back (回流)."""

    @property
    def in_operation_catalog(self) -> bool:
        return self.published_at > EPOCH and not self.withdrawn and not self.negative_listed

    def grantable(self, item: str) -> bool:
        """CAT-2: published with the resource, and not withheld since."""
        return item in self.published_items and item not in self.withheld_items


ResourceEvent = (
    ResourceRegistered
    | ResourceProposed
    | ResourceRejected
    | ResourceChanged
    | ResourcePublished
    | ResourceWithdrawn
    | ResourceNegativeListed
)


def _union(*parts: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({i for p in parts for i in p}))


def apply_resource(
    record: ResourceRecord | None, event: ResourceEvent, at: datetime, region: str = ""
) -> ResourceRecord:
    """Fold one catalog event; ``region`` is the event's (its envelope's), kept as the
    resource's region of origin the first time it is known (FED-2)."""
    current = record or ResourceRecord(
        resource_id=event.resource_id, provider_org_id=event.provider_org_id
    )
    if region and not current.origin_region:
        current = replace(current, origin_region=region)
    match event:
        case ResourceRegistered():
            return replace(current, name=current.name or event.name)
        case ResourceProposed() | ResourceRejected():
            if at <= current.proposal_at:
                return current
            outcome = "proposed" if isinstance(event, ResourceProposed) else "rejected"
            return replace(current, proposal=outcome, proposal_at=at)
        case ResourceChanged():
            return replace(
                current,
                name=event.name,
                withheld_items=_union(current.withheld_items, event.withheld_items),
            )
        case ResourcePublished():
            if at <= current.published_at:
                return current
            return replace(current, published_items=tuple(event.items), published_at=at)
        case ResourceWithdrawn():
            return replace(current, withdrawn=True)
        case ResourceNegativeListed():
            if event.item_name is None:
                return replace(current, negative_listed=True)
            return replace(
                current, withheld_items=_union(current.withheld_items, [event.item_name])
            )
    raise AssertionError(f"not a resource event: {event!r}")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class RejectedExport:
    """An export review that product-release rejected (出域审核), so it can be appealed."""

    export_id: str
    sandbox_id: str
    grant_id: str
    reason: str


def grant_of_sandbox(sandbox_id: str) -> str:
    """Sandbox ids are ``sbx-<env>-<grant_id>`` (``sbx-pro-…``, ``sbx-dev-…``)."""
    prefix, _, rest = sandbox_id.partition("-")
    env, _, grant_id = rest.partition("-")
    if prefix != "sbx" or not env or not grant_id:
        return ""
    return grant_id
