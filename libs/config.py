"""Settings from environment variables (twelve-factor), validated once at start-up.

Embedded mode needs none of them; distributed mode needs the Kafka, MongoDB and Vault
addresses and a Vault credential (a token, or a role for Vault's Kubernetes auth). A
missing or malformed value stops start-up with a message naming it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from contracts.topics import REGION_PATTERN, SERVICES

Mode = Literal["embedded", "distributed"]

SERVICE_ACCOUNT_TOKEN = Path("/var/run/secrets/kubernetes.io/serviceaccount/token")
"""Where Kubernetes mounts a pod's service-account JWT (Vault Kubernetes auth sends it)."""

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - a pod's or container's port must be reachable
LOOPBACK = "127.0.0.1"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    mode: Mode
    region: str
    http_host: str
    http_port: int
    data_dir: Path
    kafka_bootstrap: str = ""
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = ""
    kafka_username: str = ""
    kafka_password: str = ""
    kafka_ssl_cafile: str = ""
    """TLS (``SSL``/``SASL_SSL``): the CA bundle that signed the brokers' certificates;
    empty uses the system's trust store (``PDO_KAFKA_SSL_CAFILE``)."""
    mongo_uri: str = ""
    vault_addr: str = ""
    vault_token: str = ""
    vault_k8s_role: str = ""
    vault_agent_proxy: bool = False
    vault_k8s_mount: str = "kubernetes"
    vault_k8s_token_path: Path = SERVICE_ACCOUNT_TOKEN
    vault_approle_role_id: str = ""
    vault_approle_secret_id_path: Path | None = None
    vault_approle_mount: str = "approle"
    otlp_endpoint: str = ""
    keyring_passphrase: str = ""
    demo: bool = False
    shutdown_grace_seconds: float = 20.0
    parents: tuple[str, ...] = ()
    """The jurisdiction chain above ``region``, nearest first (county → city → province,
    FED-1/FED-2): whose public streams this instance reads. ``PDO_PARENT_REGIONS``
    (comma-separated, or ``auto`` to follow the GB/T 2260 code) sets it; unset, the
    instance reads only its own region (a parent's topics need ACLs granted to it)."""
    children: tuple[str, ...] = ()
    """Regions below this one whose upward streams it reads (FED-2: a province reads its
    cities'). ``PDO_CHILD_REGIONS``, comma-separated; each must lie inside ``region``."""
    kafka_password_secret: str = ""
    operating_zones: tuple[dict[str, Any], ...] = ()
    """Operating zones per domain (运营专区, FED-3) as configured: the JSON list in the
    file ``PDO_OPERATING_ZONES`` names (code, domain, name, resources, scenarios,
    developers, pilot_region); request-review checks its consistency at start."""
    """Where the secrets port keeps this principal's Kafka password when
    ``PDO_KAFKA_PASSWORD`` is not set (a KV path holding ``password``)."""


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, str(default))
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name}={raw!r} is not a TCP port")
    return int(raw)


