"""Data-use applications (一场景一申请) and their multi-party review (REQ-1 … REQ-4).

Theory of operation: a developer applies for exactly one active scenario, naming the
resources and data items it needs, each item with its justification (最小必要, REQ-2).
Submission checks the preconditions (REQ-4): the developer is admitted and not removed,
the operator's agreement is active, every resource is in the operation catalog and every
item is published and not withheld (CAT-2). The application then lists its required
reviewers (REQ-3): the bureau — or, under a domain authorization, the industry
authority that granted it (谁授权谁审核) — and every provider whose resource is
requested. Each records approve or reject once per round; an approval may narrow the
items (never widen) and add row filters and masking, a provider only for its own
resources. Any rejection rejects the application at once; the last approval approves it.
An upheld appeal (REQ-6) reopens a rejected application for a new round with the scope
reset to the request. Allowed steps are the rows of ``TRANSITIONS``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum

from contracts.confidentiality import Confidentiality, require_current
from contracts.errors import Conflict, DomainError, Forbidden
from contracts.events import (
    ApplicationDecided,
    ApplicationSubmitted,
    GrantedResource,
    RequestedResource,
    ReviewRecorded,
)
from contracts.machine import transition
from services.request_review.domain.calendar import local_day
from services.request_review.domain.scenario import Scenario
from services.request_review.domain.standing import (
    AgreementRecord,
    DeveloperRecord,
    ResourceRecord,
)

MACHINE = "application"


class State(StrEnum):
    UNDER_REVIEW = "under_review"  # 审核中
    APPROVED = "approved"  # 已批准: a grant was issued
    REJECTED = "rejected"  # 已驳回: may be appealed (REQ-6)


class Action(StrEnum):
    APPROVE = "approve"  # one reviewer approves; others still to come
    APPROVE_LAST = "approve_last"  # the last required approval
    REJECT = "reject"
    REOPEN = "reopen"  # an upheld appeal sends it back to review


TRANSITIONS: dict[State, dict[Action, State]] = {
    State.UNDER_REVIEW: {
        Action.APPROVE: State.UNDER_REVIEW,
        Action.APPROVE_LAST: State.APPROVED,
        Action.REJECT: State.REJECTED,
    },
    State.REJECTED: {Action.REOPEN: State.UNDER_REVIEW},
    State.APPROVED: {},
}
TERMINAL: frozenset[State] = frozenset({State.APPROVED})


def advance(state: str, action: Action) -> State:
    """The state after ``action``; ``IllegalTransition`` (REQ-3) if there is none."""
    return transition(MACHINE, TRANSITIONS, state, action, rule="REQ-3")


class Party(StrEnum):
    """Who must review (REQ-3)."""

    BUREAU = "bureau"  # 实施机构, under whole or individual authorization
    INDUSTRY_AUTHORITY = "industry_authority"  # 行业主管部门, under domain authorization
    PROVIDER = "provider"  # 数据提供单位 of a requested resource


@dataclass(frozen=True, slots=True)
class ReviewerSlot:
    party: str
    org_id: str
    """The reviewing organization; empty for the bureau (any bureau user of the region)."""


@dataclass(frozen=True, slots=True)
class RequestedItem:
    name: str
    justification: str


@dataclass(frozen=True, slots=True)
class RequestLine:
    resource_id: str
    items: tuple[RequestedItem, ...]


@dataclass(frozen=True, slots=True)
class ApplyForScenario:
    """A developer's application for one scenario (REQ-1, REQ-2)."""

    scenario_id: str
    developer_org_id: str
    applicant_user_id: str
    purpose: str
    resources: tuple[RequestLine, ...]
    wished_valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class ResourceScope:
    """What the grant will allow of one resource, as narrowed so far (REQ-2, REQ-5)."""

    resource_id: str
    provider_org_id: str
    items: tuple[str, ...]
    row_filter: str = ""
    masking: dict[str, str] = field(default_factory=dict)
    origin_region: str = ""
    """FED-2: the region whose catalog the resource came from (the province's for data
    granted back, 回流), carried to the grant and the sandbox."""


@dataclass(frozen=True, slots=True)
class Review:
    party: str
    reviewer_org_id: str
    reviewer_user_id: str
    decision: str
    opinion: str
    expert_opinion: str
    at: datetime
    round: int


