"""Public records from events (DIS-1): what each disclosed event shows the public, what
it never shows, and that a record's id is its event's (so the log appends it once)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from contracts.canonical import canonical_json
from contracts.envelope import SYSTEM_ACTOR, new_envelope
from contracts.events import (
    AgreementExpired,
    AgreementRenewed,
    AgreementTerminated,
    ApplicationDecided,
    ApplicationSubmitted,
    Payload,
    PriceCapSet,
    ScenarioChanged,
    ScenarioReevaluated,
    SelectionAnnulled,
    SelectionPublicized,
    TenderPublished,
)
from services.disclosure.domain.public_record import (
    DISCLOSED_EVENT_TYPES,
    KINDS,
    PublicRecord,
    leaf_bytes,
    record_from,
)
from tests.support.disclosure import public_events

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def record(payload: Payload, subject: str = "s-1") -> PublicRecord | None:
    envelope = new_envelope(
        payload, region="370300", actor=SYSTEM_ACTOR, subject=subject, occurred_at=AT
    )
    made = record_from(envelope)
    if made is not None:
        assert made.record_id == str(envelope.event_id)
        assert made.event_type == envelope.type and made.published_at == AT.isoformat()
    return made


def extra_events() -> list[Payload]:
    return [
        AgreementRenewed(agreement_id="agr-1", operator_org_id="org-op", ends_on=date(2030, 1, 1)),
        AgreementTerminated(agreement_id="agr-1", operator_org_id="org-op", reason="违约"),
        AgreementExpired(agreement_id="agr-1", operator_org_id="org-op"),
        ScenarioChanged(
            scenario_id="scn-1",
            operator_org_id="org-op",
            name="n",
            domain="d",
            purpose="p",
            expected_value="v",
            scenario_class="public_interest",
            next_review_on=date(2027, 1, 1),
        ),
        ScenarioReevaluated(scenario_id="scn-1", outcome="retired", note="到期"),
        PriceCapSet(product_id="prod-1", unit="call", cap_fen=100),
        *selection_events(),
    ]


def selection_events() -> list[Payload]:
    return [
        TenderPublished(
            authorization_id="auth-1",
            title="淄博市公共数据资源授权运营机构遴选",
            selection_mode="invited_tender",
            mode="whole",
            invited_org_ids=["org-b", "org-a"],
        ),
        SelectionPublicized(
            authorization_id="auth-1",
            operator_org_id="org-op",
            publicity_ends_at=datetime(2026, 3, 9, 16, 0, tzinfo=UTC),
        ),
        SelectionAnnulled(authorization_id="auth-1", operator_org_id="org-op", reason="异议成立"),
    ]


def test_DIS_1_every_disclosed_event_type_makes_a_record_of_a_known_kind() -> None:
    payloads = [p for p, _ in public_events()] + extra_events()
    made = [record(p) for p in payloads]
    assert all(m is not None and m.kind in KINDS for m in made)
    covered = {m.event_type for m in made if m is not None}
    assert covered == set(DISCLOSED_EVENT_TYPES)


def test_DIS_1_tenders_selection_results_and_their_publicity_are_public_records() -> None:
    """潍坊 001 第二十五条：“建立公共数据资源授权运营情况的披露机制，定期向社会披露授权流程、
    场景的公开征集和结果……”；第十二条（四）：“实施单位向社会公示中标结果”；咸宁 002 四（一）：
    “市政數局通過公開招標、邀請招標、競爭性談判等方式確定運營機構，并向社會公示”."""
    tender, publicized, annulled = (record(p, "auth-1") for p in selection_events())
    assert tender is not None and tender.kind == "selection"
    assert tender.content == {
        "action": "tender_published",
        "authorization_id": "auth-1",
        "title": "淄博市公共数据资源授权运营机构遴选",
        "selection_mode": "invited_tender",
        "mode": "whole",
        "domain": "",
        "invited_org_ids": ["org-a", "org-b"],
    }
    assert publicized is not None and publicized.kind == "selection"
    assert publicized.content == {
        "action": "selection_publicized",
        "authorization_id": "auth-1",
        "operator_org_id": "org-op",
        "publicity_ends_at": "2026-03-09T16:00:00+00:00",
    }
    assert annulled is not None and annulled.content["action"] == "selection_annulled"
    assert annulled.content["reason"] == "异议成立"
    assert {"tender.published", "selection.publicized", "selection.annulled"} <= set(
        DISCLOSED_EVENT_TYPES
    )


def test_DIS_1_agreements_show_party_scope_and_term() -> None:
    signed = record(public_events()[0][0])
    assert signed is not None and signed.kind == "authorization"
    assert signed.content == {
        "action": "signed",
        "agreement_id": "agr-1",
        "operator_org_id": "org-370300-operator",
        "mode": "whole",
        "domain": "",
        "resource_scope": ["res-tax"],
        "starts_on": "2026-01-01",
        "ends_on": "2028-12-31",
    }


def test_DIS_1_grants_never_show_row_filters_or_masking() -> None:
    grant = next(p for p, _ in public_events() if type(p).__name__ == "GrantIssued")
    made = record(grant)
    assert made is not None
    text = canonical_json(made.as_json()).decode()
    assert "row_filter" not in text and "370303" not in text and "tokenize" not in text
    assert made.content["resources"] == [
        {"resource_id": "res-tax", "items": ["credit_code", "tax_paid_fen"]}
    ]


def test_DIS_1_products_show_the_registration_code_but_not_where_answers_live() -> None:
    product = next(p for p, _ in public_events() if type(p).__name__ == "ProductReleased")
    made = record(product)
    assert made is not None and made.content["registration_code"] == "370300P000001"
    assert "sbx-1" not in canonical_json(made.as_json()).decode()


def test_DIS_1_only_approved_applications_and_no_submissions_are_disclosed() -> None:
    rejected = ApplicationDecided(
        application_id="a", scenario_id="s", developer_org_id="d", decision="rejected"
    )
    assert record(rejected) is None
    submitted = ApplicationSubmitted(
        application_id="a", scenario_id="s", developer_org_id="d", resources=[]
    )
    assert record(submitted) is None
    approved = record(
        ApplicationDecided(
            application_id="a", scenario_id="s", developer_org_id="d", decision="approved"
        )
    )
    assert approved is not None and approved.kind == "scenario_approval"
    assert approved.content["developer_org_id"] == "d"


def test_DIS_3_the_leaf_is_the_canonical_json_of_the_record() -> None:
    made = record(public_events()[2][0])
    assert made is not None
    body = made.as_json()
    assert leaf_bytes(body) == canonical_json(body)
    assert body["format"] == "pdo-disclosure-record/1"
    assert "普惠金融信用评估".encode() in leaf_bytes(body)  # UTF-8, not \\u escapes
