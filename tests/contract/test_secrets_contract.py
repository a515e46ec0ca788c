"""One contract for the SecretStore port, run against LocalKeyring and VaultSecretStore.

No Vault server exists on this machine, so the Vault variant replays recorded exchanges
(``tests/fixtures/vault/<scenario>.json``, one per test, named after it). They are built
from Vault's HTTP API documentation, not captured from a server; their signatures were
made with real Ed25519 keys so they verify offline against the recorded public keys (see
``tests/fixtures/vault/README.md``). Replay is strict: order, method, path, JSON body and
token header must match, and every recorded exchange must be used.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import responses
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from requests import PreparedRequest
from responses import matchers
from responses.registries import OrderedRegistry

from libs.secrets import SecretNotFound, SecretStore
from libs.secrets.keyring import KEYRING_FILE, KeyringLocked, LocalKeyring
from libs.secrets.vault import VaultAuthError, VaultResponseError, VaultSecretStore

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vault"
VAULT_URL = "http://vault.test:8200"
VAULT_TOKEN = "hvs.replay-only-not-a-token"  # fake; the replay asserts it is sent

# The recordings were generated with exactly these inputs (see the fixtures README).
KEY = "ledger-signing"
SECRET_PATH = "services/catalog/db"
SECRET_V1 = {"username": "catalog", "password": "example-only-v1"}
SECRET_V2 = {"username": "catalog", "password": "example-only-v2"}
MESSAGE = "授权运营 grant #42".encode()
TAMPERED = MESSAGE + b"!"
MESSAGE_2 = b"signed after rotation"

PORT_METHODS = {
    "read_secret",
    "write_secret",
    "ensure_signing_key",
    "rotate_key",
    "sign",
    "verify",
    "public_keys",
}
SIGNATURE = re.compile(r"vault:v([1-9][0-9]*):([A-Za-z0-9+/]+={0,2})")


@dataclass
class Harness:
    kind: str
    store: SecretStore
    credential: str  # the keyring passphrase or the Vault token
    replay: responses.RequestsMock | None = None

    def sent(self, method: str, path: str) -> list[dict[str, Any]]:
        """JSON bodies of the requests the Vault adapter sent to ``method path``."""
        assert self.replay is not None
        return [
            json.loads(call.request.body or b"null")
            for call in self.replay.calls
            if call.request.method == method and call.request.url == VAULT_URL + path
        ]


def _no_token(request: PreparedRequest) -> tuple[bool, str]:
    sent = "X-Vault-Token" in request.headers
    return (not sent, "a login must not carry a token" if sent else "")


def _no_body(request: PreparedRequest) -> tuple[bool, str]:
    return (not request.body, "" if not request.body else "unexpected request body")


@pytest.fixture
def replay(request: pytest.FixtureRequest) -> Iterator[responses.RequestsMock]:
    """Replay ``tests/fixtures/vault/<test name without test_>.json`` in order."""
    scenario = request.node.originalname.removeprefix("test_")
    recording = json.loads((FIXTURES / f"{scenario}.json").read_text(encoding="utf-8"))
    with responses.RequestsMock(
        registry=OrderedRegistry, assert_all_requests_are_fired=True
    ) as mock:
        for exchange in recording["exchanges"]:
            sent, answer = exchange["request"], exchange["response"]
            token = sent.get("token", VAULT_TOKEN)  # None: a login, sent without a token
            match: list[Any] = [
                matchers.header_matcher({"X-Vault-Token": token})
                if token is not None
                else _no_token,
                matchers.query_param_matcher({}),
                _no_body
                if sent["json"] is None
                else matchers.json_params_matcher(sent["json"], strict_match=True),
            ]
            mock.add(
                sent["method"],
                VAULT_URL + sent["path"],
                status=answer["status"],
                match=match,
                **({"body": b""} if answer["json"] is None else {"json": answer["json"]}),
            )
        yield mock


@pytest.fixture(params=["keyring", "vault"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    if request.param == "keyring":
        passphrase = secrets.token_urlsafe(24)
        keyring = LocalKeyring(tmp_path / KEYRING_FILE, passphrase, scrypt_log2_n=14)
        yield Harness("keyring", keyring, passphrase)
    else:
        mock = request.getfixturevalue("replay")
        yield Harness("vault", VaultSecretStore(VAULT_URL, VAULT_TOKEN), VAULT_TOKEN, mock)


def verify_offline(public_key_pem: str, data: bytes, signature: str) -> bool:
    """Check a ``vault:vN:`` signature with ``cryptography`` alone, as an outside party would."""
    key = serialization.load_pem_public_key(public_key_pem.encode())
    assert isinstance(key, Ed25519PublicKey)
    match = SIGNATURE.fullmatch(signature)
    assert match is not None, signature
    try:
        key.verify(base64.b64decode(match.group(2)), data)
    except InvalidSignature:
        return False
    return True


def tamper(signature: str) -> str:
    prefix, body = signature.rsplit(":", 1)
    raw = bytearray(base64.b64decode(body))
    raw[0] ^= 0x01
    return f"{prefix}:{base64.b64encode(bytes(raw)).decode()}"


# -- the contract -------------------------------------------------------------------------


async def test_write_then_read_secret(harness: Harness) -> None:
    await harness.store.write_secret(SECRET_PATH, SECRET_V1)
    await harness.store.write_secret(SECRET_PATH, SECRET_V2)
    assert await harness.store.read_secret(SECRET_PATH) == SECRET_V2


async def test_missing_secret_raises_not_found(harness: Harness) -> None:
    with pytest.raises(SecretNotFound):
        await harness.store.read_secret("services/absent")


async def test_ensure_signing_key_is_idempotent(harness: Harness) -> None:
    await harness.store.ensure_signing_key(KEY)
    await harness.store.ensure_signing_key(KEY)
    [key] = await harness.store.public_keys(KEY)
    assert (key.name, key.version) == (KEY, 1)


async def test_sign_then_verify(harness: Harness) -> None:
    await harness.store.ensure_signing_key(KEY)
    signature = await harness.store.sign(KEY, MESSAGE)
    match = SIGNATURE.fullmatch(signature)
    assert match is not None and match.group(1) == "1"
    assert len(base64.b64decode(match.group(2))) == 64  # a raw Ed25519 signature
    assert await harness.store.verify(KEY, MESSAGE, signature) is True


async def test_tampered_data_or_signature_is_rejected(harness: Harness) -> None:
    await harness.store.ensure_signing_key(KEY)
    signature = await harness.store.sign(KEY, MESSAGE)
    assert await harness.store.verify(KEY, TAMPERED, signature) is False
    assert await harness.store.verify(KEY, MESSAGE, tamper(signature)) is False
    assert await harness.store.verify(KEY, MESSAGE, "not-a-signature") is False
    unknown_version = signature.replace("vault:v1:", "vault:v7:")
    assert await harness.store.verify(KEY, MESSAGE, unknown_version) is False


async def test_rotation_keeps_old_signatures_valid(harness: Harness) -> None:
    store = harness.store
    await store.ensure_signing_key(KEY)
    old = await store.sign(KEY, MESSAGE)
    assert old.startswith("vault:v1:")

    assert await store.rotate_key(KEY) == 2
    assert await store.verify(KEY, MESSAGE, old) is True
    new = await store.sign(KEY, MESSAGE_2)
    assert new.startswith("vault:v2:")
    assert await store.verify(KEY, MESSAGE_2, new) is True

    v1, v2 = await store.public_keys(KEY)
    assert (v1.version, v2.version) == (1, 2)
    assert v1.public_key_pem != v2.public_key_pem
    assert verify_offline(v1.public_key_pem, MESSAGE, old)
    assert verify_offline(v2.public_key_pem, MESSAGE_2, new)
    assert not verify_offline(v2.public_key_pem, MESSAGE, old)


async def test_public_key_verifies_offline(harness: Harness) -> None:
    await harness.store.ensure_signing_key(KEY)
    signature = await harness.store.sign(KEY, MESSAGE)
    [key] = await harness.store.public_keys(KEY)
    assert key.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----\n")  # SubjectPublicKeyInfo
    assert verify_offline(key.public_key_pem, MESSAGE, signature)
    assert not verify_offline(key.public_key_pem, TAMPERED, signature)


async def test_keys_are_not_exportable(harness: Harness) -> None:
    await harness.store.ensure_signing_key(KEY)
    for key in await harness.store.public_keys(KEY):
        assert "PRIVATE" not in key.public_key_pem
    surface = {name for name in dir(harness.store) if not name.startswith("_")}
    # nothing that could hand out a key (with_kubernetes_auth, with_approle_auth: constructors)
    assert surface - PORT_METHODS <= {"unlock", "path", "with_kubernetes_auth", "with_approle_auth"}
    if harness.kind == "vault":
        [created] = harness.sent("POST", f"/v1/transit/keys/{KEY}")
        assert created == {"type": "ed25519", "exportable": False, "allow_plaintext_backup": False}


async def test_unknown_key_raises_not_found(harness: Harness) -> None:
    store = harness.store
    with pytest.raises(SecretNotFound):
        await store.sign(KEY, MESSAGE)
    with pytest.raises(SecretNotFound):
        await store.verify(KEY, MESSAGE, "vault:v1:" + base64.b64encode(bytes(64)).decode())
    with pytest.raises(SecretNotFound):
        await store.rotate_key(KEY)
    with pytest.raises(SecretNotFound):
        await store.public_keys(KEY)


async def test_repr_hides_credentials(harness: Harness) -> None:
    assert harness.credential not in repr(harness.store)
    assert harness.credential not in str(harness.store)


# -- Vault only ---------------------------------------------------------------------------


@pytest.fixture
def vault(replay: responses.RequestsMock) -> VaultSecretStore:
    return VaultSecretStore(VAULT_URL, VAULT_TOKEN)


async def test_vault_refuses_existing_exportable_key(vault: VaultSecretStore) -> None:
    with pytest.raises(VaultResponseError, match="exportable"):
        await vault.ensure_signing_key(KEY)


async def test_vault_rotate_without_response_body(vault: VaultSecretStore) -> None:
    assert await vault.rotate_key(KEY) == 2


async def test_vault_uses_configured_mounts(replay: responses.RequestsMock) -> None:
    store = VaultSecretStore(VAULT_URL, VAULT_TOKEN, kv_mount="kv-pdo", transit_mount="signing")
    with pytest.raises(SecretNotFound):
        await store.read_secret("services/absent")
    with pytest.raises(SecretNotFound):
        await store.public_keys(KEY)


def test_recorded_signatures_verify_with_recorded_public_keys() -> None:
    """The recordings are self-consistent: every recorded verdict is what Ed25519 says."""
    checked = 0
    for path in sorted(FIXTURES.glob("*.json")):
        exchanges = json.loads(path.read_text(encoding="utf-8"))["exchanges"]
        public: dict[str, str] = {}
        for exchange in exchanges:
            body = exchange["response"]["json"] or {}
            for version, entry in (body.get("data") or {}).get("keys", {}).items():
                public[version] = entry["public_key"]
        for exchange in exchanges:
            sent, answer = exchange["request"], exchange["response"]
            if "/transit/verify/" not in sent["path"] or answer["status"] != 200:
                continue
            version = sent["json"]["signature"].split(":")[1].removeprefix("v")
            pem = raw_public_key_to_pem(public[version])
            data = base64.b64decode(sent["json"]["input"])
            verdict = verify_offline(pem, data, sent["json"]["signature"])
            assert verdict is answer["json"]["data"]["valid"], (path.name, sent)
            checked += 1
    assert checked >= 5


def raw_public_key_to_pem(raw_b64: str) -> str:
    """Vault's base64 raw Ed25519 public key as PEM, independently of the adapter."""
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(raw_b64))
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode()


