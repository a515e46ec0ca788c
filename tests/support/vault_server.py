"""A small Vault HTTP server for tests that run ``pdo serve`` processes (Vault is not
installed on this machine): KV v2 at ``secret/``, Transit at ``transit/`` and the
Kubernetes and AppRole auth logins at ``auth/kubernetes/`` and ``auth/approle/``, with the
request and response shapes of Vault's HTTP API that ``libs.secrets.vault`` uses (the
recorded exchanges of ``tests/fixtures/vault/`` pin those shapes against the
documentation; this server only has to agree with them). State lives in a
``LocalKeyring``, so signatures are real Ed25519 and the test can issue tokens with the
same keys.

Every request but a login needs a known ``X-Vault-Token`` (403 otherwise); the Kubernetes
login accepts only the configured role and service-account JWT, the AppRole login only a
role id of ``approles`` with its secret id (400 otherwise, as Vault answers); each hands
out a fresh token.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from libs.secrets.keyring import LocalKeyring
from libs.secrets.port import SecretNotFound


@dataclass
class VaultStub:
    keyring: LocalKeyring
    root_token: str
    k8s_role: str
    k8s_jwt: str
    tokens: set[str] = field(default_factory=set)
    logins: list[str] = field(default_factory=list)
    approles: dict[str, str] = field(default_factory=dict)
    """AppRole role id → secret id."""
    url: str = ""

    def handle(self, method: str, path: str, token: str, body: dict[str, Any]) -> tuple[int, Any]:
        if path == "/v1/auth/kubernetes/login" and method in ("POST", "PUT"):
            if body.get("role") != self.k8s_role or body.get("jwt") != self.k8s_jwt:
                return 403, {"errors": ["permission denied"]}
            issued = "hvs." + secrets.token_urlsafe(16)
            self.tokens.add(issued)
            self.logins.append(str(body["role"]))
            return 200, {"auth": {"client_token": issued, "lease_duration": 3600}}
        if path == "/v1/auth/approle/login" and method in ("POST", "PUT"):
            role_id = str(body.get("role_id", ""))
            if role_id not in self.approles or body.get("secret_id") != self.approles[role_id]:
                return 400, {"errors": ["invalid role or secret ID"]}
            issued = "hvs." + secrets.token_urlsafe(16)
            self.tokens.add(issued)
            self.logins.append(f"approle:{role_id}")
            return 200, {"auth": {"client_token": issued, "lease_duration": 3600}}
        if token != self.root_token and token not in self.tokens:
            return 403, {"errors": ["permission denied"]}
        return asyncio.run(self._route(method, path, body))

    async def _route(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        k = self.keyring
        parts = path.split("?")[0].removeprefix("/v1/").split("/")
        if parts[:2] == ["secret", "data"]:
            name = "/".join(parts[2:])
            if method == "GET":
                try:
                    data = await k.read_secret(name)
                except SecretNotFound:
                    return 404, {"errors": []}
                return 200, {"data": {"data": data, "metadata": {"version": 1}}}
            await k.write_secret(name, dict(body.get("data", {})))
            return 200, {"data": {"version": 1}}
        if parts[0] != "transit" or len(parts) < 3:
            return 404, {"errors": ["no handler for route"]}
        action, name = parts[1], parts[2]
        try:
            if action == "keys" and len(parts) == 4 and parts[3] == "rotate":
                await k.rotate_key(name)
                return 200, {"data": await self._key(name)}
            if action == "keys" and method == "GET":
                return 200, {"data": await self._key(name)}
            if action == "keys":
                await k.ensure_signing_key(name)
                return 204, None
            data = base64.b64decode(str(body.get("input", "")))
            if action == "sign":
                return 200, {"data": {"signature": await k.sign(name, data)}}
            if action == "verify":
                valid = await k.verify(name, data, str(body.get("signature", "")))
                return 200, {"data": {"valid": valid}}
        except SecretNotFound:
            if method == "GET":
                return 404, {"errors": []}
            return 400, {"errors": ["signing key not found"]}
        return 404, {"errors": ["no handler for route"]}

    async def _key(self, name: str) -> dict[str, Any]:
        versions = await self.keyring.public_keys(name)
        keys = {}
        for v in versions:
            public = serialization.load_pem_public_key(v.public_key_pem.encode())
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            keys[str(v.version)] = {"public_key": base64.b64encode(raw).decode()}
        return {
            "type": "ed25519",
            "exportable": False,
            "allow_plaintext_backup": False,
            "latest_version": max(v.version for v in versions),
            "keys": keys,
        }


def _handler(stub: VaultStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else {}
            status, answer = stub.handle(
                self.command, self.path, self.headers.get("X-Vault-Token", ""), body
            )
            payload = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def vault_server(
    data_dir: Path, *, k8s_role: str = "pdo", k8s_jwt: str = "test-service-account-jwt"
) -> Iterator[VaultStub]:
    """A running stub on 127.0.0.1 (a free port); ``.url``, ``.root_token``, ``.keyring``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    keyring = LocalKeyring(data_dir / "vault.bin", "vault-stub-passphrase", scrypt_log2_n=10)
    stub = VaultStub(keyring, "root-" + secrets.token_hex(8), k8s_role, k8s_jwt)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(stub))
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="vault-stub", daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
