"""Embedded-mode secret store: one AES-256-GCM encrypted keyring file (scrypt passphrase key)
holding KV secrets and Ed25519 signing keys whose private halves never leave the file."""

from __future__ import annotations

import asyncio
import base64
import binascii
import copy
import fcntl
import json
import os
import re
import secrets
import stat
import struct
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from libs.secrets.port import SecretNotFound, SigningKey

__all__ = [
    "KEYRING_FILE",
    "PASSPHRASE_ENV",
    "PASSPHRASE_FILE",
    "KeyringLocked",
    "LocalKeyring",
    "load_or_create_passphrase",
]

KEYRING_FILE: Final = "keyring.bin"
"""Conventional file name of the keyring inside the data directory."""
PASSPHRASE_FILE: Final = "keyring.passphrase"  # noqa: S105 - a file name, not a secret
"""Conventional name of the generated passphrase file (embedded demo mode only)."""
PASSPHRASE_ENV: Final = "PDO_KEYRING_PASSPHRASE"  # noqa: S105 - a variable name
"""Environment variable the application reads the keyring passphrase from."""

# File layout: header | nonce | AES-256-GCM(ciphertext || tag); the header is the AAD.
#   header = magic(5) format(1) log2(N)(1) r(1) p(1) salt(16)
_MAGIC: Final = b"PDOKR"
_FORMAT: Final = 1
_HEADER = struct.Struct(">5sBBBB16s")
_NONCE_LEN: Final = 12
_SALT_LEN: Final = 16
_MIN_LOG2_N: Final = 10
_MAX_LOG2_N: Final = 18  # 2**18 * r=8 * 128 B = 256 MiB: refuse anything costlier
_DEFAULT_LOG2_N: Final = 17
_SCRYPT_R: Final = 8
_SCRYPT_P: Final = 1
_MAX_SECRET_VERSIONS: Final = 10  # Vault KV v2's default max_versions

# Same rule as Vault's framework.GenericNameRegex, so names are portable between adapters.
_KEY_NAME = re.compile(r"\w(?:[\w.-]*\w)?", re.ASCII)
_SIGNATURE = re.compile(r"vault:v([1-9][0-9]{0,8}):([A-Za-z0-9+/]+={0,2})", re.ASCII)

_State = dict[str, Any]


class KeyringNotLoaded(RuntimeError):
    """The keyring's state is missing after a refresh (a bug, never a user error)."""


class KeyringLocked(Exception):
    """The keyring cannot be opened: wrong passphrase, altered or foreign file."""


