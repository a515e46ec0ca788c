"""Sandbox admission (准入) for a job, an import and an export: one decision, the same
rule and the same kind of error for the same refusal on every path (SBX-1, SBX-2, SBX-7,
AUTH-6, REQ-5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.confidentiality import Confidentiality
from contracts.errors import Conflict, Forbidden
from services.sandbox_broker.domain.admission import Purpose, RefusalKind, admit
from services.sandbox_broker.domain.plan import Environment
from services.sandbox_broker.domain.sandbox import Sandbox, SandboxState
from tests.unit.services.sandbox_broker.factories import (
    DEVELOPER,
    NOW,
    OTHER_DEVELOPER,
    SIGNED,
    sandbox_factory,
)

PURPOSES = list(Purpose)


@pytest.mark.parametrize("purpose", PURPOSES)
def test_SBX_2_nobody_works_in_another_developers_sandbox(purpose: Purpose) -> None:
    refusal = admit(sandbox_factory(), OTHER_DEVELOPER, NOW, purpose, confidentiality=SIGNED)
    assert refusal is not None and refusal.rule == "SBX-2"
    assert refusal.kind is RefusalKind.FORBIDDEN and "another organization" in refusal.reason
    error = refusal.error()
    assert isinstance(error, Forbidden) and error.rule == "SBX-2"
    assert admit(sandbox_factory(), DEVELOPER, NOW, purpose, confidentiality=SIGNED) is None


@pytest.mark.parametrize("purpose", PURPOSES)
@pytest.mark.parametrize(
    ("sandbox", "rule", "says"),
    [
        (
            sandbox_factory(state=SandboxState.CLOSED, closed_reason="grant revoked"),
            "SBX-7",
            "closed (grant revoked)",
        ),
        (sandbox_factory(state=SandboxState.DELETED), "SBX-7", "deleted"),
        (sandbox_factory(state=SandboxState.SUSPENDED), "AUTH-6", "暂时关闭"),
        (sandbox_factory(valid_until=NOW), "SBX-7", "expired"),
        (sandbox_factory(valid_from=NOW + timedelta(hours=1)), "REQ-5", "valid only from"),
        (sandbox_factory(state=SandboxState.PROVISIONING), "SBX-1", "not ready"),
        (sandbox_factory(state=SandboxState.FAILED), "SBX-1", "not ready"),
    ],
)
def test_SBX_7_REQ_5_AUTH_6_nothing_enters_a_closed_expired_not_yet_valid_or_unready_sandbox(
    purpose: Purpose, sandbox: Sandbox, rule: str, says: str
) -> None:
    refusal = admit(sandbox, DEVELOPER, NOW, purpose, confidentiality=SIGNED)
    assert refusal is not None and refusal.rule == rule and says in refusal.reason
    assert refusal.kind is RefusalKind.CONFLICT
    error = refusal.error()
    assert isinstance(error, Conflict) and error.rule == rule and error.detail == refusal.reason


def test_SBX_7_the_grant_expires_at_its_last_instant_for_every_purpose_alike() -> None:
    sandbox = sandbox_factory(valid_until=NOW + timedelta(seconds=1))
    assert {admit(sandbox, DEVELOPER, NOW, p, confidentiality=SIGNED) for p in PURPOSES} == {None}
    later = NOW + timedelta(seconds=1)
    refusals = {admit(sandbox, DEVELOPER, later, p, confidentiality=SIGNED) for p in PURPOSES}
    assert len(refusals) == 1, "the same refusal for a job, an import and an export"
    (refusal,) = refusals
    assert refusal is not None and refusal.rule == "SBX-7"


def test_REQ_5_a_grant_not_yet_valid_is_refused_alike_until_its_first_instant() -> None:
    sandbox = sandbox_factory(valid_from=NOW + timedelta(hours=1))
    refusals = {admit(sandbox, DEVELOPER, NOW, p, confidentiality=SIGNED) for p in PURPOSES}
    assert len(refusals) == 1
    (refusal,) = refusals
    assert refusal is not None and refusal.rule == "REQ-5"
    assert {
        admit(sandbox, DEVELOPER, NOW + timedelta(hours=1), p, confidentiality=SIGNED)
        for p in PURPOSES
    } == {None}


def test_SBX_1_only_the_production_sandbox_is_exported_from() -> None:
    development = sandbox_factory(sandbox_id="sbx-dev-g1", environment=Environment.DEVELOPMENT)
    refusal = admit(development, DEVELOPER, NOW, Purpose.EXPORT, confidentiality=SIGNED)
    assert refusal is not None and refusal.rule == "SBX-1" and "production" in refusal.reason
    assert admit(development, DEVELOPER, NOW, Purpose.JOB, confidentiality=SIGNED) is None
    assert admit(development, DEVELOPER, NOW, Purpose.IMPORT, confidentiality=SIGNED) is None


@pytest.mark.parametrize("purpose", PURPOSES)
def test_SEC_4_a_person_without_a_current_confidentiality_agreement_is_not_admitted(
    purpose: Purpose,
) -> None:
    lapsed = Confidentiality(user_id=SIGNED.user_id, person=True, until=NOW.date() - timedelta(1))
    unrecorded = Confidentiality(user_id=SIGNED.user_id, person=True)
    for claim, says in ((lapsed, "has expired"), (unrecorded, "is not recorded")):
        refusal = admit(sandbox_factory(), DEVELOPER, NOW, purpose, confidentiality=claim)
        assert refusal is not None and refusal.rule == "SEC-4" and says in refusal.reason
        assert refusal.kind is RefusalKind.FORBIDDEN
        error = refusal.error()
        assert isinstance(error, Forbidden) and error.rule == "SEC-4"
    # SEC-4 comes first: even in another organization's sandbox the refusal names it.
    refusal = admit(sandbox_factory(), OTHER_DEVELOPER, NOW, purpose, confidentiality=lapsed)
    assert refusal is not None and refusal.rule == "SEC-4"
    through_today = Confidentiality(user_id=SIGNED.user_id, person=True, until=NOW.date())
    assert admit(sandbox_factory(), DEVELOPER, NOW, purpose, confidentiality=through_today) is None
    machine = Confidentiality(user_id="client-1", person=False)
    assert admit(sandbox_factory(), DEVELOPER, NOW, purpose, confidentiality=machine) is None
