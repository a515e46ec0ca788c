"""Random walks through operator authorization with the pure decide/evolve, from a tender
or from a point further on. Each step is either a move the transition table allows now,
sent by the party that would send it (with the clock moved as that move needs), or any
command from anyone at any time. A command is refused with a ``DomainError`` or moves the
authorization along the table: never another exception, never a state or a move outside
the table. (Measured while writing it: 300 walks take 29 of the table's 30 moves.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.envelope import SYSTEM_ACTOR, Actor
from contracts.errors import DomainError
from services.identity.domain import authorizing as cmd
from services.identity.domain.authorization import TRANSITIONS, Authorization, evolve_all
from services.identity.domain.dates import add_months, add_years, local_date
from tests.unit.services.identity.factories import (
    BUREAU,
    NOW,
    OPERATOR,
    OPERATOR_CODE,
    PROVIDER,
    RIVAL,
    SECTIONS,
    drive,
    facts_factory,
    record_factory,
)

ACTORS = [BUREAU, OPERATOR, RIVAL, PROVIDER, SYSTEM_ACTOR]
OBJECTIONS = st.sampled_from(["obj-1", "obj-2"])


def at_day(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=NOW.tzinfo)


def _end(auth: Authorization) -> date:
    return auth.agreement.ends_on if auth.agreement else local_date(NOW)


Move = tuple[cmd.Command, Actor, datetime]
Guide = Callable[[st.DataObject, Authorization, datetime], Move]


def _draft(data: st.DataObject, auth: Authorization, now: datetime) -> Move:
    starts = local_date(now) + timedelta(days=data.draw(st.sampled_from([1, 1, -1])))
    years = data.draw(st.sampled_from([3, 3, 4]))
    sections = data.draw(st.sampled_from([dict(SECTIONS), dict(SECTIONS), {}]))
    ends = add_years(starts, years)
    return cmd.DraftAgreement("agr-1", starts, ends, sections), BUREAU, now


def _renewal(data: st.DataObject, auth: Authorization, now: datetime) -> Move:
    inside = at_day(add_months(_end(auth), -1))
    proposed = add_years(_end(auth), data.draw(st.sampled_from([2, 3, 5])))
    return cmd.ApplyForRenewal(proposed), OPERATOR, max(now, inside)


def _terminate(data: st.DataObject, auth: Authorization, now: datetime) -> Move:
    everything = {g for grounds in cmd.TERMINATION_GROUNDS.values() for g in grounds}
    ground = data.draw(st.sampled_from(sorted(cmd.TERMINATION_GROUNDS.get(auth.state, everything))))
    if ground in cmd.CORRECTION_OVERDUE_GROUNDS and auth.suspension is not None:
        now = max(now, at_day(auth.suspension.correction_due + timedelta(days=1)))
    return cmd.Terminate(ground, "理由"), BUREAU, now


GUIDES: dict[str, Guide] = {
    "application_submitted": lambda d, a, n: (
        cmd.SubmitApplication("app-op", record_factory()),
        OPERATOR,
        n,
    ),
    "applications_closed": lambda d, a, n: (cmd.CloseApplications(), BUREAU, n),
    "application_scored": lambda d, a, n: (
        cmd.ScoreApplication("app-op", d.draw(st.floats(0, 100))),
        BUREAU,
        n,
    ),
    "result_publicized": lambda d, a, n: (cmd.PublicizeResult(), BUREAU, n),
    "objection_filed": lambda d, a, n: (
        cmd.FileObjection(d.draw(OBJECTIONS), "异议"),
        RIVAL,
        n,
    ),
    "objection_dismissed": lambda d, a, n: (
        cmd.DecideObjection(d.draw(OBJECTIONS), False, "理由"),
        BUREAU,
        n,
    ),
    "objection_upheld": lambda d, a, n: (
        cmd.DecideObjection(d.draw(OBJECTIONS), True, "理由"),
        BUREAU,
        n,
    ),
    "publicity_closed": lambda d, a, n: (
        cmd.ClosePublicity(),
        SYSTEM_ACTOR,
        max(n, a.publicity_ends_at or n),
    ),
    "agreement_drafted": _draft,
    "collective_decision_recorded": lambda d, a, n: (
        cmd.RecordCollectiveDecision("局党组会议", local_date(n), d.draw(st.booleans())),
        BUREAU,
        n,
    ),
    "finance_opinion_recorded": lambda d, a, n: (
        cmd.RecordFinanceOpinion("市财政局", "无异议", local_date(n)),
        BUREAU,
        n,
    ),
    "agreement_signed": lambda d, a, n: (cmd.SignAgreement(), BUREAU, n),
    "renewal_applied": _renewal,
    "renewal_approved": lambda d, a, n: (cmd.DecideRenewal(True, "理由"), BUREAU, n),
    "renewal_rejected": lambda d, a, n: (cmd.DecideRenewal(False, "理由"), BUREAU, n),
    "agreement_suspended": lambda d, a, n: (cmd.Suspend("违规"), BUREAU, n),
    "correction_reported": lambda d, a, n: (cmd.ReportCorrection("已整改"), OPERATOR, n),
    "agreement_reinstated": lambda d, a, n: (cmd.Reinstate(), BUREAU, n),
    "agreement_terminated": _terminate,
    "agreement_expired": lambda d, a, n: (
        cmd.Expire(),
        SYSTEM_ACTOR,
        max(n, at_day(_end(a) + timedelta(days=1))),
    ),
    "tender_cancelled": lambda d, a, n: (cmd.CancelTender("取消"), BUREAU, n),
}


def _anything(data: st.DataObject, auth: Authorization, now: datetime) -> Move:
    """Any move the guides know, from anyone, after any delay."""
    kind = data.draw(st.sampled_from(sorted(GUIDES)))
    command, _, when = GUIDES[kind](data, auth, now)
    if data.draw(st.booleans()):
        command = cmd.TransferOperationRight(
            "org-x", data.draw(st.sampled_from(["transfer", "subcontract"]))
        )
    actor = data.draw(st.sampled_from(ACTORS))
    return command, actor, when + timedelta(days=data.draw(st.sampled_from([0, 1, 8, 400])))


ENDINGS = frozenset({"tender_cancelled", "agreement_terminated", "agreement_expired"})


def weight(move: str) -> int:
    """Walks that end at once explore little: moves into terminal states are rarer."""
    return 1 if move in ENDINGS else 5


def facts_for(actor: Actor, at: datetime) -> cmd.Facts:
    return facts_factory(actor, at, applicant_credit_code=OPERATOR_CODE, applicant_role="operator")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_AUTH_random_walks_stay_inside_the_transition_table(data: st.DataObject) -> None:
    start = data.draw(st.sampled_from(["tender_published", "publicized", "active", "suspended"]))
    auth, now = drive(start)
    for _ in range(data.draw(st.integers(1, 40))):
        moves = [m for m in sorted(TRANSITIONS[auth.state]) for _ in range(weight(m))]
        if moves and data.draw(st.integers(0, 3)) > 0:
            command, actor, when = GUIDES[data.draw(st.sampled_from(moves))](data, auth, now)
        else:
            command, actor, when = _anything(data, auth, now)
        now = max(now, when)
        before = auth.state
        try:
            events = cmd.decide(auth, command, facts_for(actor, now))
        except DomainError as refused:
            assert refused.detail
            continue
        for event in events:
            assert event.kind in TRANSITIONS[auth.state], (auth.state, event.kind)
        auth = evolve_all(auth, events)
        assert auth.state == TRANSITIONS[before][events[-1].kind]
        for event in events:
            cmd.published(auth, event)  # maps to a contract event or to none, never fails
