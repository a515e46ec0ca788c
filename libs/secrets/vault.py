"""Production secret store on HashiCorp Vault via hvac: KV v2 for service credentials and
Transit (Ed25519, non-exportable) for signing; blocking hvac calls run in a worker thread.
It signs in with a static token, with Vault's Kubernetes auth (service-account JWT), or
with AppRole (a role id and a secret id read from a file: docker-compose's ``vault-init``
writes one per service, so no service holds the root token)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

import hvac
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from hvac.exceptions import Forbidden, InvalidPath, InvalidRequest

from libs.secrets.port import SecretNotFound, SigningKey

__all__ = ["VaultAuthError", "VaultResponseError", "VaultSecretStore"]

_KEY_TYPE: Final = "ed25519"
# Vault's framework.GenericNameRegex: what a Transit key name may look like.
_KEY_NAME = re.compile(r"\w(?:[\w.-]*\w)?", re.ASCII)
_SIGNATURE = re.compile(r"vault:v[1-9][0-9]*:[A-Za-z0-9+/]+={0,2}", re.ASCII)
# Transit answers 400 (not 404) with one of these when the named key does not exist:
# "signing key not found", "signature verification key not found", "key not found".
_KEY_NOT_FOUND: Final = "key not found"

_T = TypeVar("_T")


class VaultResponseError(RuntimeError):
    """Vault answered with a body this adapter does not understand, or a key that is not
    the non-exportable Ed25519 key the port promises."""


class VaultSecretStore:
    """``SecretStore`` on Vault: KV v2 at ``kv_mount``, Transit at ``transit_mount``.

    Pass either ``url`` and ``token`` or a ready ``client`` (for other auth methods,
    TLS settings or namespaces). The token is handed to hvac and never logged or shown.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        client: hvac.Client | None = None,
        kv_mount: str = "secret",
        transit_mount: str = "transit",
    ) -> None:
        if client is not None and (url is not None or token is not None):
            raise ValueError("pass either url/token or client, not both")
        if client is None:
            if url is None:
                raise ValueError("a Vault url (or a client) is required")
            client = hvac.Client(url=url, token=token)
        self._client = client
        self._url: str = str(getattr(client, "url", url))
        self._kv_mount = kv_mount.strip("/")
        self._transit_mount = transit_mount.strip("/")
        self._login: _KubernetesLogin | _AppRoleLogin | None = None
        self._logged_in = False

    @classmethod
    def with_kubernetes_auth(
        cls,
        url: str,
        *,
        role: str,
        jwt_path: Path,
        mount: str = "kubernetes",
        kv_mount: str = "secret",
        transit_mount: str = "transit",
    ) -> VaultSecretStore:
        """A store that signs in with the pod's service-account JWT (Vault Kubernetes auth:
        ``POST /v1/auth/<mount>/login`` with ``role`` and ``jwt``) before its first call,
        and again once when Vault answers 403 (the token's lease ran out). The JWT file is
        read at each login: the kubelet rotates projected tokens."""
        store = cls(client=hvac.Client(url=url), kv_mount=kv_mount, transit_mount=transit_mount)
        store._login = _KubernetesLogin(role=role, jwt_path=jwt_path, mount=mount.strip("/"))
        return store

    @classmethod
    def with_approle_auth(
        cls,
        url: str,
        *,
        role_id: str,
        secret_id_path: Path,
        mount: str = "approle",
        kv_mount: str = "secret",
        transit_mount: str = "transit",
    ) -> VaultSecretStore:
        """A store that signs in with AppRole (``POST /v1/auth/<mount>/login`` with
        ``role_id`` and ``secret_id``) before its first call, and again once when Vault
        answers 403. The secret id is read from its file at each login (never from the
        environment, never logged), so a rotated secret id is picked up."""
        store = cls(client=hvac.Client(url=url), kv_mount=kv_mount, transit_mount=transit_mount)
        store._login = _AppRoleLogin(
            role_id=role_id, secret_id_path=secret_id_path, mount=mount.strip("/")
        )
        return store

    def __repr__(self) -> str:
        return (
            f"VaultSecretStore(url={self._url!r}, kv_mount={self._kv_mount!r}, "
            f"transit_mount={self._transit_mount!r})"
        )

    # -- KV v2 ------------------------------------------------------------------------

    async def read_secret(self, path: str) -> dict[str, str]:
        _check_secret_path(path)
        kv = self._client.secrets.kv.v2
        try:
            response = await self._call(
                kv.read_secret_version,
                path=path,
                mount_point=self._kv_mount,
                raise_on_deleted_version=True,
            )
        except InvalidPath:
            raise SecretNotFound(path) from None
        data = _field(_field(response, "data", dict), "data", dict)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise VaultResponseError(f"secret {path!r} is not a flat map of strings")
        return dict(data)

    async def write_secret(self, path: str, data: dict[str, str]) -> None:
        _check_secret_path(path)
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise TypeError("secret data must map str to str")
        kv = self._client.secrets.kv.v2
        await self._call(
            kv.create_or_update_secret, path=path, secret=dict(data), mount_point=self._kv_mount
        )

    # -- Transit ----------------------------------------------------------------------

    async def ensure_signing_key(self, name: str) -> None:
        _check_key_name(name)
        try:
            existing = await self._read_key(name)
        except SecretNotFound:
            pass
        else:
            _check_key_policy(name, existing)
            return
        transit = self._client.secrets.transit
        # Create is an upsert in Vault: if another caller won the race, this is a no-op.
        await self._call(
            transit.create_key,
            name=name,
            key_type=_KEY_TYPE,
            exportable=False,
            allow_plaintext_backup=False,
            mount_point=self._transit_mount,
        )

    async def rotate_key(self, name: str) -> int:
        _check_key_name(name)
        transit = self._client.secrets.transit
        try:
            response = await self._call(
                transit.rotate_key, name=name, mount_point=self._transit_mount
            )
        except InvalidRequest as exc:
            raise _not_found_or(exc, name) from None
        if isinstance(response, dict):  # Vault >= 1.12 answers with the key's new state
            return _latest_version(_field(response, "data", dict))
        return _latest_version(await self._read_key(name))  # older Vault: 204, no body

    async def sign(self, name: str, data: bytes) -> str:
        _check_key_name(name)
        transit = self._client.secrets.transit
        try:
            response = await self._call(
                transit.sign_data, name=name, hash_input=_b64(data), mount_point=self._transit_mount
            )
        except InvalidRequest as exc:
            raise _not_found_or(exc, name) from None
        signature = _field(_field(response, "data", dict), "signature", str)
        if not _SIGNATURE.fullmatch(signature):
            raise VaultResponseError("Vault returned a signature in an unexpected format")
        return signature

    async def verify(self, name: str, data: bytes, signature: str) -> bool:
        _check_key_name(name)
        transit = self._client.secrets.transit
        try:
            response = await self._call(
                transit.verify_signed_data,
                name=name,
                hash_input=_b64(data),
                signature=signature,
                mount_point=self._transit_mount,
            )
        except InvalidRequest as exc:
            # Unknown key → SecretNotFound; anything else Vault rejects as a bad request
            # (no prefix, undecodable, version too new) is simply not a valid signature.
            if _mentions_missing_key(exc):
                raise SecretNotFound(name) from None
            return False
        return _field(_field(response, "data", dict), "valid", bool)

    async def public_keys(self, name: str) -> list[SigningKey]:
        _check_key_name(name)
        key = await self._read_key(name)
        _check_key_type(name, key)
        versions = _field(key, "keys", dict)
        result: list[SigningKey] = []
        for label in sorted(versions, key=_version_number):
            entry = versions[label]
            if not isinstance(entry, dict):
                raise VaultResponseError(f"key {name!r} version {label} has no public key")
            pem = _raw_ed25519_to_pem(_field(entry, "public_key", str))
            result.append(SigningKey(name=name, version=_version_number(label), public_key_pem=pem))
        return result

    # -- helpers ----------------------------------------------------------------------

    async def _read_key(self, name: str) -> dict[str, Any]:
        transit = self._client.secrets.transit
        try:
            response = await self._call(
                transit.read_key, name=name, mount_point=self._transit_mount
            )
        except InvalidPath:
            raise SecretNotFound(name) from None
        return _field(response, "data", dict)

    async def _call(self, function: Callable[..., _T], **kwargs: Any) -> _T:
        if self._login is None:
            return await asyncio.to_thread(function, **kwargs)
        if not self._logged_in:
            await self._sign_in(self._login)
        try:
            return await asyncio.to_thread(function, **kwargs)
        except Forbidden:
            await self._sign_in(self._login)  # the token expired or was revoked: once more
            return await asyncio.to_thread(function, **kwargs)

    async def _sign_in(self, login: _KubernetesLogin | _AppRoleLogin) -> None:
        self._client.token = None  # a login carries no (expired) token
        self._logged_in = False
        if isinstance(login, _AppRoleLogin):
            response = await self._approle_login(login)
        else:
            response = await self._kubernetes_login(login)
        token = _field(_field(response, "auth", dict), "client_token", str)
        self._client.token = token
        self._logged_in = True

    async def _kubernetes_login(self, login: _KubernetesLogin) -> Any:
        jwt = _read_credential(login.jwt_path, "the service-account token")
        try:
            return await asyncio.to_thread(
                self._client.auth.kubernetes.login,
                role=login.role,
                jwt=jwt,
                mount_point=login.mount,
            )
        except (Forbidden, InvalidRequest) as exc:
            raise VaultAuthError(
                f"Vault refused Kubernetes login for role {login.role!r} at auth/{login.mount}"
            ) from exc

    async def _approle_login(self, login: _AppRoleLogin) -> Any:
        secret_id = _read_credential(login.secret_id_path, "the AppRole secret id")
        try:
            return await asyncio.to_thread(
                self._client.auth.approle.login,
                role_id=login.role_id,
                secret_id=secret_id,
                use_token=False,
                mount_point=login.mount,
            )
        except (Forbidden, InvalidRequest) as exc:
            # the role id is an identifier, not a secret: naming it helps the operator
            raise VaultAuthError(
                f"Vault refused AppRole login for role id {login.role_id!r} at "
                f"auth/{login.mount} (secret id from {str(login.secret_id_path)!r})"
            ) from exc


