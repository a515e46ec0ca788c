"""Identity end to end in embedded mode, through HTTP only: organizations, users and sign-in,
the whole operator authorization lifecycle (AUTH-1..10), expiry by the sweep, and
developer admission (DEV-1, DEV-2). Time is a FixedClock moved by the test, so publicity
periods, renewal windows and expiries are reached without sleeping.

``IdentityDriver`` is shared with the other identity e2e and integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from litestar.testing import AsyncTestClient

from contracts.envelope import SYSTEM_ACTOR, Role, decode, new_envelope, to_builtins
from contracts.events import EmergencyPlanAdopted
from contracts.topics import topic_for
from libs.audit import AuditLog
from libs.auth.principal import Principal
from libs.auth.tokens import TokenIssuer
from libs.bus.embedded import EmbeddedBus
from libs.bus.port import Message
from libs.clock import FixedClock
from libs.http.gateway import gateway
from libs.outbox import to_message
from libs.runtime import Platform
from libs.store.sqlite import SqliteDocumentStore
from services.identity.domain.dates import add_years
from tests.support.platform import eventually, keyring, settings

REGION = "370300"
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
OPERATOR_CODE = "91350100M000100Y43"
RIVAL_CODE = "91110000802100433B"
DEVELOPER_CODE = "91370300MA7DEW0135"
EXCHANGE_CODE = "91370300MA8EXC015L"
PASSWORD = "Zibo-data-2026-secure"
BUREAU = Principal(user_id="u-bureau", org_id="org-370300-bureau", role=Role.BUREAU, region=REGION)
SECTIONS = {
    "resource_scope": "市级公共数据资源目录内的全部可开放数据",
    "products_and_services": "产品和服务清单，技术标准与审核要求见附件一",
    "technical_platform": "市公共数据授权运营平台",
    "asset_ownership": "数据资源权属不变，衍生产品归属按附件二",
    "disclosure_duties": "按年度披露；不得参与已交付产品的再开发",
    "cost_and_revenue": "成本收益单独核算，收益按约定比例分配",
    "security": "数据安全、个人信息保护、风险监测与应急预案",
    "evaluation_renewal_exit": "年度评估，期满前三个月申请续期，退出机制",
    "liability": "违约责任按附件三",
    "dispute_resolution": "提交淄博仲裁委员会仲裁",
    "change_and_termination": "协议变更和终止的条件",
}


def application_body(credit_code: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "credit_code": credit_code,
        "legal_representative": "张三",
        "security_officer": "李四",
        "founded_on": "2015-06-01",
        "contact_name": "王五",
        "contact_phone": "0533-1234567",
        "organization_nature": "wholly_state_owned",
        "profile": "市属国有数据运营企业",
        "strengths": "数据治理与安全运营经验",
        "operation_plan_summary": "建设授权运营平台，三年培育五十个场景",
        "expected_results": "五十个数据产品，服务普惠金融与城市治理",
        "qualifications": {
            "no_security_incident_3_years": True,
            "clean_credit_record": True,
            "no_major_penalty_or_criminal_record": True,
            "domestic_capital": True,
            "security_capability": True,
            "operation_capability": True,
            "no_subcontracting": True,
        },
        "contact_address": "山东省淄博市张店区人民西路1号",
        "shareholders": [
            {
                "name": "淄博市城市资产运营集团有限公司",
                "kind": "company",
                "country": "CN",
                "shareholders": [
                    {
                        "name": "淄博市人民政府国有资产监督管理委员会",
                        "kind": "state_assets",
                        "country": "CN",
                    }
                ],
            }
        ],
        "actual_controller": "淄博市人民政府国有资产监督管理委员会",
        "audit_report": attachment("2025年度审计报告", 2025, "山东某会计师事务所"),
        "financial_statements": attachment("2025年度财务会计报告", 2025, "山东某会计师事务所"),
        "data_security_commitment": attachment("数据安全承诺书", 2026, "申请单位"),
        "security_risk_self_assessment": attachment("安全风险自评报告", 2026, "申请单位"),
    }
    body.update(overrides)
    return body


def attachment(title: str, year: int, issued_by: str) -> dict[str, Any]:
    """AUTH-9: a document of the application, kept by its SHA-256."""
    return {"title": title, "issued_by": issued_by, "year": year, "sha256": "9f" * 32}


@dataclass
class IdentityDriver:
    """Drives identity over HTTP as the bureau, operators and developers would."""

    platform: Platform | None
    """None when the services run as processes of their own (the chart smoke test)."""
    http: AsyncTestClient[Any]
    clock: FixedClock
    region: str = REGION
    tokens: dict[str, str] = field(default_factory=dict)

    async def bearer(self, who: Principal, *, ttl: int = 600) -> dict[str, str]:
        """A token signed the way identity signs, for parties not created through HTTP
        (the first bureau account) — valid at the platform's clock."""
        assert self.platform is not None and self.platform.secrets is not None
        issuer = TokenIssuer(self.platform.secrets, self.clock, region=self.region)
        return {"Authorization": f"Bearer {await issuer.issue(who, ttl_seconds=ttl)}"}

    async def bureau(self) -> dict[str, str]:
        return await self.bearer(
            Principal(
                user_id="u-bureau",
                org_id=f"org-{self.region}-bureau",
                role=Role.BUREAU,
                region=self.region,
            )
        )

    async def call(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: Any = None,
        *,
        expect: int = 200,
    ) -> Any:
        """The decoded JSON answer (a problem body when ``expect`` is a 4xx)."""
        response = await self.http.request(method, f"/identity{path}", json=body, headers=headers)
        assert response.status_code == expect, (method, path, response.text)
        if expect >= 400:
            assert response.headers["content-type"].startswith("application/problem+json")
        return response.json()

    async def register(self, name: str, role: str, credit_code: str, *, region: str = "") -> str:
        org = await self.call(
            "POST",
            "/organizations",
            await self.bureau(),
            {
                "name": name,
                "role": role,
                "region": region or self.region,
                "credit_code": credit_code,
            },
            expect=201,
        )
        return str(org["org_id"])

    async def user(self, org_id: str, username: str) -> None:
        await self.call(
            "POST",
            f"/organizations/{org_id}/users",
            await self.bureau(),
            {"username": username, "password": PASSWORD},
            expect=201,
        )

    async def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        issued = await self.call(
            "POST",
            "/tokens",
            {},
            {"grant_type": "password", "username": username, "password": password},
        )
        return {"Authorization": f"Bearer {issued['access_token']}"}

    async def party(
        self, name: str, role: str, credit_code: str, username: str
    ) -> tuple[str, dict[str, str]]:
        """Register an organization with one user who holds a current confidentiality
        agreement (SEC-4: recorded by the bureau before the person reviews, runs jobs or
        decides exports), sign in as that user."""
        org_id = await self.register(name, role, credit_code)
        await self.user(org_id, username)
        await self.confidentiality(username)
        return org_id, await self.login(username)

    async def confidentiality(self, username: str) -> None:
        """SEC-4: the bureau records the person's confidentiality agreement, valid for
        three years from the platform's today."""
        today = self.clock.now().date()
        await self.call(
            "POST",
            f"/users/{username}/staff-records",
            await self.bureau(),
            {
                "kind": "confidentiality",
                "valid_from": today.isoformat(),
                "valid_until": add_years(today, 3).isoformat(),
                "reference": "保密协议（测试）",
            },
            expect=201,
        )

    async def get(self, auth_id: str) -> Any:
        return await self.call("GET", f"/authorizations/{auth_id}", await self.bureau())

    async def tender(self, **overrides: Any) -> str:
        body = {"title": "淄博市公共数据授权运营机构遴选", "selection_mode": "public_tender"}
        body.update(overrides)
        created = await self.call("POST", "/authorizations", await self.bureau(), body, expect=201)
        assert created["state"] == "tender_published"
        return str(created["authorization_id"])

    async def apply(self, auth_id: str, headers: dict[str, str], credit_code: str) -> Any:
        return await self.call(
            "POST",
            f"/authorizations/{auth_id}/applications",
            headers,
            application_body(credit_code),
            expect=201,
        )

    async def select(self, auth_id: str, scores: dict[str, float]) -> Any:
        """Close the applications, score each (by applicant org), publicize the result."""
        bureau = await self.bureau()
        state = await self.call("POST", f"/authorizations/{auth_id}/applications/close", bureau)
        assert state["state"] == "evaluating"
        for application in state["applications"]:
            await self.call(
                "POST",
                f"/authorizations/{auth_id}/applications/{application['application_id']}/score",
                bureau,
                {"score": scores[application["org_id"]], "remarks": "综合评分"},
            )
        return await self.call("POST", f"/authorizations/{auth_id}/result", bureau)

    async def sweep(self) -> Any:
        return await self.call("POST", "/sweeps", await self.bureau())

    async def draft(self, auth_id: str, *, starts_on: date, years: int = 3, **sections: str) -> Any:
        body = {
            "starts_on": starts_on.isoformat(),
            "ends_on": add_years(starts_on, years).isoformat(),
            "sections": {**SECTIONS, **sections},
        }
        return await self.call(
            "PUT", f"/authorizations/{auth_id}/agreement", await self.bureau(), body
        )

    async def implementation_plan(self, mode: str = "whole") -> Any:
        """AUTH-12: the region's implementation plan adopts ``mode``, approved by the
        government's decision and filed with the province (a version is added only when
        the approved one lacks the mode)."""
        bureau = await self.bureau()
        path = f"/implementation-plans/{self.region}"
        response = await self.http.get(f"/identity{path}", headers=bureau)
        modes: list[str] = []
        if response.status_code == 200:
            current = response.json()
            approved = current["approved_version"]
            if approved is not None and not current["pending_approval"]:
                modes = current["versions"][approved - 1]["modes"]
                if mode in modes:
                    return current
        body = {
            "modes": sorted({*modes, mode}),
            "revenue_sharing": "政府、运营机构、数据商按约定比例分配，动态调整",
            "summary": "整体授权为主，公开招标选择运营机构",
        }
        await self.call("PUT", path, bureau, body)
        day = today(self.clock).isoformat()
        await self.call(
            "POST", f"{path}/approval", bureau, {"meeting": "市政府常务会议", "decided_on": day}
        )
        return await self.call(
            "POST", f"{path}/filing", bureau, {"filed_on": day, "reference": "省数据局备案"}
        )

    async def emergency_plan(self, auth_id: str) -> None:
        """SEC-2: the bureau draws up the authorization's plan in evaluation (or, when only
        identity runs, its ``emergency_plan.adopted`` is put on the bus as evaluation's
        relay would); identity then knows of it."""
        bureau = await self.bureau()
        # no platform object: the chart smoke test's nine processes, evaluation among them
        if self.platform is None or "evaluation" in self.platform.running:
            body = {
                "title": "数据安全事件应急预案",
                "content": "分级响应、处置流程、报告时限与恢复",
                "departments": ["市委网信办", "市公安局"],
            }

            async def drawn_up() -> bool:
                response = await self.http.put(
                    f"/evaluation/emergency-plans/{auth_id}", json=body, headers=bureau
                )
                return response.status_code == 200

            await eventually(drawn_up, timeout=60, interval=0.1)
        else:
            adopted = EmergencyPlanAdopted(
                authorization_id=auth_id,
                version=1,
                bureau_org_id=f"org-{self.region}-bureau",
                departments=["市委网信办", "市公安局"],
                region=self.region,
            )
            envelope = new_envelope(
                adopted, region=self.region, actor=SYSTEM_ACTOR, subject=auth_id
            )
            await self.put_on_bus(to_message({"envelope": to_builtins(envelope)}))

        async def known() -> bool:
            return bool((await self.get(auth_id))["emergency_plan_version"])

        await eventually(known, timeout=60, interval=0.1)

    async def put_on_bus(self, message: Message) -> None:
        """Publish as another service's relay would: on the embedded log directly; on Kafka
        with a producer of this test's own event loop (the platform's producer belongs to
        the loop serving the app)."""
        assert self.platform is not None
        bus = self.platform.bus
        if isinstance(bus, EmbeddedBus):
            await bus.publish(message)
            return
        producer = AIOKafkaProducer(bootstrap_servers=self.platform.settings.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(
                message.topic,
                message.value,
                key=message.key.encode(),
                headers=[(k, v.encode()) for k, v in message.headers.items()],
            )
        finally:
            await producer.stop()

    async def decide(self, auth_id: str) -> Any:
        """AUTH-11: the collective decision and the finance opinion on the current draft."""
        bureau = await self.bureau()
        day = today(self.clock).isoformat()
        await self.call(
            "POST",
            f"/authorizations/{auth_id}/agreement/collective-decision",
            bureau,
            {"meeting": "局党组会议（三重一大）", "decided_on": day, "approved": True},
        )
        return await self.call(
            "POST",
            f"/authorizations/{auth_id}/agreement/finance-opinion",
            bureau,
            {"department": "市财政局", "opinion": "收益分配条款无异议", "given_on": day},
        )

    async def ready_to_sign(self, auth_id: str) -> None:
        """What AUTH-11, AUTH-12 and SEC-2 need on record before the signature."""
        auth = await self.get(auth_id)
        await self.implementation_plan(auth["scope"]["mode"])
        if auth["collective_decision"] is None or auth["finance_opinion"] is None:
            await self.decide(auth_id)
        if not auth["emergency_plan_version"]:
            await self.emergency_plan(auth_id)

    async def sign(self, auth_id: str, *, expect: int = 200, prepare: bool = True) -> Any:
        """Sign, after ``ready_to_sign`` unless ``prepare`` is false."""
        if prepare:
            await self.ready_to_sign(auth_id)
        return await self.call(
            "POST",
            f"/authorizations/{auth_id}/agreement/signature",
            await self.bureau(),
            expect=expect,
        )

    async def active_agreement(self, operator: dict[str, str], operator_org: str, code: str) -> str:
        """A tender with one applicant carried to a signed agreement."""
        auth_id = await self.tender()
        await self.apply(auth_id, operator, code)
        await self.select(auth_id, {operator_org: 88.0})
        self.clock.advance(timedelta(days=8))
        assert (await self.sweep())["publicity_closed"] >= 1
        await self.draft(auth_id, starts_on=today(self.clock) + timedelta(days=1))
        signed = await self.sign(auth_id)
        assert signed["state"] == "active"
        return auth_id


def today(clock: FixedClock) -> date:
    return (clock.now() + timedelta(hours=8)).date()


def identity_platform(tmp: Path, clock: FixedClock, region: str = REGION) -> Platform:
    return Platform(
        settings(tmp, region=region), ("identity",), clock=clock, secrets=keyring(tmp)
    ).build()


def published_types(tmp: Path, topic_key: str, region: str = REGION) -> list[str]:
    """Event types on an identity topic of the embedded log, in order."""
    topic = topic_for(topic_key).name(region)
    return [decode(m.value).type for m in EmbeddedBus(tmp / "bus.sqlite").read_topic(topic)]


@pytest.fixture
async def driver(tmp_path: Path) -> AsyncIterator[IdentityDriver]:
    clock = FixedClock(START)
    p = identity_platform(tmp_path, clock)
    async with AsyncTestClient(app=gateway(p)) as client:
        yield IdentityDriver(p, client, clock)


async def test_AUTH_1_to_10_whole_operator_lifecycle_through_http(
    driver: IdentityDriver, tmp_path: Path
) -> None:
    d = driver
    operator_org, operator = await d.party(
        "淄博数据运营有限公司", "operator", OPERATOR_CODE, "op.admin"
    )
    rival_org, rival = await d.party("另一家数据公司", "operator", RIVAL_CODE, "rival.admin")

    auth_id = await d.tender(resources=["企业纳税信息"])
    await d.apply(auth_id, operator, OPERATOR_CODE)
    await d.apply(auth_id, rival, RIVAL_CODE)
    publicized = await d.select(auth_id, {operator_org: 91.5, rival_org: 84.0})
    assert publicized["state"] == "publicized"
    assert publicized["operator_org_id"] == operator_org
    # the bureau sees every application; an applicant only its own
    assert len(publicized["applications"]) == 2
    seen_by_rival = await d.call("GET", f"/authorizations/{auth_id}", rival)
    assert [a["org_id"] for a in seen_by_rival["applications"]] == [rival_org]
    listed = await d.call("GET", "/authorizations?state=publicized", await d.bureau())
    assert [a["authorization_id"] for a in listed["items"]] == [auth_id]
    assert (await d.call("GET", "/authorizations?state=active", await d.bureau()))["total"] == 0

    # AUTH-2: an objection during publicity, dismissed by the bureau.
    objected = await d.call(
        "POST",
        f"/authorizations/{auth_id}/objections",
        rival,
        {"grounds": "评分标准不透明"},
        expect=201,
    )
    objection = objected["objections"][0]
    assert objection["status"] == "pending"
    dismissed = await d.call(
        "POST",
        f"/authorizations/{auth_id}/objections/{objection['objection_id']}/decision",
        await d.bureau(),
        {"uphold": False, "reason": "评分依公告标准进行"},
    )
    assert dismissed["objections"][0]["status"] == "dismissed"
    assert (await d.sweep())["publicity_closed"] == 0  # the period has not ended yet

    d.clock.advance(timedelta(days=8))
    assert (await d.sweep()) == {"publicity_closed": 1, "agreement_expired": 0}
    assert (await d.sweep()) == {"publicity_closed": 0, "agreement_expired": 0}  # idempotent

    starts = today(d.clock) + timedelta(days=1)
    drafted = await d.draft(auth_id, starts_on=starts)
    assert drafted["state"] == "drafted" and drafted["missing_sections"] == []
    signed = await d.sign(auth_id)
    assert signed["state"] == "active"
    agreement = signed["agreement"]
    assert agreement["operator_org_id"] == operator_org
    ends_on = date.fromisoformat(agreement["ends_on"])

    # AUTH-5: too early for renewal, then inside the last three months.
    operator = await d.login("op.admin")  # the clock moved past the first token's life
    early = await d.call(
        "POST",
        f"/authorizations/{auth_id}/renewal",
        operator,
        {"proposed_ends_on": "2032-03-03"},
        expect=422,
    )
    assert early["rule"] == "AUTH-5"
    d.clock.set(datetime.combine(ends_on - timedelta(days=30), datetime.min.time(), UTC))
    operator = await d.login("op.admin")
    new_end = add_years(ends_on, 3)
    pending = await d.call(
        "POST",
        f"/authorizations/{auth_id}/renewal",
        operator,
        {"proposed_ends_on": new_end.isoformat()},
    )
    assert pending["state"] == "renewal_pending"
    renewed = await d.call(
        "POST",
        f"/authorizations/{auth_id}/renewal/decision",
        await d.bureau(),
        {"approve": True, "reason": "年度评估合格"},
    )
    assert renewed["state"] == "active"
    assert renewed["agreement"]["ends_on"] == new_end.isoformat()

    # AUTH-6: violation → suspension with a deadline → correction → reinstatement.
    suspended = await d.call(
        "POST",
        f"/authorizations/{auth_id}/suspension",
        await d.bureau(),
        {"reason": "未按规定报送安全日志"},
    )
    assert suspended["state"] == "suspended"
    assert (
        suspended["suspension"]["correction_due"]
        == (today(d.clock) + timedelta(days=30)).isoformat()
    )
    corrected = await d.call(
        "POST",
        f"/authorizations/{auth_id}/correction",
        operator,
        {"report": "已补报全部安全日志并完善制度"},
    )
    assert corrected["state"] == "correction_reported"
    reinstated = await d.call("POST", f"/authorizations/{auth_id}/reinstatement", await d.bureau())
    assert reinstated["state"] == "active" and reinstated["suspension"] is None

    # AUTH-8: transfer of the operation right is refused, and nothing changes.
    refused = await d.call(
        "POST",
        f"/authorizations/{auth_id}/transfer",
        operator,
        {"to_org_id": rival_org, "kind": "subcontract"},
        expect=422,
    )
    assert refused["rule"] == "AUTH-8" and "subcontract" in refused["detail"]
    assert (await d.get(auth_id))["state"] == "active"

    terminated = await d.call(
        "POST",
        f"/authorizations/{auth_id}/termination",
        await d.bureau(),
        {"ground": "operator_request", "reason": "运营机构申请提前终止并承担违约责任"},
    )
    assert terminated["state"] == "terminated"
    assert terminated["next_steps"] == []

    expected = [
        "tender.published",
        "selection.publicized",
        "agreement.signed",
        "agreement.renewed",
        "agreement.suspended",
        "agreement.reinstated",
        "agreement.terminated",
    ]

    async def all_published() -> list[str] | None:
        types = published_types(tmp_path, "agreement.signed")
        return types if len(types) >= len(expected) else None

    assert await eventually(all_published) == expected
    orgs = published_types(tmp_path, "org.registered")
    assert orgs == ["org.registered", "org.registered"]


async def test_AUTH_8_refused_transfer_is_recorded_in_the_audit_log(tmp_path: Path) -> None:
    clock = FixedClock(START)
    p = identity_platform(tmp_path, clock)
    async with AsyncTestClient(app=gateway(p)) as client:
        d = IdentityDriver(p, client, clock)
        operator_org, operator = await d.party("运营公司", "operator", OPERATOR_CODE, "op.admin")
        auth_id = await d.active_agreement(operator, operator_org, OPERATOR_CODE)
        operator = await d.login("op.admin")
        await d.call(
            "POST",
            f"/authorizations/{auth_id}/transfer",
            operator,
            {"to_org_id": "org-x", "kind": "transfer"},
            expect=422,
        )
    store = SqliteDocumentStore(tmp_path / "identity.sqlite")
    try:
        log = AuditLog(store, clock)
        entries = await log.entries(subject=auth_id)
        refused = [e for e in entries if e.action == "operation_right.transfer_refused"]
        assert len(refused) == 1
        assert refused[0].detail["rule"] == "AUTH-8"
        assert refused[0].actor["org_id"] == operator_org
        assert (await log.verify()).ok
    finally:
        await store.close()


async def test_AUTH_5_AUTH_6_sweep_expires_an_agreement_past_its_end_once(
    driver: IdentityDriver, tmp_path: Path
) -> None:
    d = driver
    operator_org, operator = await d.party("运营公司", "operator", OPERATOR_CODE, "op.admin")
    auth_id = await d.active_agreement(operator, operator_org, OPERATOR_CODE)
    ends_on = date.fromisoformat((await d.get(auth_id))["agreement"]["ends_on"])

    d.clock.set(datetime.combine(ends_on, datetime.min.time(), UTC) + timedelta(hours=12))
    assert (await d.sweep())["agreement_expired"] == 0  # the last day still belongs to the term
    d.clock.advance(timedelta(days=1))
    assert (await d.sweep()) == {"publicity_closed": 0, "agreement_expired": 1}
    assert (await d.sweep()) == {"publicity_closed": 0, "agreement_expired": 0}
    expired = await d.get(auth_id)
    assert expired["state"] == "expired" and expired["end_reason"] == "expired"

    async def expired_event() -> list[str] | None:
        types = published_types(tmp_path, "agreement.expired")
        return types if "agreement.expired" in types else None

    assert (await eventually(expired_event)).count("agreement.expired") == 1


async def test_AUTH_2_upheld_objection_sends_the_tender_back_to_evaluation(
    driver: IdentityDriver,
) -> None:
    d = driver
    operator_org, operator = await d.party("运营公司", "operator", OPERATOR_CODE, "op.admin")
    rival_org, rival = await d.party("另一家", "operator", RIVAL_CODE, "rival.admin")
    auth_id = await d.tender()
    await d.apply(auth_id, operator, OPERATOR_CODE)
    await d.apply(auth_id, rival, RIVAL_CODE)
    await d.select(auth_id, {operator_org: 90.0, rival_org: 89.0})
    objected = await d.call(
        "POST",
        f"/authorizations/{auth_id}/objections",
        rival,
        {"grounds": "中选单位近三年有安全事件"},
        expect=201,
    )
    upheld = await d.call(
        "POST",
        f"/authorizations/{auth_id}/objections/{objected['objections'][0]['objection_id']}/decision",
        await d.bureau(),
        {"uphold": True, "reason": "经核实异议成立"},
    )
    assert upheld["state"] == "evaluating" and upheld["operator_org_id"] == ""
    d.clock.advance(timedelta(days=8))
    assert (await d.sweep())["publicity_closed"] == 0
    refused = await d.sign(auth_id, expect=409, prepare=False)
    assert refused["rule"] == "AUTH-2"


async def test_DEV_1_DEV_2_developer_admission_report_and_removal(
    driver: IdentityDriver, tmp_path: Path
) -> None:
    d = driver
    operator_org, operator = await d.party("运营公司", "operator", OPERATOR_CODE, "op.admin")
    await d.active_agreement(operator, operator_org, OPERATOR_CODE)
    operator = await d.login("op.admin")
    developer_org, developer = await d.party("数据商甲", "developer", DEVELOPER_CODE, "dev.admin")

    applied = await d.call(
        "POST",
        "/admissions",
        developer,
        {
            "operator_org_id": operator_org,
            "data_management_capability": "已通过DCMM二级认证，设有数据管理部门和专职人员",
            "security_capability": "通过等保三级测评，建立数据安全管理制度与应急预案",
            "no_security_incident_3_years": True,
            "good_standing": True,
        },
        expect=201,
    )
    admission_id = applied["admission_id"]
    assert applied["state"] == "applied"
    approved = await d.call(
        "POST", f"/admissions/{admission_id}/review", operator, {"approve": True}
    )
    assert approved["state"] == "approved"
    admitted = await d.call(
        "POST",
        f"/admissions/{admission_id}/agreement",
        operator,
        {"terms": "开发利用协议：场景、数据安全与退出"},
    )
    assert admitted["state"] == "admitted" and admitted["development_agreement_id"]

    day = today(d.clock).isoformat()
    report = await d.call("GET", f"/admissions/report?first={day}&last={day}", await d.bureau())
    assert [a["developer_org_id"] for a in report["admitted"]] == [developer_org]
    earlier = await d.call(
        "GET", "/admissions/report?first=2020-01-01&last=2020-12-31", await d.bureau()
    )
    assert earlier["admitted"] == []
    assert [a["admission_id"] for a in await d.call("GET", "/admissions", developer)] == [
        admission_id
    ]

    removed = await d.call(
        "POST", f"/admissions/{admission_id}/end", operator, {"reason": "违反开发利用协议"}
    )
    assert removed["state"] == "removed"
    again = await d.call(
        "POST", f"/admissions/{admission_id}/end", operator, {"reason": "再次"}, expect=409
    )
    assert again["rule"] == "DEV-2"

    async def both() -> list[str] | None:
        types = [
            t for t in published_types(tmp_path, "developer.admitted") if t.startswith("developer.")
        ]
        return types if len(types) >= 2 else None

    assert await eventually(both) == ["developer.admitted", "developer.removed"]


async def test_DEV_1_operator_rejects_with_a_reason_and_the_developer_is_not_admitted(
    driver: IdentityDriver,
) -> None:
    d = driver
    operator_org, operator = await d.party("运营公司", "operator", OPERATOR_CODE, "op.admin")
    await d.active_agreement(operator, operator_org, OPERATOR_CODE)
    operator = await d.login("op.admin")
    _, developer = await d.party("数据商乙", "developer", DEVELOPER_CODE, "dev.admin")
    body = {
        "operator_org_id": operator_org,
        "data_management_capability": "设有数据管理部门，制度健全，人员具备资质",
        "security_capability": "通过等保三级测评，建立数据安全管理制度",
        "no_security_incident_3_years": True,
        "good_standing": True,
    }
    applied = await d.call("POST", "/admissions", developer, body, expect=201)
    no_reason = await d.call(
        "POST",
        f"/admissions/{applied['admission_id']}/review",
        operator,
        {"approve": False},
        expect=422,
    )
    assert no_reason["rule"] == "DEV-1"
    rejected = await d.call(
        "POST",
        f"/admissions/{applied['admission_id']}/review",
        operator,
        {"approve": False, "reason": "安全能力证明不足"},
    )
    assert rejected["state"] == "rejected"
    sign = await d.call(
        "POST",
        f"/admissions/{applied['admission_id']}/agreement",
        operator,
        {"terms": "x"},
        expect=409,
    )
    assert sign["rule"] == "DEV-1"


async def test_DEV_3_cooperation_agreements_are_filed_and_complaints_recorded(
    driver: IdentityDriver,
) -> None:
    """000 §4.5: “运营机构依据市场化原则选定数据商，签订合作协议，并将协议提交市大数据局备案。
    运营机构不得滥用市场支配地位排除、限制数据商竞争”."""
    d = driver
    operator_org, operator = await d.party("运营公司", "operator", OPERATOR_CODE, "op.admin")
    await d.active_agreement(operator, operator_org, OPERATOR_CODE)
    operator = await d.login("op.admin")
    developer_org, developer = await d.party("数据商丙", "developer", DEVELOPER_CODE, "dev.admin")
    body = {
        "operator_org_id": operator_org,
        "data_management_capability": "设有数据管理部门，制度健全，人员具备资质",
        "security_capability": "通过等保三级测评，建立数据安全管理制度",
        "no_security_incident_3_years": True,
        "good_standing": True,
    }
    applied = await d.call("POST", "/admissions", developer, body, expect=201)
    admission_id = applied["admission_id"]
    await d.call("POST", f"/admissions/{admission_id}/review", operator, {"approve": True})
    admitted = await d.call(
        "POST", f"/admissions/{admission_id}/agreement", operator, {"terms": "合作协议条款"}
    )
    assert admitted["state"] == "admitted" and admitted["cooperation_complete"] is False
    unfiled = await d.call("GET", "/admissions/filings?filed=false", await d.bureau())
    assert [a["admission_id"] for a in unfiled] == [admission_id]
    filing = {"reference": "合作协议〔2026〕1号", "summary": "场景、数据安全、收益分配"}
    await d.call("POST", f"/admissions/{admission_id}/filing", developer, filing, expect=403)
    filed = await d.call("POST", f"/admissions/{admission_id}/filing", operator, filing)
    assert filed["cooperation_complete"] is True
    assert filed["cooperation_filing"]["reference"] == "合作协议〔2026〕1号"
    listed = await d.call("GET", "/admissions/filings?filed=true", await d.bureau())
    assert [a["admission_id"] for a in listed] == [admission_id]
    again = await d.call("POST", f"/admissions/{admission_id}/filing", operator, filing, expect=409)
    assert again["rule"] == "DEV-3"

    complaint = await d.call(
        "POST",
        "/competition-complaints",
        developer,
        {
            "operator_org_id": operator_org,
            "ground": "discriminatory_terms",
            "account": "合作协议附加了独家供货条件",
        },
        expect=201,
    )
    answered = await d.call(
        "POST",
        f"/competition-complaints/{complaint['complaint_id']}/answer",
        operator,
        {"answer": "条款已删除，按统一模板签订"},
    )
    assert answered["state"] == "answered"
    decided = await d.call(
        "POST",
        f"/competition-complaints/{complaint['complaint_id']}/finding",
        await d.bureau(),
        {"uphold": True, "finding": "附加独家条件属排除竞争，责令改正"},
    )
    assert decided["state"] == "upheld" and decided["decided_by"] == "org-370300-bureau"
    seen = await d.call("GET", "/competition-complaints", developer)
    assert [c["complaint_id"] for c in seen] == [complaint["complaint_id"]]
    assert developer_org == seen[0]["complainant_org_id"]


async def test_exchange_client_credentials_give_a_token_with_narrow_scopes(
    driver: IdentityDriver,
) -> None:
    d = driver
    exchange_org = await d.register("山东数据交易有限公司", "exchange", EXCHANGE_CODE)
    created = await d.call(
        "POST",
        f"/organizations/{exchange_org}/clients",
        await d.bureau(),
        {"name": "交易所撮合系统", "scopes": ["products:read", "orders:write"]},
        expect=201,
    )
    assert created["client_secret"] and "secret_hash" not in created
    issued = await d.call(
        "POST",
        "/tokens",
        {},
        {
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
            "scope": "products:read",
        },
    )
    assert issued["role"] == "exchange" and issued["scope"] == "products:read"
    assert issued["token_type"] == "Bearer" and issued["expires_in"] == 600
    wider = await d.call(
        "POST",
        "/tokens",
        {},
        {
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
            "scope": "settlements:write",
        },
        expect=403,
    )
    assert "settlements:write" in wider["detail"]
    wrong = await d.call(
        "POST",
        "/tokens",
        {},
        {
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": "guess",
        },
        expect=401,
    )
    assert "not valid" in wrong["detail"]
    # the token works on other routes and speaks for the exchange
    me = await d.call(
        "GET",
        f"/organizations/{exchange_org}",
        {"Authorization": f"Bearer {issued['access_token']}"},
    )
    assert me["role"] == "exchange"
    provider = await d.register("税务局", "provider", "11370300MB2850471A")
    refused = await d.call(
        "POST", f"/organizations/{provider}/clients", await d.bureau(), {"name": "x"}, expect=403
    )
    assert "exchange" in refused["detail"]
