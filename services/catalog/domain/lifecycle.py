"""The lifecycle of a catalog entry (资源目录条目): its states, actions and transition table
(CAT-2, CAT-3, CAT-4).

Theory of operation: a resource is registered (登记), proposed for the operation catalog
(编制申报), published (审核发布) or rejected; the negative list (负面清单) takes it out for
good and a cancellation registration (注销登记) ends it. Every allowed step is one row of
``TRANSITIONS``; ``advance`` goes through the one ``contracts.machine.transition``, so
anything else raises ``IllegalTransition`` naming the state, the action and the rule.
The resource, the operation catalog and the negative list all build on this module, and
it on nothing of theirs.
"""

from __future__ import annotations

from enum import StrEnum

from contracts.machine import transition

MACHINE = "operation catalog"


class State(StrEnum):
    REGISTERED = "registered"  # 已登记: in the resource catalog, not in the operation catalog
    PROPOSED = "proposed"  # 已申报: the provider proposed it; the bureau reviews
    PUBLISHED = "published"  # 已发布: in the operation catalog
    REJECTED = "rejected"  # 已驳回: the bureau said no, with a reason
    NEGATIVE_LISTED = "negative_listed"  # 负面清单: never in the operation catalog
    CANCELLED = "cancelled"  # 已注销: registration cancelled


class Action(StrEnum):
    PROPOSE = "propose"
    PUBLISH = "publish"
    REJECT = "reject"
    CHANGE = "change"
    WITHHOLD_ITEM = "withhold_item"
    NEGATIVE_LIST = "negative_list"
    CANCEL = "cancel"


TRANSITIONS: dict[State, dict[Action, State]] = {
    State.REGISTERED: {
        Action.PROPOSE: State.PROPOSED,
        Action.CHANGE: State.REGISTERED,
        Action.WITHHOLD_ITEM: State.REGISTERED,
        Action.NEGATIVE_LIST: State.NEGATIVE_LISTED,
        Action.CANCEL: State.CANCELLED,
    },
    State.PROPOSED: {
        Action.PUBLISH: State.PUBLISHED,
        Action.REJECT: State.REJECTED,
        Action.CHANGE: State.PROPOSED,
        Action.WITHHOLD_ITEM: State.PROPOSED,
        Action.NEGATIVE_LIST: State.NEGATIVE_LISTED,
        Action.CANCEL: State.CANCELLED,
    },
    State.PUBLISHED: {
        Action.CHANGE: State.PUBLISHED,
        Action.WITHHOLD_ITEM: State.PUBLISHED,
        Action.NEGATIVE_LIST: State.NEGATIVE_LISTED,
        Action.CANCEL: State.CANCELLED,
    },
    State.REJECTED: {
        Action.PROPOSE: State.PROPOSED,
        Action.CHANGE: State.REJECTED,
        Action.WITHHOLD_ITEM: State.REJECTED,
        Action.NEGATIVE_LIST: State.NEGATIVE_LISTED,
        Action.CANCEL: State.CANCELLED,
    },
    State.NEGATIVE_LISTED: {
        Action.CHANGE: State.NEGATIVE_LISTED,
        Action.CANCEL: State.CANCELLED,
    },
    State.CANCELLED: {},
}
TERMINAL: frozenset[State] = frozenset({State.CANCELLED})
IN_OPERATION_CATALOG: frozenset[State] = frozenset({State.PUBLISHED})

RULE_OF: dict[Action, str] = {
    Action.PROPOSE: "CAT-3",
    Action.PUBLISH: "CAT-3",
    Action.REJECT: "CAT-3",
    Action.CHANGE: "CAT-4",
    Action.CANCEL: "CAT-4",
    Action.WITHHOLD_ITEM: "CAT-2",
    Action.NEGATIVE_LIST: "CAT-2",
}
"""The rule an action serves, named by the ``IllegalTransition`` it may raise."""


def advance(state: str, action: str) -> State:
    """The state after ``action`` in ``state``; ``IllegalTransition`` naming the rule the
    action serves if there is none."""
    return transition(MACHINE, TRANSITIONS, state, action, rule=RULE_OF)


def in_operation_catalog(state: str) -> bool:
    """CAT-3: only a published resource is in the operation catalog."""
    return state in IN_OPERATION_CATALOG
