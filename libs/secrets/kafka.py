"""A Kafka principal's password, read from the secrets port (Vault KV v2 in distributed
mode) when the bus starts: each service connects to Kafka as its own principal, and
its password is in no configuration file, environment dump or log."""

from __future__ import annotations

from libs.secrets.port import SecretNotFound, SecretStore

PASSWORD_FIELD = "password"  # noqa: S105 - the name of the field, not a password


class KafkaSecretMissing(RuntimeError):
    """The secret holding the principal's password is absent or has no password."""


async def kafka_password(secrets: SecretStore, path: str) -> str:
    """The ``password`` field of the key/value secret at ``path``."""
    try:
        data = await secrets.read_secret(path)
    except SecretNotFound:
        raise KafkaSecretMissing(
            f"no secret at {path!r} in the secrets store (PDO_KAFKA_PASSWORD_SECRET): "
            "write the principal's Kafka password there under 'password'"
        ) from None
    password = data.get(PASSWORD_FIELD, "")
    if not password:
        raise KafkaSecretMissing(f"the secret at {path!r} has no {PASSWORD_FIELD!r} field")
    return password