# -- LocalKeyring only --------------------------------------------------------------------


@pytest.fixture
def keyring_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / KEYRING_FILE


async def _filled_keyring(path: Path, passphrase: str) -> LocalKeyring:
    keyring = LocalKeyring(path, passphrase, scrypt_log2_n=14)
    await keyring.write_secret(SECRET_PATH, SECRET_V1)
    await keyring.ensure_signing_key(KEY)
    return keyring


async def test_keyring_refuses_wrong_passphrase(keyring_path: Path) -> None:
    await _filled_keyring(keyring_path, secrets.token_urlsafe(24))
    intruder = LocalKeyring(keyring_path, secrets.token_urlsafe(24), scrypt_log2_n=14)
    with pytest.raises(KeyringLocked, match="wrong passphrase"):
        await intruder.read_secret(SECRET_PATH)
    with pytest.raises(KeyringLocked):
        await intruder.sign(KEY, MESSAGE)


@pytest.mark.parametrize(
    "where",
    ["magic", "cost", "salt", "nonce", "ciphertext", "tag", "truncated", "appended"],
)
async def test_keyring_refuses_tampered_file(keyring_path: Path, where: str) -> None:
    passphrase = secrets.token_urlsafe(24)
    await _filled_keyring(keyring_path, passphrase)
    blob = bytearray(await asyncio.to_thread(keyring_path.read_bytes))
    offsets = {"magic": 0, "cost": 6, "salt": 12, "nonce": 30, "ciphertext": 50, "tag": -1}
    if where == "truncated":
        blob = blob[:-20]
    elif where == "appended":
        blob += b"\x00"
    else:
        blob[offsets[where]] ^= 0x01
    await asyncio.to_thread(keyring_path.write_bytes, bytes(blob))

    with pytest.raises(KeyringLocked):
        await LocalKeyring(keyring_path, passphrase, scrypt_log2_n=14).read_secret(SECRET_PATH)


