"""The ``pdo`` command: run the platform, one service, or regenerate the contracts.

pdo up                 all nine services in one process (embedded), demo city loaded
pdo serve <service>    one service in distributed mode, configured by environment
pdo serve console      the staff console alone, calling the gateway at PDO_CONSOLE_API_URL
pdo contracts [--check] regenerate (or check) contracts/asyncapi.json, schemas and openapi
pdo token --org ID     an access token for a demo organization (embedded mode only)
pdo admin bootstrap    the first bureau organization and administrator (identity's own
                       subcommand, services/identity/cli.py)
pdo demo --url URL     load the demo year into a running embedded instance over HTTP
pdo verify ...         check a disclosed record and the transparency log offline (DIS-3;
                       disclosure's own subcommand, services/disclosure/cli.py)
pdo kafka provision --region R   create the registry's topics and ACLs for region R
pdo kafka registry [--check]     write (or check) the chart's copy of the registry
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import importlib.util
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from contracts.topics import SERVICES
from libs.config import ConfigError, Settings, check_service, load
from libs.runtime import Platform
from libs.secrets.port import SecretStore

log = logging.getLogger("pdo")


EXIT_START_REFUSED = 78
"""``pdo serve`` could not connect with its credentials (EX_CONFIG of sysexits.h)."""


def _console(settings: Settings) -> Any:
    """The staff console (工作台), built by its own bootstrap (libs imports no service)."""
    host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::") else settings.http_host  # noqa: S104
    builder = importlib.import_module("services.console.bootstrap").build
    return builder(
        f"http://{host}:{settings.http_port}", http_host=settings.http_host, env=os.environ
    )


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _serve(
    settings: Settings, services: Sequence[str], *, demo: bool, console: bool = False
) -> None:
    """Serve ``services``. Embedded mode runs on a ``DemoClock`` (wall time unless moved,
    ``/demo/clock``); with ``demo`` the demo year is loaded through the gateway before
    the first request is served (``demo.load``: once per data directory)."""
    import uvicorn

    from libs.clock import Clock, DemoClock, SystemClock
    from libs.http.front_door import DemoAccounts
    from libs.http.gateway import gateway
    from libs.telemetry import configure_logging, fresh_context_per_request, setup_tracing

    configure_logging("pdo" if len(services) > 1 else services[0])
    setup_tracing(
        "pdo" if len(services) > 1 else services[0], otlp_endpoint=settings.otlp_endpoint or None
    )
    clock: Clock = SystemClock()
    accounts: DemoAccounts | None = None
    if settings.mode == "embedded":
        clock = DemoClock()
        if demo:
            # The composition root may know the demo; libs modules never import it.
            from demo import load as demo_load
            from demo.year import DEMO_PASSWORD
            from demo.year import accounts as demo_accounts

            accounts = DemoAccounts(DEMO_PASSWORD, demo_accounts())
            if not demo_load.loaded(settings.data_dir):
                clock = DemoClock(demo_load.start_of_demo(clock.now()))
    platform = Platform(settings, services, clock=clock).build()

    async def start() -> None:
        from libs.bus.kafka import KafkaStartError
        from libs.secrets.kafka import KafkaSecretMissing

        try:
            await platform.start()
        except (KafkaStartError, KafkaSecretMissing) as exc:
            # A clear start-up error, not a traceback: the principal, the mechanism and
            # what to check. The process exits (the orchestrator shows it and backs off).
            log.error("start-up refused: %s", exc)
            print(f"pdo: {exc}", file=sys.stderr, flush=True)
            os._exit(EXIT_START_REFUSED)
        if demo and isinstance(clock, DemoClock) and platform.secrets is not None:
            from demo import load as demo_load

            await demo_load.load_embedded(
                app,
                secrets=platform.secrets,
                clock=clock,
                region=settings.region,
                data_dir=settings.data_dir,
                say=_say,
            )
        log.info(
            "serving %d service(s) on http://%s:%d (probes: /livez /readyz /startupz)",
            len(services),
            settings.http_host,
            settings.http_port,
        )

    app = gateway(
        platform,
        on_startup=[start],
        on_shutdown=[platform.stop],
        console=_console(settings) if console else None,
        demo_accounts=accounts,
    )
    # SIGTERM: uvicorn stops accepting connections, lets requests in flight finish (up
    # to the grace period), then runs the shutdown hook: Platform.stop drains and exits.
    uvicorn.run(
        fresh_context_per_request(app),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_seconds / 2)),
    )


def _serve_console(settings: Settings) -> None:
    """The console alone: its pages under ``/console/`` and ``/healthz``; no service runs here."""
    import uvicorn
    from litestar import Litestar, asgi, get

    from libs.telemetry import configure_logging

    configure_logging("console")
    console = _console(settings)

    @get(["/healthz", "/livez", "/readyz", "/startupz"], opt={"public": True})
    async def healthz() -> dict[str, str]:
        """The console keeps no state: up when it serves (each page reports an API outage)."""
        return {"status": "up", "service": "console"}

    @asgi("/console", is_mount=True, copy_scope=True)
    async def mounted(scope: Any, receive: Any, send: Any) -> None:
        await console(scope, receive, send)

    app = Litestar(route_handlers=[healthz, mounted], openapi_config=None)
    uvicorn.run(app, host=settings.http_host, port=settings.http_port, log_config=None)


def cmd_up(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    if args.data_dir:
        env["PDO_DATA_DIR"] = args.data_dir
    if args.port:
        env["PDO_HTTP_PORT"] = str(args.port)
    if args.host:
        env["PDO_HTTP_HOST"] = args.host
    settings = dataclasses.replace(load(env, mode="embedded"), demo=not args.no_demo)
    print(
        f"pdo: embedded mode, region {settings.region}, data in {settings.data_dir}",
        file=sys.stderr,
    )
    _serve(settings, SERVICES, demo=settings.demo, console=True)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    if args.service == "console":
        # The console keeps no state: no Kafka, database or Vault, only where to listen.
        env = {"PDO_HTTP_HOST": "0.0.0.0", **os.environ}  # noqa: S104  (a container's interface)
        _serve_console(load(env, mode="embedded"))
        return 0
    settings = load(mode="distributed")
    service = check_service(args.service)
    _serve(settings, [service], demo=False)
    return 0


def cmd_contracts(args: argparse.Namespace) -> int:
    from contracts import asyncapi
    from libs.http import published

    files = {**asyncapi.rendered(), **published.rendered()}
    if args.check:
        stale = [
            rel
            for rel, text in files.items()
            if not (asyncapi.HERE / rel).exists()
            or (asyncapi.HERE / rel).read_text(encoding="utf-8") != text
        ]
        extra = sorted(
            f"openapi/{p.name}"
            for p in (asyncapi.HERE / "openapi").glob("*.json")
            if f"openapi/{p.name}" not in files
        )
        if stale or extra:
            print(
                "out of date (run `pdo contracts`): " + ", ".join([*stale, *extra]),
                file=sys.stderr,
            )
            return 1
        print(f"contracts are up to date ({len(files)} files)")
        return 0
    written = asyncapi.write()
    openapi_dir = asyncapi.HERE / "openapi"
    openapi_dir.mkdir(exist_ok=True)
    for old in openapi_dir.glob("*.json"):
        if f"openapi/{old.name}" not in files:
            old.unlink()
    for rel, text in published.rendered().items():
        (asyncapi.HERE / rel).write_text(text, encoding="utf-8")
        written.append(asyncapi.HERE / rel)
    print(f"wrote {len(written)} files under {asyncapi.HERE}")
    return 0


def _instance_secrets(settings: Settings) -> SecretStore | None:
    """The signing keys of the instance whose data is in ``settings.data_dir`` (or in
    Vault); ``None`` when there is no keyring there. Never creates a key or keyring."""
    from libs.runtime import make_secrets
    from libs.secrets.keyring import LocalKeyring, load_or_create_passphrase

    if settings.vault_addr:
        return make_secrets(settings)
    where = settings.data_dir.resolve()
    keyring = where / "keyring.bin"
    passphrase_file = where / "keyring.passphrase"
    if not keyring.exists() or not (settings.keyring_passphrase or passphrase_file.exists()):
        return None
    # The file exists (checked above), so this only reads it.
    passphrase = settings.keyring_passphrase or load_or_create_passphrase(passphrase_file)
    return LocalKeyring(keyring, passphrase)


def _embedded_settings(data_dir: str | None) -> Settings:
    env = dict(os.environ)
    if data_dir:
        env["PDO_DATA_DIR"] = data_dir
    return load(env, mode="embedded")


def cmd_token(args: argparse.Namespace) -> int:
    """Sign with the instance's own key in ``--data-dir``; never create a key or keyring."""
    from demo.city import find_org
    from demo.driver import principal_for
    from libs.auth.tokens import TokenIssuer
    from libs.clock import SystemClock
    from libs.secrets.port import SecretNotFound

    settings = _embedded_settings(args.data_dir)
    try:
        org = find_org(args.org)
    except KeyError:
        print(f"unknown demo organization {args.org!r}", file=sys.stderr)
        return 2
    refusal = (
        f"pdo token: no signing key of a running platform in {settings.data_dir.resolve()}; "
        "start `pdo up` with the same --data-dir and wait until it serves, then try again"
    )
    secrets = _instance_secrets(settings)
    if secrets is None:
        print(refusal, file=sys.stderr)
        return 2
    issuer = TokenIssuer(secrets, SystemClock(), region=settings.region, create_key=False)
    try:
        print(asyncio.run(issuer.issue(principal_for(org), ttl_seconds=args.ttl)))
    except SecretNotFound:
        print(refusal, file=sys.stderr)
        return 2
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The demo year into a running instance, through HTTP only (``demo.load``)."""
    from demo.driver import DemoError
    from demo.load import load_remote
    from libs.secrets.port import SecretNotFound

    settings = _embedded_settings(args.data_dir)
    secrets = _instance_secrets(settings)
    if secrets is None:
        print(
            f"pdo demo: no signing key of the instance in {settings.data_dir.resolve()} "
            "(give its --data-dir, or PDO_VAULT_ADDR)",
            file=sys.stderr,
        )
        return 2
    try:
        report = asyncio.run(
            load_remote(args.url, secrets=secrets, region=settings.region, say=_say)
        )
    except (DemoError, SecretNotFound) as exc:
        print(f"pdo demo: {exc}", file=sys.stderr)
        return 1
    if report is not None:
        print(f"demo year {report.year}: {report.counts}")
    return 0


REGISTRY_FILE = "deploy/helm/pdo/files/kafka-registry.json"


def cmd_kafka_provision(args: argparse.Namespace) -> int:
    """Creates what the registry needs on the broker; exit 0 done or nothing to do,
    1 the broker refused a step (the message names it; a second run finishes the rest)."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import KafkaError

    from libs.bus.provision import ProvisionError, plan, provision
    from libs.config import REGION_PATTERN_TEXT, valid_region
    from libs.runtime import kafka_credentials

    if not valid_region(args.region):
        raise ConfigError(f"--region {args.region!r} is not {REGION_PATTERN_TEXT}")
    env = dict(os.environ)
    if args.bootstrap:
        env["PDO_KAFKA_BOOTSTRAP"] = args.bootstrap
    settings = load(env, mode="embedded")
    if not settings.kafka_bootstrap:
        raise ConfigError("PDO_KAFKA_BOOTSTRAP (or --bootstrap) is required")
    chain = dict(env)
    chain["PDO_REGION"] = args.region
    if args.parents is not None:
        chain["PDO_PARENT_REGIONS"] = args.parents
    if args.children is not None:
        chain["PDO_CHILD_REGIONS"] = args.children
    federation = load(chain, mode="embedded")  # the chain's checks name a bad code
    target = plan(
        args.region,
        partitions=args.partitions,
        replication_factor=args.replication_factor,
        parents=federation.parents,
        children=federation.children,
        exchanges=tuple(args.exchange),
    )

    async def run() -> int:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=settings.kafka_bootstrap,
            client_id="pdo-provision",
            request_timeout_ms=args.timeout * 1000,
            **kafka_credentials(settings).client_kwargs(),
        )
        try:
            await admin.start()
            report = await provision(admin, target, acls=not args.no_acls)
        except ProvisionError as exc:
            print(f"pdo kafka provision: {exc}", file=sys.stderr)
            return 1
        except KafkaError as exc:
            print(f"pdo kafka provision: the broker refused: {exc!r}", file=sys.stderr)
            return 1
        finally:
            await admin.close()
        for name in report.created_topics:
            print(f"created topic {name}")
        for name in report.grown_topics:
            print(f"grew topic {name} to {args.partitions} partitions")
        for name in report.altered_topics:
            print(f"set the configuration of topic {name}")
        for acl in report.created_acls:
            print(f"created ACL {acl}")
        print(f"region {args.region}: {report.summary()}")
        return 0

    return asyncio.run(run())


