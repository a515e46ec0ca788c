"""Real servers for the test session: an Apache Kafka 4.0.1 broker and a MongoDB-wire server.

Fixtures (exposed through tests/conftest.py):

- ``kafka_bootstrap`` (session, ``str``): ``$PDO_TEST_KAFKA`` when set, else ``kafka_server``'s
  ``"127.0.0.1:<port>"``.
- ``kafka_server`` (session, :class:`KafkaServer`): a single-node KRaft broker this session owns,
  started by ``scripts/kafka-server.sh`` on a free port with a temporary datadir. Fault tests call
  ``kill9()`` (SIGKILL) and ``start()`` again: same port, same data.
- ``mongo_uri`` (session, ``str``): ``$MONGO_URI`` when set, else ``mongo_server.uri``.
- ``mongo_server`` / ``ferret_server`` (session, :class:`MongoWireServer`): FerretDB v1.24.0 with
  its SQLite backend (``scripts/ferretdb-server.sh``), or a real ``mongod`` when one is on PATH.

Servers start lazily, when a test asks for them; ``pytest tests/unit`` needs no Java nor Go. The
one-time downloads/builds (Kafka jars, the FerretDB binary) run right after collection, and only
when a selected test needs them, so they do not count against a test's timeout. A server that
cannot start fails the tests that need it, with the tail of its log: never a skip (in CI, where
``CI=true``, and outside it alike).

A test that stops or kills a shared server must bring it back before it ends::

    try:
        await kafka_server.akill9()
        ...
    finally:
        await kafka_server.astart()    # start() is a no-op when the server already runs
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import ClassVar

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = REPO_ROOT / "scripts"

# Bounds for the helper scripts. Each script has its own readiness timeout (Kafka 120 s,
# FerretDB 60 s); these also cover a first fetch/build that did not happen in the prepare step.
SCRIPT_START_TIMEOUT = 900.0
SCRIPT_STOP_TIMEOUT = 90.0
PREPARE_TIMEOUT = 1800.0

KAFKA_FIXTURES = frozenset({"kafka_server", "kafka_bootstrap"})
MONGO_FIXTURES = frozenset({"mongo_server", "ferret_server", "mongo_uri"})


class ServerError(RuntimeError):
    """A test server could not be prepared, started or stopped."""


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def file_tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"({path} not readable)"
    return "\n".join(text.splitlines()[-lines:])


ACL_TEST_REGION = "379999"
"""The region whose service principals exist on the test broker's SASL listener."""

FEDERATION_TEST_REGIONS = ("370000", "370300", "370303")
"""Province 370000 (Shandong), city 370300 (Zibo) and county 370303 (Zhangdian): their
service principals exist on the SASL listener for the federation tests (FED-1, FED-2)."""

FEDERATION_TEST_EXCHANGE = "sdx"
"""The data exchange whose principal (``exchange-sdx``) exists on the SASL listener."""

SASL_TEST_USERS: dict[str, str] = {
    f"pdo-{ACL_TEST_REGION}-{service}": f"{service}-secret"
    for service in ("catalog", "disclosure", "identity")
} | {
    f"pdo-{region}-{service.replace('_', '-')}": f"{region}-{service}-secret"
    for region in FEDERATION_TEST_REGIONS
    for service in (
        "identity", "catalog", "request_review", "sandbox_broker", "product_release",
        "trading_bridge", "billing", "evaluation", "disclosure",
    )
} | {f"exchange-{FEDERATION_TEST_EXCHANGE}": "sdx-secret"}  # fmt: skip


def _script_env() -> dict[str, str]:
    # the scripts stop their server by themselves if this process dies without stopping it
    users = ",".join(f"{name}:{password}" for name, password in SASL_TEST_USERS.items())
    return {**os.environ, "PDO_OWNER_PID": str(os.getpid()), "KAFKA_SASL_USERS": users}


def run_script(script: Path, *args: str, timeout: float) -> str:
    """Run one of the server scripts; its stdout on success, ServerError with its output if not."""
    cmd = ["bash", str(script), *args]
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_script_env(),
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ServerError(
            f"`{' '.join(cmd)}` did not finish within {timeout:.0f}s\n{_text(exc.stderr)}"
        ) from exc
    if proc.returncode != 0:
        raise ServerError(f"`{' '.join(cmd)}` exited with {proc.returncode}\n{proc.stderr.strip()}")
    return proc.stdout.strip()


