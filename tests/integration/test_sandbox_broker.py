"""The sandbox broker end to end below HTTP: grant → masked sandboxes → guarded, recorded
jobs → close and delete (SBX-1 … SBX-7, SEC-5, REQ-5, AUTH-7).

Every adversarial job of issue 4 is refused with a clear reason and leaves a record.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import duckdb
import pytest

from contracts.canonical import sha256_hex
from contracts.errors import DomainError
from libs.clock import FixedClock
from libs.secrets.keyring import LocalKeyring
from services.sandbox_broker.adapters.demo_data import DEMO_TABLES, DemoScale, generate
from services.sandbox_broker.adapters.duckdb_executor import DuckDBJobExecutor
from services.sandbox_broker.adapters.lockdown import Limits
from services.sandbox_broker.adapters.sql_guard import DuckDBSqlGuard
from services.sandbox_broker.commands.broker import MASKING_KEY_PATH, SandboxBroker
from services.sandbox_broker.domain import masking
from services.sandbox_broker.domain.items import kind_of
from services.sandbox_broker.domain.job import JobStatus
from services.sandbox_broker.domain.plan import Environment, plan_sandbox
from services.sandbox_broker.domain.sandbox import Sandbox, SandboxState
from services.sandbox_broker.ports import SourceTable
from tests.unit.services.sandbox_broker.factories import (
    NOW,
    OTHER_DEVELOPER,
    SIGNED,
    FakeJobLog,
    caller_factory,
    demo_schemas,
    grant_factory,
    granted_factory,
    resource_id,
    sandbox_root,
)

MARKET = [
    "credit_code",
    "entity_name",
    "legal_rep_name",
    "legal_rep_id",
    "registered_address",
    "established_on",
    "registered_capital_fen",
    "region_code",
]
GRANT = grant_factory(
    grant_id="g-broker-credit",
    resources=[
        granted_factory(items=MARKET, row_filter="entity_status <> '注销'"),
        granted_factory(
            "housing_provident_fund",
            items=["person_id", "person_name", "deposit_base_fen", "account_opened_on"],
        ),
        granted_factory(
            "tax_payments",
            items=["credit_code", "tax_month", "tax_paid_fen", "tax_grade"],
            masking={"credit_code": "as_is", "tax_paid_fen": "as_is", "tax_grade": "as_is"},
        ),
    ],
)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("broker-source") / "demo.duckdb"
    generate(path, DemoScale(enterprises=5000, tax_months=3, persons=6000))
    return path


@pytest.fixture(scope="module")
def root() -> Iterator[Path]:
    path = sandbox_root()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module")
def log() -> FakeJobLog:
    return FakeJobLog()


@pytest.fixture(scope="module")
async def broker(
    root: Path, source: Path, log: FakeJobLog, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[SandboxBroker]:
    sources = {resource_id(t): SourceTable(source, t) for t in DEMO_TABLES}
    executor = DuckDBJobExecutor(
        root,
        sources=sources,
        limits=Limits(memory_mb=256, threads=2, temp_mb=256, timeout_s=3),
        synthetic_rows=3000,
    )
    keyring = LocalKeyring(
        tmp_path_factory.mktemp("keyring") / "keyring.bin", "test-only", scrypt_log2_n=10
    )
    guard = DuckDBSqlGuard()
    yield SandboxBroker(executor, guard, keyring, FixedClock(NOW), log)
    guard.close()


async def provisioned(broker: SandboxBroker, environment: Environment, **grant: object) -> Sandbox:
    plan = plan_sandbox(grant_factory(**grant) if grant else GRANT, demo_schemas(), environment)
    sandbox, mount, why = await broker.provision(plan)
    assert sandbox.state is SandboxState.READY, why
    assert mount is not None
    return sandbox


@pytest.fixture(scope="module")
async def production(broker: SandboxBroker) -> Sandbox:
    return await provisioned(broker, Environment.PRODUCTION)


@pytest.fixture(scope="module")
async def development(broker: SandboxBroker) -> Sandbox:
    return await provisioned(broker, Environment.DEVELOPMENT)


def granted_file(broker: SandboxBroker, sandbox: Sandbox) -> Path:
    executor = broker.executor
    assert isinstance(executor, DuckDBJobExecutor)
    return executor.root / sandbox.sandbox_id / "data" / "granted.duckdb"


ADVERSARIAL = [
    ("COPY (SELECT * FROM market_registration) TO '/tmp/x.csv'", "SEC-5", "COPY"),
    ("SELECT * FROM read_csv('/etc/passwd')", "SBX-1", "read_csv()"),
    ("ATTACH '/tmp/other.db'", "SBX-2", "ATTACH"),
    ("INSTALL httpfs", "SBX-2", "INSTALL"),
    ("LOAD httpfs", "SBX-2", "LOAD"),
    ("SET enable_external_access = true", "SBX-2", "configuration"),
    ("SELECT * FROM 'https://example.com/leak.parquet'", "SBX-2", "URL"),
    ("EXPORT DATABASE '/tmp/dump'", "SEC-5", "EXPORT DATABASE"),
    ("SELECT 1; SELECT * FROM market_registration", "SBX-1", "exactly one statement"),
]


@pytest.mark.parametrize(("sql", "rule", "says"), ADVERSARIAL)
async def test_SBX_1_escapes_are_refused_by_the_guard_with_a_reason_and_recorded(
    broker: SandboxBroker,
    production: Sandbox,
    log: FakeJobLog,
    sql: str,
    rule: str,
    says: str,
) -> None:
    result = await broker.submit_job(production, caller_factory(), sql, confidentiality=SIGNED)
    record = result.record
    assert record.status is JobStatus.REFUSED
    assert (record.rule, says in record.reason) == (rule, True), record.reason
    assert log.records[record.job_id] == record
    assert record.sql == sql and record.caller.org_id == production.developer_org_id


async def test_SEC_5_raw_data_is_never_exported_and_every_attempt_is_recorded(
    broker: SandboxBroker, production: Sandbox, log: FakeJobLog, tmp_path: Path
) -> None:
    for sql in (
        f"COPY (SELECT * FROM market_registration) TO '{tmp_path}/leak.parquet' (FORMAT parquet)",
        f"EXPORT DATABASE '{tmp_path}/dump'",
    ):
        record = (
            await broker.submit_job(production, caller_factory(), sql, confidentiality=SIGNED)
        ).record
        assert record.status is JobStatus.REFUSED and record.rule == "SEC-5"
        assert log.records[record.job_id] is record and record.sql == sql
    assert os.listdir(tmp_path) == []


async def test_SBX_1_a_column_outside_the_grant_does_not_exist_in_the_sandbox(
    broker: SandboxBroker, production: Sandbox, log: FakeJobLog
) -> None:
    result = await broker.submit_job(
        production,
        caller_factory(),
        "SELECT entity_status, count(*) FROM market_registration GROUP BY 1",
        confidentiality=SIGNED,
    )
    record = result.record
    assert record.status is JobStatus.FAILED
    assert "entity_status" in record.reason and "REQ-2" in record.reason
    assert log.records[record.job_id] is record


async def test_SBX_1_another_sandboxs_file_is_out_of_reach(
    broker: SandboxBroker, production: Sandbox, log: FakeJobLog
) -> None:
    theirs = await provisioned(
        broker,
        Environment.PRODUCTION,
        grant_id="g-broker-other",
        developer_org_id=OTHER_DEVELOPER,
    )
    path = granted_file(broker, theirs)
    for sql in (f"SELECT * FROM '{path}'", f"ATTACH '{path}' AS theirs"):
        record = (
            await broker.submit_job(production, caller_factory(), sql, confidentiality=SIGNED)
        ).record
        assert record.status is JobStatus.REFUSED and record.rule in ("SBX-1", "SBX-2")
        assert log.records[record.job_id] is record


async def test_SBX_1_a_production_error_never_carries_data_values_out(
    broker: SandboxBroker, development: Sandbox, production: Sandbox
) -> None:
    """``error()`` and failed casts would quote a row in their message; in production the
    message is withheld, in development (synthetic data) it is shown."""
    for sql in (
        "SELECT error(legal_rep_name) FROM market_registration",
        "SELECT CAST(registered_address AS INTEGER) FROM market_registration",
    ):
        prod = (
            await broker.submit_job(production, caller_factory(), sql, confidentiality=SIGNED)
        ).record
        dev = (
            await broker.submit_job(development, caller_factory(), sql, confidentiality=SIGNED)
        ).record
        assert prod.status is dev.status is JobStatus.FAILED
        assert "withheld in production" in prod.reason and "*" not in prod.reason
        assert "区" not in prod.reason and "withheld" not in dev.reason


async def test_SBX_2_a_developer_cannot_use_another_developers_sandbox(
    broker: SandboxBroker, production: Sandbox
) -> None:
    intruder = caller_factory(org_id=OTHER_DEVELOPER, user_id=f"{OTHER_DEVELOPER}:mallory")
    record = (
        await broker.submit_job(
            production, intruder, "SELECT count(*) FROM market_registration", confidentiality=SIGNED
        )
    ).record
    assert record.status is JobStatus.REFUSED and record.rule == "SBX-2"
    assert record.caller == intruder


async def test_SBX_2_a_runaway_query_is_stopped_and_recorded(
    broker: SandboxBroker, production: Sandbox
) -> None:
    record = (
        await broker.submit_job(
            production,
            caller_factory(),
            "SELECT count(*) FROM range(1000000000000) t(i) WHERE i % 3 = 1",
            confidentiality=SIGNED,
        )
    ).record
    assert record.status is JobStatus.TIMED_OUT and record.rule == "SBX-2"
    assert "3 s" in record.reason or "ran longer" in record.reason or "Interrupted" in record.reason


async def test_SBX_2_a_memory_bomb_is_stopped_and_recorded(
    broker: SandboxBroker, production: Sandbox
) -> None:
    record = (
        await broker.submit_job(
            production,
            caller_factory(),
            "SELECT list(i) FROM range(400000000) t(i)",
            confidentiality=SIGNED,
        )
    ).record
    assert record.status is JobStatus.OUT_OF_MEMORY and record.rule == "SBX-2"
    assert "memory" in record.reason.lower()


async def test_SBX_3_production_data_is_masked_by_grade_and_raw_ids_never_appear(
    broker: SandboxBroker, production: Sandbox, source: Path
) -> None:
    key = masking.grant_token_key(await broker.masking_key(), GRANT.grant_id)
    schema = {item.name: item for item in DEMO_TABLES["market_registration"]}
    with duckdb.connect(str(source), read_only=True) as raw:
        originals = {
            row[0]: row
            for row in raw.execute(
                f"SELECT {', '.join(MARKET)} FROM market_registration WHERE entity_status <> '注销'"
            ).fetchall()
        }
        raw_ids = {
            r[0] for r in raw.execute("SELECT legal_rep_id FROM market_registration").fetchall()
        }
    with duckdb.connect(str(granted_file(broker, production)), read_only=True) as con:
        mounted = con.execute(f"SELECT {', '.join(MARKET)} FROM market_registration").fetchall()
        columns = [r[0] for r in con.execute("DESCRIBE market_registration").fetchall()]
        blob = con.execute(
            "SELECT string_agg(legal_rep_id || legal_rep_name || registered_address, '|') "
            "FROM market_registration"
        ).fetchone()
    assert columns == MARKET and len(mounted) == len(originals)
    for row in mounted:
        original = originals[row[0]]
        for index, name in enumerate(MARKET):
            item = schema[name]
            expected = masking.apply(masking.rule_for(item), kind_of(item), original[index], key)
            assert row[index] == expected, (name, row[index], expected)
    assert blob is not None and not any(number in blob[0] for number in raw_ids)
    sample = mounted[0]
    assert sample[3].startswith("tk_") and sample[2].endswith("*")
    assert sample[4].endswith(("区", "县"))


async def test_SBX_3_joins_still_work_on_tokens_within_a_grant(
    broker: SandboxBroker, production: Sandbox, source: Path
) -> None:
    with duckdb.connect(str(source), read_only=True) as raw:
        expected = raw.execute(
            "SELECT count(*) FROM market_registration m JOIN housing_provident_fund h "
            "ON m.legal_rep_id = h.person_id WHERE m.entity_status <> '注销'"
        ).fetchone()
    result = await broker.submit_job(
        production,
        caller_factory(),
        "CREATE TABLE output_rep_deposits AS "
        "SELECT count(*) AS reps, avg(h.deposit_base_fen) AS base FROM market_registration m "
        "JOIN housing_provident_fund h ON m.legal_rep_id = h.person_id",
        confidentiality=SIGNED,
    )
    assert result.record.status is JobStatus.SUCCEEDED, result.record.reason
    assert result.record.output_table == "output_rep_deposits"
    assert result.preview == ()  # production results are never shown
    outputs = granted_file(broker, production).parents[1] / "work" / "outputs.duckdb"
    with duckdb.connect(str(outputs), read_only=True) as con:
        assert con.execute("SELECT reps FROM output_rep_deposits").fetchone() == expected


async def test_SBX_2_a_job_written_on_development_runs_unchanged_on_production(
    broker: SandboxBroker, development: Sandbox, production: Sandbox
) -> None:
    sql = (
        "SELECT t.tax_grade, count(DISTINCT m.credit_code) AS enterprises, "
        "sum(t.tax_paid_fen) AS paid FROM tax_payments t "
        "JOIN market_registration m USING (credit_code) GROUP BY ALL ORDER BY 1"
    )
    dev = await broker.submit_job(development, caller_factory(), sql, confidentiality=SIGNED)
    prod = await broker.submit_job(production, caller_factory(), sql, confidentiality=SIGNED)
    assert dev.record.status is prod.record.status is JobStatus.SUCCEEDED, dev.record.reason
    assert dev.record.columns == prod.record.columns
    assert dev.record.environment == "development" and prod.record.environment == "production"
    assert 0 < len(dev.preview) <= 5 and prod.preview == ()
    assert {row[0] for row in dev.preview} <= {"A", "B", "M", "C", "D"}


async def test_SBX_5_every_job_is_recorded_with_text_caller_duration_and_rows(
    broker: SandboxBroker, production: Sandbox, log: FakeJobLog
) -> None:
    sql = (
        "CREATE TABLE output_capital AS SELECT region_code, sum(registered_capital_fen) AS c "
        "FROM market_registration GROUP BY 1"
    )
    record = (
        await broker.submit_job(production, caller_factory(), sql, confidentiality=SIGNED)
    ).record
    assert log.records[record.job_id] == record
    assert record.status is JobStatus.SUCCEEDED and record.output_table == "output_capital"
    assert record.sql == sql and record.sql_sha256 == hashlib.sha256(sql.encode()).hexdigest()
    assert record.caller.user_id.endswith(":alice") and record.duration_ms > 0
    assert record.rows_touched > 4000 and record.rows_out == 8
    assert record.submitted_at == NOW and record.grant_id == GRANT.grant_id
    detail = record.audit_detail()
    assert detail["status"] == "succeeded" and detail["rows_touched"] == record.rows_touched
    event = record.finished_event()
    assert (event.job_id, event.output_name, event.status) == (
        record.job_id,
        "output_capital",
        "succeeded",
    )


async def test_REQ_5_a_row_filter_the_guard_refuses_is_refused_before_anything_is_mounted(
    broker: SandboxBroker,
) -> None:
    bad = grant_factory(
        grant_id="g-broker-badfilter",
        resources=[
            granted_factory(row_filter="credit_code IN (SELECT credit_code FROM tax_payments)")
        ],
    )
    with pytest.raises(DomainError, match="subquery") as caught:
        await broker.provision(plan_sandbox(bad, demo_schemas(), Environment.PRODUCTION))
    assert caught.value.rule == "REQ-5"


async def test_SBX_1_a_sandbox_that_cannot_be_filled_fails_and_leaves_nothing_behind(
    broker: SandboxBroker,
) -> None:
    broken = grant_factory(
        grant_id="g-broker-broken", resources=[granted_factory(row_filter="no_such_item = 1")]
    )
    plan = plan_sandbox(broken, demo_schemas(), Environment.PRODUCTION)
    sandbox, mount, why = await broker.provision(plan)
    assert sandbox.state is SandboxState.FAILED and mount is None
    assert "no_such_item" in why
    executor = broker.executor
    assert isinstance(executor, DuckDBJobExecutor)
    assert plan.sandbox_id not in os.listdir(executor.root)
    record = (
        await broker.submit_job(sandbox, caller_factory(), "SELECT 1", confidentiality=SIGNED)
    ).record
    assert record.status is JobStatus.REFUSED and "not ready" in record.reason


async def test_SBX_7_no_sandbox_is_provisioned_for_an_expired_grant(broker: SandboxBroker) -> None:
    expired = grant_factory(grant_id="g-broker-expired", valid_until=NOW)
    with pytest.raises(DomainError, match="expired") as caught:
        await broker.provision(plan_sandbox(expired, demo_schemas(), Environment.PRODUCTION))
    assert caught.value.rule == "SBX-7"


async def test_SBX_3_the_masking_key_is_kept_in_secrets_and_created_once(
    broker: SandboxBroker,
) -> None:
    first = await broker.masking_key()
    assert len(first) == 32 and await broker.masking_key() == first
    stored = await broker.secrets.read_secret(MASKING_KEY_PATH)
    assert bytes.fromhex(stored["key"]) == first


async def test_SBX_7_a_job_after_the_sandbox_closed_is_refused_and_its_data_deleted(
    broker: SandboxBroker, log: FakeJobLog
) -> None:
    sandbox = await provisioned(broker, Environment.PRODUCTION, grant_id="g-broker-revoked")
    stale = sandbox
    closed = await broker.close(sandbox, "grant revoked by the bureau")
    refused = (
        await broker.submit_job(closed, caller_factory(), "SELECT 1", confidentiality=SIGNED)
    ).record
    assert refused.status is JobStatus.REFUSED and refused.rule == "SBX-7"
    assert "grant revoked" in refused.reason and log.records[refused.job_id] is refused
    behind = (
        await broker.submit_job(stale, caller_factory(), "SELECT 1", confidentiality=SIGNED)
    ).record
    assert behind.status is JobStatus.REFUSED and behind.rule == "SBX-7"  # the executor refuses too
    data = granted_file(broker, sandbox)
    deleted, deletion = await broker.delete(closed, "operator exit (AUTH-7)")
    assert deleted.state is SandboxState.DELETED
    assert not data.exists() and deletion.verified_absent
    assert "data/granted.duckdb" in {f.path for f in deletion.files}
    assert deletion.evidence_hash == sha256_hex(deletion.evidence())
    assert deletion.deleted_event().evidence_hash == deletion.evidence_hash


async def test_AUTH_7_exit_closes_at_once_and_deletes_with_a_record(broker: SandboxBroker) -> None:
    sandbox = await provisioned(broker, Environment.DEVELOPMENT, grant_id="g-broker-exit")
    deleted, deletion = await broker.close_and_delete(sandbox, "agreement terminated")
    assert deleted.state is SandboxState.DELETED and deletion.reason == "agreement terminated"
    assert deletion.environment == "development" and deletion.files
