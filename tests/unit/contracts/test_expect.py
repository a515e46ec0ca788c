"""``contracts.expect``: a handler's payload check raises a typed error, never an assert."""

from __future__ import annotations

import pytest

from contracts.envelope import SYSTEM_ACTOR, new_envelope
from contracts.events import OrgRegistered, ProductReleased
from contracts.expect import UnexpectedEvent, expect

ORG = OrgRegistered(
    org_id="o", name="o", role="provider", region="370300", credit_code="91370300MA3C7H9K2X"
)


def test_expect_returns_the_payload_of_a_subscribed_type() -> None:
    envelope = new_envelope(ORG, region="370300", actor=SYSTEM_ACTOR, subject="o")
    assert expect(envelope, OrgRegistered) is ORG
    assert expect(envelope, ProductReleased, OrgRegistered) is ORG


def test_expect_refuses_another_type_naming_both() -> None:
    envelope = new_envelope(ORG, region="370300", actor=SYSTEM_ACTOR, subject="o")
    with pytest.raises(UnexpectedEvent, match=r"expected ProductReleased, got org\.registered"):
        expect(envelope, ProductReleased)