@dataclass(frozen=True, slots=True)
class Application:
    application_id: str
    scenario_id: str
    scenario_class: str
    operator_org_id: str
    agreement_id: str
    agreement_mode: str
    developer_org_id: str
    applicant_user_id: str
    purpose: str
    requested: tuple[RequestLine, ...]
    reviewers: tuple[ReviewerSlot, ...]
    scope: tuple[ResourceScope, ...]
    submitted_at: datetime
    wished_valid_until: date | None = None
    status: str = State.UNDER_REVIEW.value
    round: int = 1
    reviews: tuple[Review, ...] = ()
    decided_at: datetime | None = None
    decision_reason: str = ""
    grant_id: str = ""

    @property
    def current_reviews(self) -> tuple[Review, ...]:
        return tuple(r for r in self.reviews if r.round == self.round)

    @property
    def resource_ids(self) -> tuple[str, ...]:
        return tuple(line.resource_id for line in self.requested)

    @property
    def provider_org_ids(self) -> frozenset[str]:
        return frozenset(s.provider_org_id for s in self.scope)


def _refuse(detail: str, part: str, rule: str = "REQ-4") -> DomainError:
    return DomainError(detail, rule=rule, field=part)


def check_request(cmd: ApplyForScenario) -> None:
    """REQ-1, REQ-2: one scenario, a purpose, and every item named once with its reason."""
    if not cmd.purpose.strip():
        raise _refuse("state the purpose of the data use", "purpose", "REQ-1")
    if not cmd.resources:
        raise _refuse("request at least one resource", "resources", "REQ-2")
    seen: set[str] = set()
    for i, line in enumerate(cmd.resources):
        if line.resource_id in seen:
            raise _refuse(
                f"resource {line.resource_id} is requested twice",
                f"resources[{i}].resource_id",
                "REQ-2",
            )
        seen.add(line.resource_id)
        if not line.items:
            raise _refuse("request at least one data item", f"resources[{i}].items", "REQ-2")
        names: set[str] = set()
        for j, item in enumerate(line.items):
            if item.name in names:
                raise _refuse(
                    f"data item {item.name!r} is requested twice",
                    f"resources[{i}].items[{j}].name",
                    "REQ-2",
                )
            names.add(item.name)
            if not item.justification.strip():
                raise _refuse(
                    f"data item {item.name!r} needs a justification (最小必要)",
                    f"resources[{i}].items[{j}].justification",
                    "REQ-2",
                )


def check_preconditions(
    cmd: ApplyForScenario,
    *,
    scenario: Scenario,
    developer: DeveloperRecord | None,
    agreement: AgreementRecord | None,
    resources: Mapping[str, ResourceRecord],
    today: date,
) -> None:
    """REQ-4 (and REQ-8: a retired scenario takes no application), each refusal naming
    the failing part."""
    if not scenario.accepts_applications:
        raise _refuse(
            f"scenario {scenario.scenario_id} was retired; it accepts no new application",
            "scenario_id",
            "REQ-8",
        )
    if developer is None or not developer.in_good_standing:
        state = "was removed" if developer and developer.admitted_at else "is not admitted"
        raise _refuse(f"developer {cmd.developer_org_id} {state} (入驻)", "developer_org_id")
    if agreement is None:
        raise _refuse(
            f"operator {scenario.operator_org_id} has no authorization agreement", "agreement"
        )
    if not agreement.is_active(today):
        raise _refuse(
            f"the operator's agreement {agreement.agreement_id} is "
            f"{agreement.standing(today)}, not active",
            "agreement",
        )
    if cmd.wished_valid_until is not None and cmd.wished_valid_until < today:
        raise _refuse("the wished validity ends in the past", "wished_valid_until", "REQ-5")
    for i, line in enumerate(cmd.resources):
        record = resources.get(line.resource_id)
        where = f"resources[{i}].resource_id"
        if record is None:
            raise _refuse(
                f"resource {line.resource_id} is not in the operation catalog (运营目录)", where
            )
        if record.negative_listed:
            raise _refuse(
                f"resource {line.resource_id} is on the negative list (负面清单, CAT-2)", where
            )
        if record.withdrawn:
            raise _refuse(f"resource {line.resource_id} was withdrawn", where)
        if not record.in_operation_catalog:
            state = f" (its proposal was {record.proposal})" if record.proposal else ""
            raise _refuse(
                f"resource {line.resource_id} is not in the operation catalog (运营目录){state}",
                where,
            )
        for j, item in enumerate(line.items):
            if not record.grantable(item.name):
                why = (
                    "withheld (负面清单, CAT-2)"
                    if item.name in record.withheld_items
                    else "not in its published item list"
                )
                raise _refuse(
                    f"data item {item.name!r} of resource {line.resource_id} is {why}",
                    f"resources[{i}].items[{j}].name",
                )