async def test_keyring_file_holds_no_plaintext(keyring_path: Path) -> None:
    await _filled_keyring(keyring_path, secrets.token_urlsafe(24))
    raw = await asyncio.to_thread(keyring_path.read_bytes)
    for needle in (*SECRET_V1.values(), SECRET_PATH, KEY, "ed25519", "private"):
        assert needle.encode() not in raw
        assert base64.b64encode(needle.encode()) not in raw


async def test_keyring_file_is_private(keyring_path: Path) -> None:
    previous = os.umask(0)  # even a permissive umask must not widen the file's mode
    try:
        await _filled_keyring(keyring_path, secrets.token_urlsafe(24))
    finally:
        os.umask(previous)
    file_mode = (await asyncio.to_thread(keyring_path.stat)).st_mode
    dir_mode = (await asyncio.to_thread(keyring_path.parent.stat)).st_mode
    assert file_mode & 0o777 == 0o600
    assert dir_mode & 0o077 == 0


def _kubernetes_store(tmp_path: Path, request: pytest.FixtureRequest) -> VaultSecretStore:
    scenario = request.node.originalname.removeprefix("test_")
    recording = json.loads((FIXTURES / f"{scenario}.json").read_text(encoding="utf-8"))
    jwt = tmp_path / "token"
    jwt.write_text(recording["jwt"] + "\n")
    return VaultSecretStore.with_kubernetes_auth(VAULT_URL, role="pdo", jwt_path=jwt)