def _text(value: str | bytes | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value


def run_script_streaming(
    script: Path, *args: str, timeout: float, echo: Callable[[str], None]
) -> None:
    """Run a script, passing each line it prints (progress) to ``echo``."""
    cmd = ["bash", str(script), *args]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=_script_env(),
    )
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip())
            echo(line.rstrip())
        rc = proc.wait()
    finally:
        timer.cancel()
    if rc != 0:
        tail = "\n".join(lines[-40:])
        raise ServerError(f"`{' '.join(cmd)}` exited with {rc}\n{tail}")


def kafka_api_versions_ok(port: int, host: str = "127.0.0.1", timeout: float = 5.0) -> bool:
    """Send a Kafka ApiVersions (v0) request and check that the broker answers without error."""
    client_id = b"pdo-tests"
    body = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack(">i", len(body)) + body)
            (size,) = struct.unpack(">i", _recv_exact(sock, 4))
            data = _recv_exact(sock, size)
    except (OSError, struct.error):
        return False
    correlation_id, error_code = struct.unpack(">ih", data[:6])
    return bool(correlation_id == 7 and error_code == 0)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    return buf


class ManagedServer(abc.ABC):
    """A server process this test session owns: fixed datadir and port across restarts."""

    name: ClassVar[str]

    def __init__(self, datadir: Path, port: int | None = None) -> None:
        self.datadir = Path(datadir)
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.datadir.mkdir(parents=True, exist_ok=True)

    # -- the process -------------------------------------------------------------------------

    @abc.abstractmethod
    def _start(self) -> None: ...

    @abc.abstractmethod
    def _stop(self) -> None: ...

    @abc.abstractmethod
    def _kill9(self) -> None: ...

    @abc.abstractmethod
    def is_running(self) -> bool:
        """True when the server process runs and answers."""

    @abc.abstractmethod
    def log_files(self) -> list[Path]: ...

    # -- the public API ----------------------------------------------------------------------

    def start(self) -> None:
        """Start the server (same datadir and port as before); no-op when it already runs.

        Raises ServerError with the tail of the server's log when it does not come up.
        """
        if self.is_running():
            return
        try:
            self._start()
        except ServerError as exc:
            raise ServerError(f"{self.name} did not start: {exc}\n{self.log_tail()}") from exc

    def stop(self) -> None:
        """Graceful stop (SIGTERM, then SIGKILL after a grace period); no-op when stopped."""
        self._stop()

    def kill9(self) -> None:
        """SIGKILL the server process, as a crash would."""
        self._kill9()

    def ensure_running(self) -> None:
        self.start()

    async def astart(self) -> None:
        await asyncio.to_thread(self.start)

    async def astop(self) -> None:
        await asyncio.to_thread(self.stop)

    async def akill9(self) -> None:
        await asyncio.to_thread(self.kill9)

    def log_tail(self, lines: int = 40) -> str:
        parts = [
            f"--- {p} (last {lines} lines) ---\n{file_tail(p, lines)}"
            for p in self.log_files()
            if p.exists()
        ]
        return "\n".join(parts)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(port={self.port}, datadir={str(self.datadir)!r})"


class KafkaServer(ManagedServer):
    """Apache Kafka 4.0.1, single KRaft node (broker+controller), via scripts/kafka-server.sh."""

    name = "Kafka"
    script: ClassVar[Path] = SCRIPTS / "kafka-server.sh"

    def __init__(
        self, datadir: Path, port: int | None = None, controller_port: int | None = None
    ) -> None:
        super().__init__(datadir, port)
        cport = controller_port or free_port()
        while cport == self.port:
            cport = free_port()
        self.controller_port = cport
        sport = free_port()
        while sport in (self.port, cport):
            sport = free_port()
        self.sasl_port = sport
        """SASL_PLAINTEXT (PLAIN) listener: users held to their ACLs (scripts/kafka-server.sh)."""

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def sasl_bootstrap(self) -> str:
        return f"{self.host}:{self.sasl_port}"

    @classmethod
    def prepare(cls, echo: Callable[[str], None]) -> None:
        """Fetch the broker's jars into ~/.cache/pdo once (no-op when cached)."""
        run_script_streaming(cls.script, "fetch", timeout=PREPARE_TIMEOUT, echo=echo)

    def _start(self) -> None:
        run_script(
            self.script,
            "start",
            str(self.datadir),
            str(self.port),
            str(self.controller_port),
            str(self.sasl_port),
            timeout=SCRIPT_START_TIMEOUT,
        )
        deadline = time.monotonic() + 30
        while not kafka_api_versions_ok(self.port):
            if time.monotonic() > deadline:
                raise ServerError("the broker logged its start but does not answer ApiVersions")
            time.sleep(0.2)

    def _stop(self) -> None:
        run_script(self.script, "stop", str(self.datadir), timeout=SCRIPT_STOP_TIMEOUT)

    def _kill9(self) -> None:
        run_script(self.script, "kill9", str(self.datadir), timeout=SCRIPT_STOP_TIMEOUT)

    def is_running(self) -> bool:
        try:
            run_script(self.script, "status", str(self.datadir), timeout=30)
        except ServerError:
            return False
        return kafka_api_versions_ok(self.port)

    def log_files(self) -> list[Path]:
        logs = self.datadir / "logs"
        return [logs / "server.log", logs / "stdout.log"]