def required_reviewers(
    agreement: AgreementRecord, resources: Sequence[ResourceRecord]
) -> tuple[ReviewerSlot, ...]:
    """REQ-3: the bureau, or under domain authorization its industry authority (谁授权谁
    审核), then each provider of a requested resource, once."""
    if agreement.mode == "domain" and agreement.industry_authority_org_id:
        first = ReviewerSlot(Party.INDUSTRY_AUTHORITY.value, agreement.industry_authority_org_id)
    else:
        first = ReviewerSlot(Party.BUREAU.value, "")
    providers = sorted({r.provider_org_id for r in resources})
    return (first, *(ReviewerSlot(Party.PROVIDER.value, org) for org in providers))


def submit(
    cmd: ApplyForScenario,
    *,
    application_id: str,
    scenario: Scenario,
    developer: DeveloperRecord | None,
    agreement: AgreementRecord | None,
    resources: Mapping[str, ResourceRecord],
    now: datetime,
) -> tuple[Application, ApplicationSubmitted]:
    """REQ-1, REQ-2, REQ-4: the checked application, under review by its required
    reviewers."""
    check_request(cmd)
    check_preconditions(
        cmd,
        scenario=scenario,
        developer=developer,
        agreement=agreement,
        resources=resources,
        today=local_day(now),
    )
    if agreement is None:  # refused by check_preconditions; typed for the checker
        raise DomainError("no authorization agreement is known", rule="REQ-4", field="agreement_id")
    records = [resources[line.resource_id] for line in cmd.resources]
    application = Application(
        application_id=application_id,
        scenario_id=scenario.scenario_id,
        scenario_class=scenario.terms.scenario_class,
        operator_org_id=scenario.operator_org_id,
        agreement_id=agreement.agreement_id,
        agreement_mode=agreement.mode,
        developer_org_id=cmd.developer_org_id,
        applicant_user_id=cmd.applicant_user_id,
        purpose=cmd.purpose,
        requested=cmd.resources,
        reviewers=required_reviewers(agreement, records),
        scope=requested_scope(cmd.resources, records),
        submitted_at=now,
        wished_valid_until=cmd.wished_valid_until,
    )
    return application, ApplicationSubmitted(
        application_id=application_id,
        scenario_id=scenario.scenario_id,
        developer_org_id=cmd.developer_org_id,
        resources=[
            RequestedResource(resource_id=line.resource_id, items=[i.name for i in line.items])
            for line in cmd.resources
        ],
    )


def requested_scope(
    lines: Sequence[RequestLine], records: Sequence[ResourceRecord]
) -> tuple[ResourceScope, ...]:
    """The scope before any review: exactly what was requested (REQ-2)."""
    by_id = {r.resource_id: r for r in records}
    return tuple(
        ResourceScope(
            resource_id=line.resource_id,
            provider_org_id=by_id[line.resource_id].provider_org_id,
            items=tuple(i.name for i in line.items),
            origin_region=by_id[line.resource_id].origin_region,
        )
        for line in lines
    )


@dataclass(frozen=True, slots=True)
class Narrowing:
    """A reviewer's conditions on one resource (REQ-2, REQ-5): fewer items (None keeps
    them), a row filter (a SQL boolean expression the sandbox broker guards) and masking
    (item → method)."""

    resource_id: str
    items: tuple[str, ...] | None = None
    row_filter: str = ""
    masking: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordReview:
    reviewer_org_id: str
    reviewer_user_id: str
    reviewer_role: str
    reviewer_confidentiality: Confidentiality
    """The reviewer's confidentiality agreement (保密协议) as their token states it (SEC-4)."""
    decision: str
    opinion: str
    expert_opinion: str = ""
    narrowing: tuple[Narrowing, ...] = ()