async def test_vault_kubernetes_auth_signs_in_and_again_when_the_token_expires(
    replay: responses.RequestsMock, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = _kubernetes_store(tmp_path, request)
    expected = {"username": "catalog", "password": "example-only"}
    assert await store.read_secret("services/catalog/db") == expected
    assert await store.read_secret("services/catalog/db") == expected  # after a re-login
    logins = [c for c in replay.calls if c.request.url.endswith("/auth/kubernetes/login")]
    assert len(logins) == 2


async def test_vault_kubernetes_auth_refused_names_the_role(
    replay: responses.RequestsMock, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store = _kubernetes_store(tmp_path, request)
    with pytest.raises(VaultAuthError, match="role 'pdo' at auth/kubernetes"):
        await store.read_secret("services/catalog/db")


async def test_vault_kubernetes_auth_without_a_token_file_says_which(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-token"
    store = VaultSecretStore.with_kubernetes_auth(VAULT_URL, role="pdo", jwt_path=missing)
    with pytest.raises(VaultAuthError, match="no-such-token"):
        await store.read_secret("services/catalog/db")


def _approle_store(tmp_path: Path, request: pytest.FixtureRequest) -> tuple[VaultSecretStore, Path]:
    scenario = request.node.originalname.removeprefix("test_")
    recording = json.loads((FIXTURES / f"{scenario}.json").read_text(encoding="utf-8"))
    secret_id = tmp_path / "secret-id"
    secret_id.write_text(recording["secret_id"] + "\n")
    store = VaultSecretStore.with_approle_auth(
        VAULT_URL, role_id=recording["role_id"], secret_id_path=secret_id
    )
    return store, secret_id


async def test_vault_approle_auth_signs_in_and_again_when_the_token_expires(
    replay: responses.RequestsMock, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """docker-compose's services sign in with AppRole, not Vault's root token: a role id
    and a secret id file written by ``vault-init``; the file is read at each login."""
    store, secret_id = _approle_store(tmp_path, request)
    recording = json.loads(
        (FIXTURES / "vault_approle_auth_signs_in_and_again_when_the_token_expires.json").read_text(
            encoding="utf-8"
        )
    )
    expected = {"username": "catalog", "password": "example-only"}
    assert await store.read_secret("services/catalog/db") == expected
    secret_id.write_text(recording["rotated_secret_id"])  # rotated before the lease ends
    assert await store.read_secret("services/catalog/db") == expected  # after a re-login
    logins = [c for c in replay.calls if c.request.url.endswith("/auth/approle/login")]
    assert len(logins) == 2
    assert recording["secret_id"] not in repr(store)


async def test_vault_approle_auth_refused_names_the_role_id_not_the_secret(
    replay: responses.RequestsMock, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    store, secret_id = _approle_store(tmp_path, request)
    with pytest.raises(VaultAuthError, match="AppRole login for role id '7d1c5e0a") as refused:
        await store.read_secret("services/catalog/db")
    assert secret_id.read_text().strip() not in str(refused.value)
    assert str(secret_id) in str(refused.value)


async def test_vault_approle_auth_without_a_secret_id_file_says_which(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-secret-id"
    store = VaultSecretStore.with_approle_auth(VAULT_URL, role_id="r", secret_id_path=missing)
    with pytest.raises(VaultAuthError, match=r"AppRole secret id .*no-such-secret-id"):
        await store.read_secret("services/catalog/db")
