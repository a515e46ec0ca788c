"""schemathesis over every service's OpenAPI (DESIGN §10): no 5xx, responses conform to
the schema (problems included), invalid data is rejected.

One embedded platform with all nine services runs behind the gateway. For each service,
schemathesis loads ``/<service>/schema/openapi.json`` from that ASGI app and calls the
app in-process (its ASGI transport runs the app's lifespan, so the platform runs on
schemathesis's own event loop). Each service is tested by two callers:

- ``provider`` sends a valid provider token (``TAX``), so cases get past authentication
  to the handlers; no answer to it may be 401;
- ``anonymous`` sends none; every guarded operation must answer 401, as a problem that
  conforms to the document.

Each operation is tested thoroughly by the caller that matters for it (guarded ones by
the provider, public ones by the anonymous caller): schemathesis's coverage cases
(boundary values, missing and wrongly typed fields, unexpected methods), then Hypothesis
fuzzing in positive and negative mode, ``EXAMPLES`` each. The other caller sends
``LIGHT`` positive cases. Everything is derandomized, with no example database, so a run
repeats exactly. Checks: all of schemathesis's (``--checks all``: server errors, status
codes, content types, headers, response schemas, negative data rejected, positive data
accepted, required headers, unsupported methods and their ``Allow``, use after free,
resource availability, ignored auth, object-level authorization).

(``schemathesis.pytest.from_fixture`` would drive this per operation, but 4.32.5 reads
``request.node._nodeid``, which pytest 9.2 no longer has; hence the explicit loop over
the documented ``APIOperation.as_strategy`` and ``Case.call_and_validate``.)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from litestar import Litestar
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import CHECKS as REGISTRY
from schemathesis.core.result import Ok
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi import checks as _openapi_checks

from contracts.topics import SERVICES
from libs.http.gateway import gateway
from libs.http.rate_limit import RATE_LIMIT_ENV
from tests.support.platform import TAX, platform, token

# schemathesis 4.32.5's negative strategies call `random` inside a strategy, which
# Hypothesis reports as deprecated; the cases stay derandomized all the same.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies"
    ":hypothesis.errors.HypothesisDeprecationWarning"
)

EXAMPLES = int(os.environ.get("PDO_SCHEMATHESIS_EXAMPLES", "10"))
"""Fuzzed cases per operation and generation mode, for the caller that matters (the
suite's run stays near half a minute; set the variable higher for a deeper run)."""

LIGHT = 3
"""Fuzzed positive cases per operation for the other caller (to a guarded operation
without a token, everything is 401; negative cases would add nothing)."""

INTEGRAL_FLOAT = "Expected `int`, got `float`"


def positive_data_acceptance(ctx: Any, response: Any, case: Case[Any]) -> bool | None:
    """schemathesis's check, except for one documented difference: JSON Schema counts
    ``1.0`` as an integer, the platform does not (money and counts are exactly JSON
    integers, issue 10). A 400 whose every error is that refusal is not a failure."""
    try:
        return _openapi_checks.positive_data_acceptance(ctx, response, case)
    except Exception:
        if response.status_code == 400:
            errors = response.json().get("errors", [])
            if errors and all(INTEGRAL_FLOAT in e.get("message", "") for e in errors):
                return None
        raise


CHECKS = [
    positive_data_acceptance if check.__name__ == "positive_data_acceptance" else check
    for check in REGISTRY.get_all()
]
"""``--checks all`` (positive data acceptance as above)."""

CONFIG = {
    "checks": {
        # Input the schema allows may still be refused by a business rule: 422 always
        # names the rule (and 404/409: an unknown or conflicting object). A 400 would
        # mean the schema does not say what the edge enforces, and stays a failure.
        "positive_data_acceptance": {
            "expected-statuses": ["2XX", "401", "403", "404", "409", "422", "429"]
        }
    },
    "generation": {
        "mode": "all",
        "deterministic": True,
        # The token is ours to send or withhold (the two callers); schemathesis should
        # not invent or drop an Authorization header of its own.
        "with-security-parameters": False,
    },
}

UNROUTED = {404, 405}
"""Answers of the router, before any guard runs (e.g. to coverage's unexpected methods)."""


def _fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        suppress_health_check=(
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ),
    )


@dataclass
class Running:
    """The gateway over all nine services, and a provider's bearer token for it."""

    app: Litestar
    provider: dict[str, str]


@dataclass
class Caller:
    """One caller's run over one service: its headers and what it was answered."""

    headers: dict[str, str]
    statuses: dict[str, set[int]] = field(default_factory=dict)
    wrong: set[str] = field(default_factory=set)