DECISION_ACTIONS: dict[str, Action] = {"approve": Action.APPROVE, "reject": Action.REJECT}
DECISIONS = frozenset(DECISION_ACTIONS)


def slot_for(application: Application, *, role: str, org_id: str) -> ReviewerSlot:
    """The required-reviewer slot the caller fills (REQ-3); the bureau fills the bureau
    slot, an organization the slot naming it (the industry authority before its own
    provider slot). Anyone else is refused."""
    for slot in application.reviewers:
        if slot.party == Party.BUREAU.value and role == "bureau":
            return slot
    for party in (Party.INDUSTRY_AUTHORITY.value, Party.PROVIDER.value):
        for slot in application.reviewers:
            if slot.party == party and slot.org_id == org_id:
                return slot
    raise Forbidden(
        f"{org_id} ({role}) is not a required reviewer of application {application.application_id}",
        rule="REQ-3",
    )


def slots_of(application: Application, *, role: str, org_id: str) -> tuple[ReviewerSlot, ...]:
    """Every slot the caller fills: an industry authority that also provides a resource
    fills both with one review."""
    return tuple(
        s
        for s in application.reviewers
        if (s.party == Party.BUREAU.value and role == "bureau")
        or (s.party != Party.BUREAU.value and s.org_id == org_id)
    )


def _narrow(
    scope: tuple[ResourceScope, ...],
    narrowing: Sequence[Narrowing],
    *,
    slots: Sequence[ReviewerSlot],
    org_id: str,
) -> tuple[ResourceScope, ...]:
    """REQ-2: items only shrink; row filters add up (AND); masking only on items in the
    scope. A provider-only reviewer conditions only its own resources (REQ-3)."""
    governs_all = any(s.party != Party.PROVIDER.value for s in slots)
    by_id = {s.resource_id: s for s in scope}
    for i, cond in enumerate(narrowing):
        current = by_id.get(cond.resource_id)
        if current is None:
            raise DomainError(
                f"resource {cond.resource_id} is not part of this application",
                rule="REQ-2",
                field=f"resources[{i}].resource_id",
            )
        if not governs_all and current.provider_org_id != org_id:
            raise Forbidden(
                f"resource {cond.resource_id} is provided by {current.provider_org_id}; a "
                "provider sets conditions only on its own resources",
                rule="REQ-3",
            )
        items = current.items
        if cond.items is not None:
            wider = sorted(set(cond.items) - set(current.items))
            if wider:
                raise DomainError(
                    f"a review may only narrow the request, never widen it: {wider} "
                    "are not requested",
                    rule="REQ-2",
                    field=f"resources[{i}].items",
                )
            if not cond.items:
                raise DomainError(
                    "keep at least one item, or reject the application",
                    rule="REQ-2",
                    field=f"resources[{i}].items",
                )
            items = tuple(x for x in current.items if x in set(cond.items))
        unknown = sorted(set(cond.masking) - set(items))
        if unknown:
            raise DomainError(
                f"masking names items outside the scope: {unknown}",
                rule="REQ-2",
                field=f"resources[{i}].masking",
            )
        row_filter = current.row_filter
        if cond.row_filter.strip():
            extra = cond.row_filter.strip()
            row_filter = f"({row_filter}) AND ({extra})" if row_filter else extra
        masking = {k: v for k, v in current.masking.items() if k in items}
        masking.update(cond.masking)
        by_id[cond.resource_id] = replace(
            current, items=items, row_filter=row_filter, masking=masking
        )
    return tuple(by_id[s.resource_id] for s in scope)