def cmd_kafka_registry(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from libs.bus.provision import registry_document

    target = Path(args.output)
    text = json.dumps(registry_document(), indent=2, ensure_ascii=False) + "\n"
    if args.check:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print(f"out of date (run `pdo kafka registry`): {target}", file=sys.stderr)
            return 1
        print(f"{target} is up to date")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def add_service_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Subcommands a service offers itself (``services/<name>/cli.py`` with ``register``),
    found by name as the runtime finds ``bootstrap``: ``pdo verify`` is disclosure's."""
    for service in SERVICES:
        name = f"services.{service}.cli"
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).register(sub)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="pdo", description="公共数据资源授权运营平台")
    sub = top.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="run all nine services in one process (embedded mode)")
    up.add_argument("--port", type=int, default=None, help="HTTP port (default 8000)")
    up.add_argument("--host", default=None, help="bind address (default 127.0.0.1)")
    up.add_argument("--data-dir", default=None, help="where state lives (default .pdo/data)")
    up.add_argument("--no-demo", action="store_true", help="do not load the demo city")
    up.set_defaults(func=cmd_up)
    serve = sub.add_parser("serve", help="run one service in distributed mode")
    serve.add_argument("service", choices=[*SERVICES, "console"])
    serve.set_defaults(func=cmd_serve)
    contracts = sub.add_parser("contracts", help="regenerate AsyncAPI and JSON Schemas")
    contracts.add_argument("--check", action="store_true", help="fail if regeneration differs")
    contracts.set_defaults(func=cmd_contracts)
    token = sub.add_parser("token", help="issue an access token for a demo organization")
    token.add_argument("--org", required=True, help="e.g. org-370300-tax")
    token.add_argument("--ttl", type=int, default=3600, help="seconds (default 3600)")
    token.add_argument("--data-dir", default=None)
    token.set_defaults(func=cmd_token)
    demo_cmd = sub.add_parser(
        "demo",
        help="load the demo year into a running embedded instance through its HTTP APIs",
    )
    demo_cmd.add_argument("--url", required=True, help="e.g. http://127.0.0.1:8000")
    demo_cmd.add_argument("--data-dir", default=None, help="the instance's (its signing key)")
    demo_cmd.set_defaults(func=cmd_demo)
    kafka = sub.add_parser("kafka", help="Kafka topics and principals from the registry")
    kafka_sub = kafka.add_subparsers(dest="kafka_command", required=True)
    prov = kafka_sub.add_parser(
        "provision",
        help="create every registry topic (and DLQ) and each service's ACLs for a region",
        description="Idempotent: a second run changes nothing and says so. Connects with "
        "PDO_KAFKA_BOOTSTRAP and PDO_KAFKA_SECURITY_PROTOCOL / _SASL_MECHANISM / _USERNAME "
        "/ _PASSWORD, as a principal allowed to create topics and ACLs.",
    )
    prov.add_argument("--region", required=True, help="GB/T 2260 code, e.g. 370300")
    prov.add_argument("--bootstrap", default=None, help="overrides PDO_KAFKA_BOOTSTRAP")
    prov.add_argument("--partitions", type=int, default=3, help="per event topic (default 3)")
    prov.add_argument("--replication-factor", type=int, default=1, help="(default 1)")
    prov.add_argument("--no-acls", action="store_true", help="topics only (no authorizer)")
    prov.add_argument(
        "--parents",
        default=None,
        help="regions above, nearest first, or 'auto' (FED-1): read ACLs on their public "
        "streams this region's services consume (default PDO_PARENT_REGIONS)",
    )
    prov.add_argument(
        "--children",
        default=None,
        help="regions below whose upward streams this region reads (FED-2; "
        "default PDO_CHILD_REGIONS)",
    )
    prov.add_argument(
        "--exchange",
        action="append",
        default=[],
        metavar="NAME[=REGION,...]",
        help="a data exchange served here: principal exchange-NAME reads the trading topic "
        "(of this region, or of each REGION listed) with groups exchange.NAME.* (repeatable)",
    )
    prov.add_argument("--timeout", type=int, default=30, help="seconds per request")
    prov.set_defaults(func=cmd_kafka_provision)
    reg = kafka_sub.add_parser(
        "registry", help="write the registry the Helm chart renders Strimzi resources from"
    )
    reg.add_argument("--output", default=REGISTRY_FILE)
    reg.add_argument("--check", action="store_true", help="fail if the file is stale")
    reg.set_defaults(func=cmd_kafka_registry)
    add_service_commands(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except ConfigError as exc:
        print(f"pdo: configuration error: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    raise SystemExit(main())