@pytest.fixture
def running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Running]:
    """A platform per test: schemathesis's pytest plugin ends every ASGI lifespan (here
    ``platform.stop()``) when the test that started it ends, and a stopped platform
    does not start again."""
    # The limiter stays in the path of every request but never trips while fuzzing;
    # tests/e2e/test_rate_limit.py proves the 429s.
    monkeypatch.setenv(RATE_LIMIT_ENV, "1000000")
    p = platform(tmp_path)
    # Signed on a loop of its own, off this thread, before the platform starts.
    with ThreadPoolExecutor(1) as pool:
        provider = pool.submit(asyncio.run, token(p, TAX, ttl=3600)).result()
    try:
        yield Running(gateway(p), provider)
    finally:
        schemathesis_asgi.shutdown_lifespans()  # already done by the plugin, if loaded


def _guarded(operation: APIOperation[Any, Any, Any, Any]) -> bool:
    """Whether the document says the operation needs a token (public ones say ``[]``)."""
    raw = operation.schema.raw_schema
    return bool(operation.definition.raw.get("security", raw.get("security")))


def _exercise(case: Case[Any], caller: Caller) -> None:
    # schemathesis adds its own headers to the mapping it is given: pass a copy.
    response = case.call_and_validate(headers=dict(caller.headers), checks=CHECKS)
    status = response.status_code
    label = case.operation.label
    caller.statuses.setdefault(label, set()).add(status)
    other_method = case.method.upper() != case.operation.method.upper()
    if not _guarded(case.operation) or status in UNROUTED or other_method:
        return  # public, refused by the router, or another method (Litestar's OPTIONS)
    if caller.headers and status == 401:
        caller.wrong.add(f"{label}: a valid token was refused (401)")
    if not caller.headers and status != 401:
        caller.wrong.add(f"{label}: answered {status} without a token")


def _test_operation(
    schema: Any, operation: APIOperation[Any, Any, Any, Any], caller: Caller, *, thorough: bool
) -> list[str]:
    """Run one operation's cases; the failures, described."""
    failures: list[str] = []
    if thorough:
        generation = schema.config.generation_for(operation=operation, phase="coverage")
        try:
            for case in schema.iter_coverage_cases(
                operation, generation_modes=list(GenerationMode), generation_config=generation
            ):
                _exercise(case, caller)
        except (AssertionError, BaseExceptionGroup) as exc:
            failures.append(f"{operation.label} (coverage):\n{exc}")
    for mode in GenerationMode if thorough else [GenerationMode.POSITIVE]:

        @_fuzz_settings(EXAMPLES if thorough else LIGHT)
        @given(case=operation.as_strategy(generation_mode=mode))
        def fuzz(case: Case[Any]) -> None:
            _exercise(case, caller)

        try:
            fuzz()
        except Unsatisfiable:
            # Nothing in the operation can be made invalid (no parameters, no body).
            if mode is not GenerationMode.NEGATIVE:
                raise
        except (AssertionError, BaseExceptionGroup) as exc:
            failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    return failures


@pytest.mark.parametrize("who", ["provider", "anonymous"])
@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_keeps_its_openapi_contract(
    running: Running, service: str, who: str
) -> None:
    schema = schemathesis.openapi.from_asgi(
        f"/{service}/schema/openapi.json",
        running.app,
        config=schemathesis.Config.from_dict(CONFIG),
    )
    caller = Caller(running.provider if who == "provider" else {})
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"{service}: {result.err()}"
        operations.append(result.ok())
    assert operations, f"{service} documents no operation"

    failures: list[str] = []
    for operation in operations:
        thorough = _guarded(operation) == (who == "provider")
        failures += _test_operation(schema, operation, caller, thorough=thorough)

    assert not failures, f"{service}, {who}:\n\n" + "\n\n".join(failures)
    assert not caller.wrong, sorted(caller.wrong)
    assert set(caller.statuses) == {o.label for o in operations}, "operations never called"


STATEFUL = {
    "enabled": True,
    # The documents carry no OpenAPI links of their own: schemathesis infers them from
    # Location headers and from ids in responses that match parameters of other routes
    # (a registered resource's ``resource_id`` feeds ``/resources/{resource_id}``).
    "inference": {"algorithms": ["location-headers", "dependency-analysis"]},
}
STEPS = int(os.environ.get("PDO_SCHEMATHESIS_STEPS", "6"))
"""Calls per stateful scenario; scenarios per service as ``EXAMPLES``."""


@pytest.mark.parametrize("service", SERVICES)
def test_stateful_sequences_keep_the_openapi_contract(running: Running, service: str) -> None:
    """Sequences of calls that feed one answer's ids into the next call (create, then read,
    change or decide what was created), under every check, as the provider caller."""
    schema = schemathesis.openapi.from_asgi(
        f"/{service}/schema/openapi.json",
        running.app,
        config=schemathesis.Config.from_dict({**CONFIG, "phases": {"stateful": STATEFUL}}),
    )
    workflow = schema.as_state_machine()
    headers = dict(running.provider)

    class Sequences(workflow):  # type: ignore[misc, valid-type]
        def get_call_kwargs(self, case: Case[Any]) -> dict[str, Any]:
            return {"headers": dict(headers)}

        def validate_response(self, response: Any, case: Case[Any], **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    Sequences.run(
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