def _read_credential(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except OSError as exc:
        raise VaultAuthError(f"cannot read {what} {str(path)!r}: {exc.strerror}") from None


@dataclass(frozen=True, slots=True)
class _KubernetesLogin:
    role: str
    jwt_path: Path
    mount: str


@dataclass(frozen=True, slots=True)
class _AppRoleLogin:
    role_id: str
    secret_id_path: Path
    mount: str


class VaultAuthError(RuntimeError):
    """Vault refused to sign this process in (wrong role, audience, service account or
    AppRole secret id), or its credential file cannot be read."""


def _check_key_name(name: str) -> None:
    if not _KEY_NAME.fullmatch(name):
        raise ValueError(f"invalid signing key name {name!r}")


def _check_secret_path(path: str) -> None:
    if not path or any(part in ("", ".", "..") for part in path.split("/")):
        raise ValueError(f"invalid secret path {path!r}")


def _check_key_type(name: str, key: dict[str, Any]) -> None:
    if key.get("type") != _KEY_TYPE:
        raise VaultResponseError(f"transit key {name!r} exists but is not {_KEY_TYPE}")


def _check_key_policy(name: str, key: dict[str, Any]) -> None:
    """Refuse to adopt a pre-existing key that is not what the port promises."""
    _check_key_type(name, key)
    if key.get("exportable") is not False or key.get("allow_plaintext_backup") is not False:
        raise VaultResponseError(f"transit key {name!r} exists but is exportable")


def _latest_version(key: dict[str, Any]) -> int:
    latest = key.get("latest_version")
    if isinstance(latest, int) and not isinstance(latest, bool):
        return latest
    return max(_version_number(label) for label in _field(key, "keys", dict))


def _version_number(label: object) -> int:
    try:
        return int(str(label))
    except ValueError:
        raise VaultResponseError(f"unexpected key version label {label!r}") from None


def _raw_ed25519_to_pem(public_key_b64: str) -> str:
    """Vault returns an Ed25519 public key as base64 of its 32 raw bytes; callers want PEM."""
    try:
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
    except (binascii.Error, ValueError):
        raise VaultResponseError("Vault returned a malformed Ed25519 public key") from None
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


def _mentions_missing_key(exc: InvalidRequest) -> bool:
    errors = getattr(exc, "errors", None) or []
    return any(_KEY_NOT_FOUND in str(error) for error in errors)


def _not_found_or(exc: InvalidRequest, name: str) -> Exception:
    return SecretNotFound(name) if _mentions_missing_key(exc) else exc


def _b64(data: bytes) -> str:
    return base64.b64encode(bytes(data)).decode("ascii")


def _field(obj: object, key: str, kind: type[_T]) -> _T:
    """``obj[key]`` checked to be a ``kind``; a clear error instead of a KeyError deep inside."""
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, kind):
        raise VaultResponseError(f"Vault response lacks {key!r} ({kind.__name__})")
    return value