class MongoWireServer(ManagedServer):
    """A MongoDB-wire server this session owns."""

    @property
    def uri(self) -> str:
        return f"mongodb://{self.host}:{self.port}/"


class FerretServer(MongoWireServer):
    """FerretDB v1.24.0 with the SQLite backend, via scripts/ferretdb-server.sh."""

    name = "FerretDB"
    script: ClassVar[Path] = SCRIPTS / "ferretdb-server.sh"

    @classmethod
    def prepare(cls, echo: Callable[[str], None]) -> None:
        """Build the FerretDB binary into ~/.cache/pdo once (no-op when built)."""
        run_script_streaming(cls.script, "build", timeout=PREPARE_TIMEOUT, echo=echo)

    def _start(self) -> None:
        run_script(
            self.script, "start", str(self.datadir), str(self.port), timeout=SCRIPT_START_TIMEOUT
        )

    def _stop(self) -> None:
        run_script(self.script, "stop", str(self.datadir), timeout=SCRIPT_STOP_TIMEOUT)

    def _kill9(self) -> None:
        run_script(self.script, "kill9", str(self.datadir), timeout=SCRIPT_STOP_TIMEOUT)

    def is_running(self) -> bool:
        try:
            run_script(self.script, "status", str(self.datadir), timeout=30)
        except ServerError:
            return False
        return True

    def log_files(self) -> list[Path]:
        return [self.datadir / "logs" / "ferretdb.log"]


