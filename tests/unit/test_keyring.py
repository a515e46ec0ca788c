"""Unit tests of LocalKeyring beyond the port contract: persistence, sharing between
instances, concurrency, atomic writes, and the embedded-mode passphrase file."""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path

import pytest

from libs.secrets import SecretNotFound
from libs.secrets.keyring import (
    KEYRING_FILE,
    PASSPHRASE_FILE,
    KeyringLocked,
    LocalKeyring,
    load_or_create_passphrase,
)

KEY = "ledger-signing"
PATH = "services/catalog/db"
DATA = {"username": "catalog", "password": "example-only"}


def _keyring(path: Path, passphrase: str) -> LocalKeyring:
    return LocalKeyring(path, passphrase, scrypt_log2_n=14)


@pytest.fixture
def passphrase() -> str:
    return secrets.token_urlsafe(24)


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    return tmp_path / KEYRING_FILE


async def test_reopened_keyring_keeps_secrets_keys_and_signatures(
    keyring_path: Path, passphrase: str
) -> None:
    first = _keyring(keyring_path, passphrase)
    await first.write_secret(PATH, DATA)
    await first.ensure_signing_key(KEY)
    await first.rotate_key(KEY)
    signature = await first.sign(KEY, b"payload")

    second = _keyring(keyring_path, passphrase)
    await second.unlock()
    assert await second.read_secret(PATH) == DATA
    assert await second.verify(KEY, b"payload", signature)
    assert await second.public_keys(KEY) == await first.public_keys(KEY)


async def test_instances_sharing_a_file_see_each_others_changes(
    keyring_path: Path, passphrase: str
) -> None:
    a, b = _keyring(keyring_path, passphrase), _keyring(keyring_path, passphrase)
    await a.ensure_signing_key(KEY)
    assert [k.version for k in await b.public_keys(KEY)] == [1]
    assert await b.rotate_key(KEY) == 2
    assert (await a.sign(KEY, b"x")).startswith("vault:v2:")
    assert await a.rotate_key(KEY) == 3  # a reloaded b's rotation before adding its own
    await b.write_secret(PATH, DATA)
    assert await a.read_secret(PATH) == DATA


async def test_concurrent_rotations_get_distinct_versions(
    keyring_path: Path, passphrase: str
) -> None:
    keyring = _keyring(keyring_path, passphrase)
    await keyring.ensure_signing_key(KEY)
    versions = await asyncio.gather(*(keyring.rotate_key(KEY) for _ in range(5)))
    assert sorted(versions) == [2, 3, 4, 5, 6]
    assert [k.version for k in await keyring.public_keys(KEY)] == [1, 2, 3, 4, 5, 6]


async def test_writes_are_atomic_and_leave_no_temporary_files(
    keyring_path: Path, passphrase: str
) -> None:
    keyring = _keyring(keyring_path, passphrase)
    for n in range(3):
        await keyring.write_secret(PATH, {"n": str(n)})
    names = sorted(p.name for p in keyring_path.parent.iterdir())
    assert names == [KEYRING_FILE, KEYRING_FILE + ".lock"]


async def test_unchanged_secret_is_not_rewritten(keyring_path: Path, passphrase: str) -> None:
    keyring = _keyring(keyring_path, passphrase)
    await keyring.write_secret(PATH, DATA)
    before = await asyncio.to_thread(keyring_path.stat)
    await keyring.write_secret(PATH, dict(DATA))
    after = await asyncio.to_thread(keyring_path.stat)
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


async def test_returned_secret_is_a_copy(keyring_path: Path, passphrase: str) -> None:
    keyring = _keyring(keyring_path, passphrase)
    await keyring.write_secret(PATH, DATA)
    (await keyring.read_secret(PATH))["password"] = "changed"
    assert await keyring.read_secret(PATH) == DATA


async def test_reading_an_absent_keyring_creates_nothing(
    keyring_path: Path, passphrase: str
) -> None:
    with pytest.raises(SecretNotFound):
        await _keyring(keyring_path, passphrase).read_secret(PATH)
    assert not await asyncio.to_thread(keyring_path.exists)


async def test_unlock_reports_a_wrong_passphrase_early(keyring_path: Path) -> None:
    await _keyring(keyring_path, secrets.token_urlsafe(24)).write_secret(PATH, DATA)
    with pytest.raises(KeyringLocked):
        await _keyring(keyring_path, secrets.token_urlsafe(24)).unlock()


async def test_a_foreign_file_is_refused(keyring_path: Path, passphrase: str) -> None:
    await asyncio.to_thread(keyring_path.write_bytes, b'{"secrets": {}}' * 10)
    with pytest.raises(KeyringLocked, match="not a keyring"):
        await _keyring(keyring_path, passphrase).unlock()


@pytest.mark.parametrize("name", ["", "-x", "a/b", "x-", "密钥"])
async def test_invalid_key_names_are_rejected(
    keyring_path: Path, passphrase: str, name: str
) -> None:
    with pytest.raises(ValueError, match="key name"):
        await _keyring(keyring_path, passphrase).ensure_signing_key(name)


@pytest.mark.parametrize("path", ["", "/abs", "a//b", "a/../b", "trailing/"])
async def test_invalid_secret_paths_are_rejected(
    keyring_path: Path, passphrase: str, path: str
) -> None:
    with pytest.raises(ValueError, match="secret path"):
        await _keyring(keyring_path, passphrase).write_secret(path, DATA)


def test_constructor_rejects_empty_passphrase_and_bad_cost(keyring_path: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        LocalKeyring(keyring_path, "")
    with pytest.raises(ValueError, match="scrypt_log2_n"):
        LocalKeyring(keyring_path, "x", scrypt_log2_n=30)


def test_passphrase_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / PASSPHRASE_FILE
    created = load_or_create_passphrase(path)
    assert len(created) >= 32
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_passphrase(path) == created
    assert sorted(p.name for p in path.parent.iterdir()) == [PASSPHRASE_FILE]


def test_passphrase_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / PASSPHRASE_FILE
    load_or_create_passphrase(path)
    os.chmod(path, 0o644)
    with pytest.raises(KeyringLocked, match="readable by other users"):
        load_or_create_passphrase(path)


def test_a_keyring_without_state_after_a_refresh_raises_a_typed_error(
    keyring_path: Path, passphrase: str
) -> None:
    from libs.secrets.keyring import KeyringNotLoaded

    keyring = _keyring(keyring_path, passphrase)
    with pytest.raises(KeyringNotLoaded):
        keyring._guarded(lambda: None)  # nothing refreshed: no state (was an assert)