def load(env: Mapping[str, str] | None = None, *, mode: Mode | None = None) -> Settings:
    env = os.environ if env is None else env
    chosen = mode or env.get("PDO_MODE", "embedded")
    if chosen not in ("embedded", "distributed"):
        raise ConfigError(f"PDO_MODE={chosen!r}: use 'embedded' or 'distributed'")
    region = env.get("PDO_REGION", "370300")
    if not REGION_PATTERN.match(region):
        raise ConfigError(f"PDO_REGION={region!r} is not a six-digit GB/T 2260 code")
    settings = Settings(
        mode=chosen,  # type: ignore[arg-type]
        region=region,
        # A pod or container is reached through its network interface (probes, Services,
        # published ports); the one-process embedded mode stays on loopback.
        http_host=env.get("PDO_HTTP_HOST", ALL_INTERFACES if chosen == "distributed" else LOOPBACK),
        http_port=_port(env, "PDO_HTTP_PORT", 8000),
        data_dir=Path(env.get("PDO_DATA_DIR", ".pdo/data")),
        kafka_bootstrap=env.get("PDO_KAFKA_BOOTSTRAP", ""),
        kafka_security_protocol=env.get("PDO_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
        kafka_sasl_mechanism=env.get("PDO_KAFKA_SASL_MECHANISM", ""),
        kafka_username=env.get("PDO_KAFKA_USERNAME", ""),
        kafka_password=env.get("PDO_KAFKA_PASSWORD", ""),
        kafka_ssl_cafile=env.get("PDO_KAFKA_SSL_CAFILE", ""),
        mongo_uri=env.get("PDO_MONGO_URI", ""),
        vault_addr=env.get("PDO_VAULT_ADDR", ""),
        vault_token=env.get("VAULT_TOKEN", ""),
        vault_k8s_role=env.get("PDO_VAULT_K8S_ROLE", ""),
        vault_agent_proxy=env.get("PDO_VAULT_AGENT_PROXY", "") == "1",
        vault_k8s_mount=env.get("PDO_VAULT_K8S_MOUNT", "kubernetes"),
        vault_k8s_token_path=Path(env.get("PDO_VAULT_K8S_TOKEN_PATH", str(SERVICE_ACCOUNT_TOKEN))),
        vault_approle_role_id=env.get("PDO_VAULT_APPROLE_ROLE_ID", ""),
        vault_approle_secret_id_path=(
            Path(env["PDO_VAULT_APPROLE_SECRET_ID_PATH"])
            if env.get("PDO_VAULT_APPROLE_SECRET_ID_PATH")
            else None
        ),
        vault_approle_mount=env.get("PDO_VAULT_APPROLE_MOUNT", "approle"),
        otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
        keyring_passphrase=env.get("PDO_KEYRING_PASSPHRASE", ""),
        demo=env.get("PDO_DEMO", "1" if chosen == "embedded" else "0") == "1",
        shutdown_grace_seconds=_seconds(env, "PDO_SHUTDOWN_GRACE_SECONDS", 20.0),
        parents=_parents(env, region),
        children=_children(env, region),
        kafka_password_secret=env.get("PDO_KAFKA_PASSWORD_SECRET", ""),
        operating_zones=_zones(env),
    )
    if settings.mode == "distributed":
        for var, value in (
            ("PDO_KAFKA_BOOTSTRAP", settings.kafka_bootstrap),
            ("PDO_MONGO_URI", settings.mongo_uri),
        ):
            if not value:
                raise ConfigError(f"{var} is required in distributed mode")
        _check_kafka_security(settings)
        _check_vault(settings)
    return settings


KAFKA_SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
KAFKA_SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


def _check_kafka_security(settings: Settings) -> None:
    protocol = settings.kafka_security_protocol
    if protocol not in KAFKA_SECURITY_PROTOCOLS:
        raise ConfigError(
            f"PDO_KAFKA_SECURITY_PROTOCOL={protocol!r}: one of "
            + ", ".join(KAFKA_SECURITY_PROTOCOLS)
        )
    if not protocol.startswith("SASL_"):
        return
    if settings.kafka_sasl_mechanism not in KAFKA_SASL_MECHANISMS:
        raise ConfigError(
            f"PDO_KAFKA_SASL_MECHANISM={settings.kafka_sasl_mechanism!r}: one of "
            + ", ".join(KAFKA_SASL_MECHANISMS)
        )
    if not settings.kafka_username:
        raise ConfigError(
            f"PDO_KAFKA_USERNAME is required with PDO_KAFKA_SECURITY_PROTOCOL={protocol}"
        )
    if not settings.kafka_password and not settings.kafka_password_secret:
        raise ConfigError(
            "PDO_KAFKA_PASSWORD or PDO_KAFKA_PASSWORD_SECRET (its path in the secrets store) "
            f"is required with PDO_KAFKA_SECURITY_PROTOCOL={protocol}"
        )


def _check_vault(settings: Settings) -> None:
    """Distributed mode keeps secrets in Vault only: the local keyring is for embedded
    mode, and a pod's keyring would be lost (or forked) with the pod."""
    if not settings.vault_addr:
        raise ConfigError(
            "PDO_VAULT_ADDR is required in distributed mode (secrets live in Vault only; "
            "the local keyring is for embedded mode)"
        )
    if settings.vault_agent_proxy:
        return  # a Vault Agent sidecar signs in and adds its token to every request
    if settings.vault_approle_role_id and settings.vault_approle_secret_id_path is None:
        raise ConfigError(
            "PDO_VAULT_APPROLE_SECRET_ID_PATH (the file holding the AppRole secret id) is "
            "required with PDO_VAULT_APPROLE_ROLE_ID"
        )
    secret_id = settings.vault_approle_secret_id_path
    approle_used = settings.vault_approle_role_id and not settings.vault_token
    if approle_used and secret_id is not None and not secret_id.is_file():
        # a Secret that was never created (or vault-init that has not run): stop at start
        raise ConfigError(
            f"PDO_VAULT_APPROLE_SECRET_ID_PATH={str(secret_id)!r}: no such file (the AppRole "
            "secret id, from a Kubernetes Secret or docker-compose's vault-init)"
        )
    if not (settings.vault_token or settings.vault_k8s_role or settings.vault_approle_role_id):
        raise ConfigError(
            "VAULT_TOKEN or PDO_VAULT_K8S_ROLE (Vault Kubernetes auth) or "
            "PDO_VAULT_APPROLE_ROLE_ID (Vault AppRole) is required in distributed mode"
        )


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, str(default))
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds") from None
    if not 0 < value <= 3600:
        raise ConfigError(f"{name}={raw!r} must be between 0 and 3600 seconds")
    return value


