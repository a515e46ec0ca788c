"""Distributed mode signs in to Vault with a static token, Kubernetes auth or AppRole
(docker-compose's services: no root token); an AppRole role id without its secret id
file stops the process at start naming the missing setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from libs.config import ConfigError, load
from libs.runtime import make_secrets
from libs.secrets.vault import VaultSecretStore, _AppRoleLogin

BASE = {
    "PDO_MODE": "distributed",
    "PDO_KAFKA_BOOTSTRAP": "127.0.0.1:1",
    "PDO_MONGO_URI": "mongodb://127.0.0.1:1/",
    "PDO_VAULT_ADDR": "http://127.0.0.1:1",
}


def test_approle_without_its_secret_id_file_is_refused_naming_the_setting() -> None:
    with pytest.raises(ConfigError, match="PDO_VAULT_APPROLE_SECRET_ID_PATH"):
        load({**BASE, "PDO_VAULT_APPROLE_ROLE_ID": "role-catalog"})


def test_no_vault_credential_at_all_names_every_way_to_sign_in() -> None:
    with pytest.raises(ConfigError) as refused:
        load(BASE)
    for name in ("VAULT_TOKEN", "PDO_VAULT_K8S_ROLE", "PDO_VAULT_APPROLE_ROLE_ID"):
        assert name in str(refused.value)


def test_approle_without_the_secret_id_file_stops_at_start_naming_it(tmp_path: Path) -> None:
    """The Secret was never created: the process stops at start, not at its first call."""
    missing = tmp_path / "secret-id"
    with pytest.raises(ConfigError, match=r"PDO_VAULT_APPROLE_SECRET_ID_PATH=.*no such file"):
        load(
            {
                **BASE,
                "PDO_VAULT_APPROLE_ROLE_ID": "role-catalog",
                "PDO_VAULT_APPROLE_SECRET_ID_PATH": str(missing),
            }
        )


def test_approle_settings_make_a_store_that_signs_in_with_approle(tmp_path: Path) -> None:
    secret_id = tmp_path / "secret-id"
    secret_id.write_text("s-1")
    settings = load(
        {
            **BASE,
            "PDO_DATA_DIR": str(tmp_path),
            "PDO_VAULT_APPROLE_ROLE_ID": "role-catalog",
            "PDO_VAULT_APPROLE_SECRET_ID_PATH": str(secret_id),
        }
    )
    store = make_secrets(settings)
    assert isinstance(store, VaultSecretStore)
    login = store._login  # the sign-in the store will do before its first call
    assert isinstance(login, _AppRoleLogin)
    assert (login.role_id, login.secret_id_path, login.mount) == (
        "role-catalog",
        secret_id,
        "approle",
    )
    assert [p.name for p in tmp_path.iterdir()] == ["secret-id"]  # no keyring: Vault only