class MongodServer(MongoWireServer):
    """A real ``mongod`` from PATH (used instead of FerretDB when present)."""

    name = "mongod"
    START_TIMEOUT: ClassVar[float] = 60.0

    def __init__(self, datadir: Path, port: int | None = None, binary: str = "mongod") -> None:
        super().__init__(datadir, port)
        self.binary = binary
        self._proc: subprocess.Popen[bytes] | None = None

    def _start(self) -> None:
        (self.datadir / "data").mkdir(exist_ok=True)
        (self.datadir / "logs").mkdir(exist_ok=True)
        log = self.log_files()[0]
        with log.open("ab") as out:
            self._proc = subprocess.Popen(
                [
                    self.binary,
                    "--dbpath",
                    str(self.datadir / "data"),
                    "--port",
                    str(self.port),
                    "--bind_ip",
                    self.host,
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + self.START_TIMEOUT
        while not self._ping():
            if self._proc.poll() is not None:
                raise ServerError(f"mongod exited with {self._proc.returncode}")
            if time.monotonic() > deadline:
                self._proc.kill()
                self._proc.wait()
                raise ServerError(f"mongod did not answer ping within {self.START_TIMEOUT:.0f}s")
            time.sleep(0.2)

    def _ping(self) -> bool:
        from pymongo import MongoClient
        from pymongo.errors import PyMongoError

        client: MongoClient[dict[str, object]] = MongoClient(
            self.uri, serverSelectionTimeoutMS=500, connectTimeoutMS=500
        )
        try:
            client.admin.command("ping")
        except PyMongoError:
            return False
        finally:
            client.close()
        return True

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _kill9(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            raise ServerError("mongod is not running")
        proc.kill()
        proc.wait()

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None and self._ping()

    def log_files(self) -> list[Path]:
        return [self.datadir / "logs" / "mongod.log"]


# -- preparation after collection --------------------------------------------------------------

_prepare_errors: dict[str, str] = {}


def _needs(items: list[pytest.Item], names: frozenset[str]) -> bool:
    return any(names.intersection(getattr(item, "fixturenames", ())) for item in items)


def _needs_kafka_server(items: list[pytest.Item]) -> bool:
    fixtures = KAFKA_FIXTURES if not os.environ.get("PDO_TEST_KAFKA") else {"kafka_server"}
    return _needs(items, frozenset(fixtures))


def _needs_ferret(items: list[pytest.Item]) -> bool:
    if shutil.which("mongod"):
        return False
    fixtures = MONGO_FIXTURES if not os.environ.get("MONGO_URI") else MONGO_FIXTURES - {"mongo_uri"}
    return _needs(items, frozenset(fixtures))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests that use the servers, so ``-m "not kafka and not mongo"`` deselects them."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & KAFKA_FIXTURES:
            item.add_marker(pytest.mark.kafka)
        if used & MONGO_FIXTURES:
            item.add_marker(pytest.mark.mongo)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Fetch/build what the selected tests' servers need, before any test (and its timeout)."""
    config = session.config
    if config.option.collectonly or not session.items:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    def echo(line: str) -> None:
        if reporter is not None:
            reporter.write_line(line)
        else:
            print(line, file=sys.stderr)

    wanted: list[tuple[str, Callable[[Callable[[str], None]], None]]] = []
    if _needs_kafka_server(session.items):
        wanted.append(("kafka", KafkaServer.prepare))
    if _needs_ferret(session.items):
        wanted.append(("ferret", FerretServer.prepare))
    for key, prepare in wanted:
        try:
            prepare(echo)
        except ServerError as exc:
            _prepare_errors[key] = str(exc)
            echo(f"[pdo-tests] preparing {key} failed; the tests that need it will fail:\n{exc}")
    _prepare_chart_tools(session.items, echo)


def _prepare_chart_tools(items: list[pytest.Item], echo: Callable[[str], None]) -> None:
    """helm and kubeconform, built once before the chart tests (and their timeouts)."""
    from tests.support import chart

    modules = {item.module for item in items if isinstance(item, pytest.Function)}
    if not chart.needed_by(modules):
        return
    echo("[pdo-tests] preparing helm and kubeconform (cached under ~/.cache/pdo)")
    try:
        chart.prepare()
    except chart.ChartToolError as exc:  # tools() runs again in the tests and fails there
        echo(f"[pdo-tests] preparing the chart tools failed; the chart tests will fail:\n{exc}")


# -- fixtures ----------------------------------------------------------------------------------


def _fail(what: str, detail: str, hint: str) -> None:
    where = "CI=true: a server that cannot start fails the run" if in_ci() else hint
    pytest.fail(f"{what}\n{detail}\n({where})", pytrace=False)


def _start_or_fail(server: ManagedServer, key: str, hint: str) -> None:
    if key in _prepare_errors:
        _fail(f"{server.name} could not be prepared", _prepare_errors[key], hint)
    error: str | None = None
    try:
        server.start()
    except ServerError as exc:
        error = str(exc)
    if error is not None:  # outside the except block: no chained traceback noise
        with contextlib.suppress(ServerError):
            server.stop()
        _fail(f"{server.name} failed to start", error, hint)


@pytest.fixture(scope="session")
def kafka_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaServer]:
    """A Kafka broker owned by this session (started on first use, stopped at session end)."""
    server = KafkaServer(tmp_path_factory.mktemp("kafka"))
    _start_or_fail(
        server,
        "kafka",
        "needs java 17+ and mvn; or set PDO_TEST_KAFKA=host:port to use a broker you run",
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap(request: pytest.FixtureRequest) -> str:
    """Bootstrap servers: ``$PDO_TEST_KAFKA``, or the session's own broker."""
    external = os.environ.get("PDO_TEST_KAFKA", "").strip()
    if external:
        return external
    server: KafkaServer = request.getfixturevalue("kafka_server")
    return server.bootstrap


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoWireServer]:
    """A MongoDB-wire server owned by this session: mongod when on PATH, else FerretDB."""
    datadir = tmp_path_factory.mktemp("mongo")
    mongod = shutil.which("mongod")
    server: MongoWireServer = (
        MongodServer(datadir, binary=mongod) if mongod else FerretServer(datadir)
    )
    _start_or_fail(
        server,
        "ferret",
        "needs go (builds FerretDB once); or set MONGO_URI to use a server you run",
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def ferret_server(mongo_server: MongoWireServer) -> MongoWireServer:
    """Alias of ``mongo_server`` (FerretDB unless a real mongod is on PATH)."""
    return mongo_server


@pytest.fixture(scope="session")
def mongo_uri(request: pytest.FixtureRequest) -> str:
    """MongoDB URI: ``$MONGO_URI``, or the session's own server."""
    external = os.environ.get("MONGO_URI", "").strip()
    if external:
        return external
    server: MongoWireServer = request.getfixturevalue("mongo_server")
    return server.uri
