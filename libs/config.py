"""Settings from environment variables (twelve-factor), validated once at start-up.

Embedded mode needs none of them; distributed mode needs the Kafka, MongoDB and Vault
addresses. A missing or malformed value stops start-up with a message naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from contracts.topics import REGION_PATTERN, SERVICES

Mode = Literal["embedded", "distributed"]


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
    mongo_uri: str = ""
    vault_addr: str = ""
    vault_token: str = ""
    otlp_endpoint: str = ""
    keyring_passphrase: str = ""
    demo: bool = False


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
        http_host=env.get("PDO_HTTP_HOST", "127.0.0.1"),
        http_port=_port(env, "PDO_HTTP_PORT", 8000),
        data_dir=Path(env.get("PDO_DATA_DIR", ".pdo/data")),
        kafka_bootstrap=env.get("PDO_KAFKA_BOOTSTRAP", ""),
        mongo_uri=env.get("PDO_MONGO_URI", ""),
        vault_addr=env.get("PDO_VAULT_ADDR", ""),
        vault_token=env.get("VAULT_TOKEN", ""),
        otlp_endpoint=env.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
        keyring_passphrase=env.get("PDO_KEYRING_PASSPHRASE", ""),
        demo=env.get("PDO_DEMO", "1" if chosen == "embedded" else "0") == "1",
    )
    if settings.mode == "distributed":
        for var, value in (
            ("PDO_KAFKA_BOOTSTRAP", settings.kafka_bootstrap),
            ("PDO_MONGO_URI", settings.mongo_uri),
        ):
            if not value:
                raise ConfigError(f"{var} is required in distributed mode")
    return settings


def check_service(name: str) -> str:
    if name not in SERVICES:
        raise ConfigError(f"unknown service {name!r}; one of: {', '.join(SERVICES)}")
    return name