def load_or_create_passphrase(path: Path) -> str:
    """Return the passphrase stored at ``path``, creating a random one (mode 0600) if absent.

    Embedded demo mode only; production passes ``PDO_KEYRING_PASSPHRASE`` instead. An
    existing file readable by group or others is refused rather than trusted.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        return _read_passphrase(path)
    except FileNotFoundError:
        pass
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        _write_private_file(tmp, (secrets.token_urlsafe(32) + "\n").encode())
        try:
            os.link(tmp, path)  # atomic create-if-absent: a racing creator wins, we read theirs
        except FileExistsError:
            pass
        else:
            _fsync_dir(path.parent)
    finally:
        with suppress(FileNotFoundError):
            tmp.unlink()
    return _read_passphrase(path)


class LocalKeyring:
    """``SecretStore`` over one encrypted file, for embedded (single-host) mode.

    The file is re-read when another process has replaced it, and every mutation runs
    under an exclusive ``flock`` on ``<file>.lock``, so several processes may share it.
    Signatures use Vault Transit's format (``vault:v<N>:<base64>``, pure Ed25519 over the
    data) so they are interchangeable with :class:`libs.secrets.vault.VaultSecretStore`.
    """

    def __init__(
        self,
        path: Path,
        passphrase: str | bytes,
        *,
        scrypt_log2_n: int = _DEFAULT_LOG2_N,
    ) -> None:
        if not passphrase:
            raise ValueError("the keyring passphrase must not be empty")
        if not _MIN_LOG2_N <= scrypt_log2_n <= _MAX_LOG2_N:
            raise ValueError(f"scrypt_log2_n must be in [{_MIN_LOG2_N}, {_MAX_LOG2_N}]")
        self._path = Path(path)
        self._lock_path = self._path.with_name(self._path.name + ".lock")
        self._passphrase = passphrase.encode() if isinstance(passphrase, str) else passphrase
        self._new_log2_n = scrypt_log2_n
        # A thread lock taken inside the worker thread, not an asyncio.Lock: it serializes
        # callers on any event loop (a test client runs the app on a loop of its own).
        self._guard = threading.Lock()
        self._state: _State | None = None
        self._header: bytes = b""
        self._file_id: tuple[int, int, int] | None = None
        self._aead: tuple[bytes, AESGCM] | None = None  # (header it was derived for, cipher)

    def __repr__(self) -> str:
        return f"LocalKeyring(path={str(self._path)!r})"

    @property
    def path(self) -> Path:
        """The keyring file."""
        return self._path

    async def unlock(self) -> None:
        """Open the keyring now (it is otherwise opened on first use), so a wrong passphrase
        or a damaged file fails at start-up; raises :class:`KeyringLocked`."""
        await asyncio.to_thread(self._guarded, self._refresh)

    # -- SecretStore ------------------------------------------------------------------

    async def read_secret(self, path: str) -> dict[str, str]:
        _check_secret_path(path)
        state = await self._current()
        entry = state["secrets"].get(path)
        if entry is None:
            raise SecretNotFound(path)
        return dict(entry["versions"][-1]["data"])

    async def write_secret(self, path: str, data: dict[str, str]) -> None:
        _check_secret_path(path)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise TypeError("secret data must map str to str")
        snapshot = dict(data)

        def put(state: _State) -> bool:
            entry = state["secrets"].setdefault(path, {"versions": []})
            versions: list[dict[str, Any]] = entry["versions"]
            if versions and versions[-1]["data"] == snapshot:
                return False  # unchanged: no new version, no write
            number = versions[-1]["version"] + 1 if versions else 1
            versions.append({"version": number, "created_time": _now(), "data": snapshot})
            del versions[:-_MAX_SECRET_VERSIONS]
            return True

        await self._mutate(put)

    async def ensure_signing_key(self, name: str) -> None:
        _check_key_name(name)

        def create(state: _State) -> bool:
            if name in state["keys"]:
                return False
            state["keys"][name] = {
                "type": "ed25519",
                "exportable": False,
                "versions": [_new_key_version(1)],
            }
            return True

        await self._mutate(create)

    async def rotate_key(self, name: str) -> int:
        _check_key_name(name)
        added: list[int] = []

        def rotate(state: _State) -> bool:
            key = state["keys"].get(name)
            if key is None:
                raise SecretNotFound(name)
            number = key["versions"][-1]["version"] + 1
            key["versions"].append(_new_key_version(number))
            added.append(number)
            return True

        await self._mutate(rotate)
        return added[0]

    async def sign(self, name: str, data: bytes) -> str:
        _check_key_name(name)
        newest = self._key(await self._current(), name)["versions"][-1]
        private = Ed25519PrivateKey.from_private_bytes(_b64decode(newest["private_key"]))
        signature = base64.b64encode(private.sign(bytes(data))).decode("ascii")
        return f"vault:v{newest['version']}:{signature}"

    async def verify(self, name: str, data: bytes, signature: str) -> bool:
        _check_key_name(name)
        key = self._key(await self._current(), name)
        match = _SIGNATURE.fullmatch(signature)
        if match is None:
            return False
        version = int(match.group(1))
        entry = next((v for v in key["versions"] if v["version"] == version), None)
        if entry is None:
            return False
        try:
            raw = base64.b64decode(match.group(2), validate=True)
            private = Ed25519PrivateKey.from_private_bytes(_b64decode(entry["private_key"]))
            private.public_key().verify(raw, bytes(data))
        except (InvalidSignature, binascii.Error):
            return False
        return True

    async def public_keys(self, name: str) -> list[SigningKey]:
        _check_key_name(name)
        key = self._key(await self._current(), name)
        return [
            SigningKey(name=name, version=v["version"], public_key_pem=_public_pem(v))
            for v in key["versions"]
        ]

    # -- state and file ---------------------------------------------------------------

    @staticmethod
    def _key(state: _State, name: str) -> dict[str, Any]:
        key: dict[str, Any] | None = state["keys"].get(name)
        if key is None:
            raise SecretNotFound(name)
        return key

    def _loaded(self) -> _State:
        """The state ``_refresh`` just read; a refresh that left none is a bug, raised."""
        if self._state is None:
            raise KeyringNotLoaded("the keyring file was refreshed but holds no state")
        return self._state

    def _guarded(self, work: Callable[[], None]) -> _State:
        with self._guard:
            work()
            return self._loaded()

    async def _current(self) -> _State:
        return await asyncio.to_thread(self._guarded, self._refresh)

    async def _mutate(self, change: Callable[[_State], bool]) -> None:
        await asyncio.to_thread(self._guarded, partial(self._mutate_sync, change))

    def _mutate_sync(self, change: Callable[[_State], bool]) -> None:
        with self._file_lock():
            self._refresh()
            new_state = copy.deepcopy(self._loaded())
            if change(new_state):
                self._write(new_state)
                self._state = new_state

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _refresh(self) -> None:
        """Load the file if it is new or was replaced since last read (call in a thread)."""
        try:
            fd = os.open(self._path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            if self._state is None or self._file_id is not None:
                self._state = {"format": _FORMAT, "secrets": {}, "keys": {}}
                salt = os.urandom(_SALT_LEN)
                self._header = _HEADER.pack(
                    _MAGIC, _FORMAT, self._new_log2_n, _SCRYPT_R, _SCRYPT_P, salt
                )
                self._file_id = None
            return
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            file_id = (st.st_ino, st.st_mtime_ns, st.st_size)
            if self._state is not None and file_id == self._file_id:
                return
            blob = handle.read()
        self._header, self._state = self._decrypt(blob)
        self._file_id = file_id

    def _decrypt(self, blob: bytes) -> tuple[bytes, _State]:
        if len(blob) < _HEADER.size + _NONCE_LEN + 16:
            raise KeyringLocked(f"{self._path} is not a keyring file (truncated)")
        header = blob[: _HEADER.size]
        magic, fmt, log2_n, r, p, _salt = _HEADER.unpack(header)
        if magic != _MAGIC:
            raise KeyringLocked(f"{self._path} is not a keyring file")
        if fmt != _FORMAT:
            raise KeyringLocked(f"{self._path} has unsupported keyring format {fmt}")
        if not (_MIN_LOG2_N <= log2_n <= _MAX_LOG2_N and r == _SCRYPT_R and p == _SCRYPT_P):
            raise KeyringLocked(f"{self._path} has out-of-range key-derivation parameters")
        nonce = blob[_HEADER.size : _HEADER.size + _NONCE_LEN]
        ciphertext = blob[_HEADER.size + _NONCE_LEN :]
        try:
            plaintext = self._cipher(header).decrypt(nonce, ciphertext, header)
        except InvalidTag:
            raise KeyringLocked(
                f"cannot decrypt {self._path}: wrong passphrase, or the file was altered"
            ) from None
        state = json.loads(plaintext)
        if not isinstance(state, dict) or state.get("format") != _FORMAT:
            raise KeyringLocked(f"{self._path} holds an unrecognised keyring payload")
        return header, state

    def _write(self, state: _State) -> None:
        nonce = os.urandom(_NONCE_LEN)
        plaintext = json.dumps(state, sort_keys=True, separators=(",", ":")).encode()
        blob = (
            self._header
            + nonce
            + self._cipher(self._header).encrypt(nonce, plaintext, self._header)
        )
        tmp = self._path.with_name(f".{self._path.name}.{secrets.token_hex(8)}.tmp")
        try:
            _write_private_file(tmp, blob)
            os.replace(tmp, self._path)
        finally:
            with suppress(FileNotFoundError):
                tmp.unlink()
        _fsync_dir(self._path.parent)
        st = os.stat(self._path, follow_symlinks=False)
        self._file_id = (st.st_ino, st.st_mtime_ns, st.st_size)

    def _cipher(self, header: bytes) -> AESGCM:
        if self._aead is not None and self._aead[0] == header:
            return self._aead[1]
        _magic, _fmt, log2_n, r, p, salt = _HEADER.unpack(header)
        key = Scrypt(salt=salt, length=32, n=2**log2_n, r=r, p=p).derive(self._passphrase)
        cipher = AESGCM(key)
        self._aead = (header, cipher)
        return cipher


def _new_key_version(number: int) -> dict[str, Any]:
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return {
        "version": number,
        "created_time": _now(),
        "private_key": base64.b64encode(raw).decode("ascii"),
    }


def _public_pem(version: dict[str, Any]) -> str:
    private = Ed25519PrivateKey.from_private_bytes(_b64decode(version["private_key"]))
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _check_key_name(name: str) -> None:
    if not _KEY_NAME.fullmatch(name):
        raise ValueError(f"invalid signing key name {name!r}")


def _check_secret_path(path: str) -> None:
    if not path or any(part in ("", ".", "..") for part in path.split("/")):
        raise ValueError(f"invalid secret path {path!r}")


def _read_passphrase(path: Path) -> str:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise KeyringLocked(f"{path} is not a regular file")
        if mode & 0o077:
            raise KeyringLocked(f"{path} is readable by other users; expected mode 0600")
        passphrase = handle.read().decode("utf-8").strip()
    if not passphrase:
        raise KeyringLocked(f"{path} is empty")
    return passphrase


def _write_private_file(path: Path, content: bytes) -> None:
    """Create ``path`` exclusively with mode 0600, write ``content`` and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)  # independent of the umask
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