def default_parents(region: str) -> tuple[str, ...]:
    """The jurisdiction chain above a GB/T 2260 code, nearest first: a county
    (区县, ``370303``) has its city (``370300``) and province (``370000``); a city its
    province; a province none."""
    if region.endswith("0000"):
        return ()
    if region.endswith("00"):
        return (region[:2] + "0000",)
    return (region[:4] + "00", region[:2] + "0000")


def _parents(env: Mapping[str, str], region: str) -> tuple[str, ...]:
    """``PDO_PARENT_REGIONS``: the chain above this instance, nearest first; ``auto``
    derives it from the code; unset or empty, none. Each must be a valid code, differ
    from the own region and appear once."""
    raw = env.get("PDO_PARENT_REGIONS", "")
    if raw.strip().lower() == "auto":
        return default_parents(region)
    if not raw.strip():
        return ()
    chain = tuple(part.strip() for part in raw.split(","))
    for code in chain:
        if not REGION_PATTERN.match(code):
            raise ConfigError(f"PDO_PARENT_REGIONS: {code!r} is not a six-digit GB/T 2260 code")
        if code == region:
            raise ConfigError(f"PDO_PARENT_REGIONS: {code} is this instance's own region")
    if len(set(chain)) != len(chain):
        raise ConfigError(f"PDO_PARENT_REGIONS={raw!r} names a region twice")
    return chain


def _zones(env: Mapping[str, str]) -> tuple[dict[str, Any], ...]:
    path = env.get("PDO_OPERATING_ZONES", "")
    if not path:
        return ()
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"PDO_OPERATING_ZONES={path!r}: {exc}") from None
    if not isinstance(raw, list) or not all(isinstance(z, dict) for z in raw):
        raise ConfigError(f"PDO_OPERATING_ZONES={path!r}: expected a JSON list of zones")
    return tuple(raw)


def _children(env: Mapping[str, str], region: str) -> tuple[str, ...]:
    raw = env.get("PDO_CHILD_REGIONS", "")
    if not raw.strip():
        return ()
    chain = tuple(dict.fromkeys(part.strip() for part in raw.split(",")))
    for code in chain:
        if not REGION_PATTERN.match(code):
            raise ConfigError(f"PDO_CHILD_REGIONS: {code!r} is not a six-digit GB/T 2260 code")
        if code == region or region not in default_parents(code):
            raise ConfigError(f"PDO_CHILD_REGIONS: {code} does not lie inside region {region}")
    return chain


REGION_PATTERN_TEXT = "a six-digit GB/T 2260 code"


def valid_region(region: str) -> bool:
    return bool(REGION_PATTERN.match(region))


def check_service(name: str) -> str:
    if name not in SERVICES:
        raise ConfigError(f"unknown service {name!r}; one of: {', '.join(SERVICES)}")
    return name
