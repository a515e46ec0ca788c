"""``pdo verify``: a citizen checks the transparency log offline (DIS-3).

From files anyone can download from ``/disclosure`` — a record (``/records/{id}`` or
``/log/entries/{index}``), its inclusion proof (``/log/proofs/inclusion``), signed tree
heads (``/log/tree-head``, ``/log/tree-heads``), a consistency proof
(``/log/proofs/consistency``) and the log's public key (``/log/public-key``, JSON or
PEM) — it checks, without contacting the platform:

1. each tree head's Ed25519 signature over RFC 6962 §3.5's ``TreeHeadSignature``;
2. that the record's leaf hash, recomputed from the record itself, is in the signed tree
   (RFC 9162 §2.1.3.2);
3. that the newer signed tree extends the older one unchanged (RFC 9162 §2.1.4.2);
4. that no two signed heads of one size disagree (the split-view alarm).

It says what it checked in plain words; exit status 0 when everything holds, 1 when a
check fails (with the reason), 2 when the files cannot be read, 3 on a split view.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from services.disclosure.domain.public_record import leaf_bytes
from services.disclosure.domain.transparency_log import (
    ProofError,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from services.disclosure.domain.tree_head import TreeHead, signed_bytes, split_views

OK, FAILED, UNREADABLE, SPLIT_VIEW = 0, 1, 2, 3


class Unreadable(Exception):
    """A file is missing, not JSON, or lacks a field the check needs."""


class CheckFailed(Exception):
    """A signature, a proof or a cross-check does not hold."""


@dataclass(frozen=True, slots=True)
class PublicKeys:
    """The log's keys by key id; ``None`` holds a bare PEM or JWK given without an id."""

    by_id: dict[str | None, Ed25519PublicKey]

    def for_key(self, key_id: str) -> Ed25519PublicKey:
        if key_id in self.by_id:
            return self.by_id[key_id]
        if None in self.by_id:
            return self.by_id[None]
        known = ", ".join(sorted(k for k in self.by_id if k)) or "none"
        raise CheckFailed(f"the tree head was signed with key {key_id}; the key file has {known}")


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise Unreadable(f"cannot read the {what} file {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise Unreadable(f"the {what} file {path} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise Unreadable(f"the {what} file {path} is not a JSON object")
    return value


def _field(doc: dict[str, Any], name: str, kind: type, what: str) -> Any:
    value = doc.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise Unreadable(f"the {what} has no valid '{name}'")
    return value


def _hex(value: str, what: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except ValueError:
        raise Unreadable(f"{what} is not hexadecimal") from None


def _ed25519(pem: str) -> Ed25519PublicKey:
    try:
        key = load_pem_public_key(pem.encode())
    except ValueError as exc:
        raise Unreadable(f"the public key is not a valid PEM key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise Unreadable("the public key is not an Ed25519 key")
    return key


def _from_jwk(jwk: dict[str, Any]) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise Unreadable("the JWK is not an Ed25519 (OKP) public key")
    try:
        raw = base64.urlsafe_b64decode(jwk["x"] + "=" * (-len(jwk["x"]) % 4))
        return Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, binascii.Error) as exc:
        raise Unreadable(f"the JWK's key is malformed: {exc}") from None


def load_public_keys(path: Path) -> PublicKeys:
    """A PEM file, a JWK, or the JSON of ``/disclosure/log/public-key`` (every version)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise Unreadable(f"cannot read the public key file {path}: {exc.strerror}") from None
    if text.lstrip().startswith("-----BEGIN"):
        return PublicKeys({None: _ed25519(text)})
    doc = _read_json(path, "public key")
    keys: dict[str | None, Ed25519PublicKey] = {}
    listed = doc.get("keys")
    versions: list[Any] = listed if isinstance(listed, list) else [doc]
    for version in versions:
        if not isinstance(version, dict):
            continue
        key_id = version.get("key_id") or version.get("kid")
        if isinstance(version.get("public_key_pem"), str):
            key = _ed25519(version["public_key_pem"])
        elif isinstance(version.get("jwk"), dict):
            key = _from_jwk(version["jwk"])
        else:
            key = _from_jwk(version)
        keys[key_id if isinstance(key_id, str) else None] = key
    if not keys:
        raise Unreadable(f"no public key found in {path}")
    return PublicKeys(keys)


def load_tree_head(path: Path) -> TreeHead:
    doc = _read_json(path, "tree head")
    what = f"tree head in {path.name}"
    size = _field(doc, "tree_size", int, what)
    root = _hex(_field(doc, "root_hash", str, what), f"the root hash in {path.name}")
    return TreeHead(
        tree_size=size,
        root_hash=root,
        timestamp_ms=_field(doc, "timestamp", int, what),
        signature=_field(doc, "signature", str, what),
        key_id=_field(doc, "key_id", str, what),
    )


def check_signature(head: TreeHead, keys: PublicKeys) -> None:
    """Raise ``CheckFailed`` unless the head's signature verifies under its key."""
    key = keys.for_key(head.key_id)
    try:
        signature = base64.b64decode(head.signature, validate=True)
    except binascii.Error:
        raise CheckFailed("the tree head's signature is not base64") from None
    try:
        key.verify(signature, signed_bytes(head.tree_size, head.root_hash, head.timestamp_ms))
    except (InvalidSignature, ValueError):
        raise CheckFailed(
            f"the signature on the tree head of size {head.tree_size} is not valid: "
            "the head was altered or was not signed by this log's key"
        ) from None


def check_inclusion(record_file: Path, proof_file: Path, head: TreeHead) -> tuple[str, int]:
    """Recompute the record's leaf hash and check it is in the signed tree (DIS-3)."""
    wrapper = _read_json(record_file, "record")
    record = wrapper.get("record") if isinstance(wrapper.get("record"), dict) else wrapper
    if not isinstance(record, dict):
        raise Unreadable(f"the record file {record_file} holds no record object")
    leaf = leaf_hash(leaf_bytes(record))
    proof = _read_json(proof_file, "inclusion proof")
    what = "inclusion proof"
    index = _field(proof, "leaf_index", int, what)
    size = _field(proof, "tree_size", int, what)
    path = [_hex(h, "an audit path element") for h in _field(proof, "audit_path", list, what)]
    claimed = wrapper.get("leaf_hash")
    if isinstance(claimed, str) and claimed != leaf.hex():
        raise CheckFailed(
            f"the record file names leaf hash {claimed}, but the record hashes to {leaf.hex()}"
        )
    if isinstance(proof.get("leaf_hash"), str) and proof["leaf_hash"] != leaf.hex():
        raise CheckFailed(
            f"the proof is for leaf hash {proof['leaf_hash']}, but the record hashes to "
            f"{leaf.hex()}: the record was altered or the proof is for another record"
        )
    position = wrapper.get("leaf_index")
    if isinstance(position, int) and position != index:
        raise CheckFailed(f"the record sits at index {position}, the proof is for {index}")
    if size != head.tree_size:
        raise CheckFailed(
            f"the proof is for a tree of size {size}, the signed tree head has size "
            f"{head.tree_size}; download the proof for tree_size={head.tree_size}"
        )
    try:
        verify_inclusion(index, size, leaf, path, head.root_hash)
    except ProofError as exc:
        raise CheckFailed(f"the record is not proven to be in the log: {exc}") from None
    return str(record.get("record_id", "?")), index


def check_consistency(proof_file: Path, older: TreeHead, newer: TreeHead) -> None:
    proof = _read_json(proof_file, "consistency proof")
    what = "consistency proof"
    first = _field(proof, "first", int, what)
    second = _field(proof, "second", int, what)
    path = [
        _hex(h, "a consistency path element") for h in _field(proof, "consistency_path", list, what)
    ]
    if (first, second) != (older.tree_size, newer.tree_size):
        raise CheckFailed(
            f"the proof goes from size {first} to {second}, the tree heads have sizes "
            f"{older.tree_size} and {newer.tree_size}"
        )
    try:
        verify_consistency(first, second, older.root_hash, newer.root_hash, path)
    except ProofError as exc:
        raise CheckFailed(f"the log was not proven to be append-only: {exc}") from None


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    def say(line: str) -> None:
        print(line, file=out or sys.stdout)

    tree_head_files: list[Path] = [Path(p) for p in args.tree_head or []]
    try:
        if not tree_head_files:
            raise Unreadable("give at least one signed tree head (--tree-head FILE)")
        if bool(args.record) != bool(args.inclusion):
            raise Unreadable("--record and --inclusion go together")
        if args.consistency and len(tree_head_files) != 2:
            raise Unreadable("--consistency needs two tree heads (--tree-head twice)")
        keys = load_public_keys(Path(args.public_key))
        heads = [load_tree_head(p) for p in tree_head_files]
    except Unreadable as exc:
        say(f"CANNOT CHECK: {exc}")
        return UNREADABLE
    try:
        for head in heads:
            check_signature(head, keys)
            say(
                f"OK  signature: the tree head of size {head.tree_size} (root "
                f"{head.root_hash.hex()}, issued {head.issued_at.isoformat()}) was signed "
                f"by the log's key {head.key_id}"
            )
        alarms = split_views(heads)
        if alarms:
            for alarm in alarms:
                say(alarm.describe())
            return SPLIT_VIEW
        newest = max(heads, key=lambda h: h.tree_size)
        if args.record:
            record_id, index = check_inclusion(Path(args.record), Path(args.inclusion), newest)
            say(
                f"OK  inclusion: record {record_id} is entry {index} of the signed tree of "
                f"size {newest.tree_size}; its hash, recomputed from the record, leads to "
                "the signed root"
            )
        if args.consistency:
            older = min(heads, key=lambda h: h.tree_size)
            check_consistency(Path(args.consistency), older, newest)
            say(
                f"OK  consistency: the log of size {newest.tree_size} contains the log of "
                f"size {older.tree_size} unchanged: nothing was removed or rewritten"
            )
    except Unreadable as exc:
        say(f"CANNOT CHECK: {exc}")
        return UNREADABLE
    except CheckFailed as exc:
        say(f"FAILED: {exc}")
        return FAILED
    say("VALID: every check passed")
    return OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--public-key",
        required=True,
        metavar="FILE",
        help="the log's key: /disclosure/log/public-key (JSON or PEM)",
    )
    parser.add_argument(
        "--tree-head",
        action="append",
        metavar="FILE",
        help="a signed tree head (/disclosure/log/tree-head); give two for --consistency",
    )
    parser.add_argument("--record", metavar="FILE", help="a record (/disclosure/records/{id})")
    parser.add_argument(
        "--inclusion", metavar="FILE", help="its inclusion proof (/disclosure/log/proofs/inclusion)"
    )
    parser.add_argument(
        "--consistency",
        metavar="FILE",
        help="a consistency proof between the two tree heads (/disclosure/log/proofs/consistency)",
    )


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pdo verify", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv), out)
