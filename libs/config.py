"""Settings from environment variables (twelve-factor), validated once at start-up.

Embedded mode needs none of them; distributed mode needs the Kafka, MongoDB and Vault
addresses and a Vault credential (a token, or a role for Vault's Kubernetes auth). A
missing or malformed value stops start-up with a message naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

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
    for var, value in (
        ("PDO_KAFKA_USERNAME", settings.kafka_username),
        ("PDO_KAFKA_PASSWORD", settings.kafka_password),
    ):
        if not value:
            raise ConfigError(f"{var} is required with PDO_KAFKA_SECURITY_PROTOCOL={protocol}")


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


REGION_PATTERN_TEXT = "a six-digit GB/T 2260 code"


def valid_region(region: str) -> bool:
    return bool(REGION_PATTERN.match(region))


def check_service(name: str) -> str:
    if name not in SERVICES:
        raise ConfigError(f"unknown service {name!r}; one of: {', '.join(SERVICES)}")
    return name