def record_review(
    application: Application, cmd: RecordReview, *, now: datetime
) -> tuple[Application, list[ReviewRecorded | ApplicationDecided]]:
    """REQ-3: one review per required reviewer and round; a rejection decides at once,
    the last approval decides approval. The caller issues the grant on approval.

    SEC-4: only a person with a confidentiality agreement current on the day reviews;
    checked first, before anything of the application is weighed."""
    require_current(cmd.reviewer_confidentiality, now.date(), doing="review applications")
    if cmd.decision not in DECISIONS:
        raise DomainError("decision is approve or reject", rule="REQ-3", field="decision")
    slot = slot_for(application, role=cmd.reviewer_role, org_id=cmd.reviewer_org_id)
    slots = slots_of(application, role=cmd.reviewer_role, org_id=cmd.reviewer_org_id)
    if application.status != State.UNDER_REVIEW.value:
        # No row of the table lets a decided application be reviewed: this raises.
        advance(application.status, DECISION_ACTIONS[cmd.decision])
    if _key(slot) in {_reviewed(r) for r in application.current_reviews}:
        raise Conflict(
            f"{cmd.reviewer_org_id} already reviewed application {application.application_id}",
            rule="REQ-3",
        )
    if cmd.decision == "reject" and cmd.narrowing:
        raise DomainError("a rejection sets no conditions", rule="REQ-3", field="resources")
    scope = _narrow(application.scope, cmd.narrowing, slots=slots, org_id=cmd.reviewer_org_id)
    reviews = tuple(
        Review(
            party=s.party,
            reviewer_org_id=cmd.reviewer_org_id,
            reviewer_user_id=cmd.reviewer_user_id,
            decision=cmd.decision,
            opinion=cmd.opinion,
            expert_opinion=cmd.expert_opinion,
            at=now,
            round=application.round,
        )
        for s in slots
    )
    after = replace(application, scope=scope, reviews=(*application.reviews, *reviews))
    recorded = ReviewRecorded(
        application_id=application.application_id,
        reviewer_org_id=cmd.reviewer_org_id,
        reviewer_role=cmd.reviewer_role,
        decision=cmd.decision,
        opinion=cmd.opinion,
    )
    if cmd.decision == "reject":
        state = advance(application.status, Action.REJECT)
        reason = cmd.opinion or "rejected in review"
        after = replace(after, status=state.value, decided_at=now, decision_reason=reason)
        return after, [recorded, _decided(after, "rejected", reason)]
    if outstanding_reviewers(after):
        advance(application.status, Action.APPROVE)
        return after, [recorded]
    state = advance(application.status, Action.APPROVE_LAST)
    after = replace(after, status=state.value, decided_at=now, decision_reason="")
    return after, [recorded, _decided(after, "approved", "")]


def _key(slot: ReviewerSlot) -> tuple[str, str]:
    return slot.party, slot.org_id


def _reviewed(review: Review) -> tuple[str, str]:
    """The slot a review filled (the bureau's slot names no organization)."""
    return review.party, "" if review.party == Party.BUREAU.value else review.reviewer_org_id


def outstanding_reviewers(application: Application) -> tuple[ReviewerSlot, ...]:
    done = {_reviewed(r) for r in application.current_reviews}
    return tuple(s for s in application.reviewers if _key(s) not in done)


def _decided(application: Application, decision: str, reason: str) -> ApplicationDecided:
    return ApplicationDecided(
        application_id=application.application_id,
        scenario_id=application.scenario_id,
        developer_org_id=application.developer_org_id,
        decision=decision,
        reason=reason,
    )


def reopen(application: Application) -> Application:
    """REQ-6: an upheld appeal sends a rejected application back to review; the reviews
    of the earlier round stay on record, the scope returns to the request."""
    state = advance(application.status, Action.REOPEN)
    earlier = {s.resource_id: s for s in application.scope}
    scope = tuple(
        ResourceScope(
            resource_id=line.resource_id,
            provider_org_id=earlier[line.resource_id].provider_org_id,
            items=tuple(i.name for i in line.items),
            origin_region=earlier[line.resource_id].origin_region,
        )
        for line in application.requested
    )
    return replace(
        application,
        status=state.value,
        round=application.round + 1,
        scope=scope,
        decided_at=None,
        decision_reason="",
    )


def granted_resources(application: Application) -> list[GrantedResource]:
    """REQ-2, REQ-5: what the grant allows — the scope as the reviewers left it."""
    return [
        GrantedResource(
            resource_id=s.resource_id,
            items=list(s.items),
            row_filter=s.row_filter,
            masking=dict(s.masking),
            origin_region=s.origin_region,
        )
        for s in application.scope
    ]


def visible_to(application: Application, *, role: str, org_id: str) -> bool:
    """Who may read an application: the bureau and supervisors all; the developer its
    own; a provider or industry authority those it reviews (that request its data)."""
    if role in {"bureau", "supervisor"}:
        return True
    if role == "developer":
        return application.developer_org_id == org_id
    return any(s.org_id == org_id for s in application.reviewers if s.org_id)
