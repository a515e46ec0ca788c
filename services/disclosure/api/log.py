"""``/disclosure/log``: the transparency log, public (DIS-3) — tree heads, entries, proofs
and the public key, everything a citizen needs to check a record offline (``pdo verify``).

Hashes are lowercase hex; signatures base64; timestamps milliseconds since the epoch
(the value signed, RFC 6962 §3.5). A parameter that cannot be served (an index outside
the tree, a size the log has not reached) is a 400 problem naming the parameter.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_public_key
from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import Parameter, QueryParameter

from contracts.errors import DomainError, NotFound
from libs.http.paging import Paging
from libs.service import ServiceContext
from services.disclosure.adapters.log_repository import LogEntry, StoredLog
from services.disclosure.commands import tree_heads
from services.disclosure.domain.tree_head import TreeHead

SIGNED_DATA = (
    "RFC 6962 §3.5 TreeHeadSignature: version 0 (1 byte), signature type 1 (1 byte), "
    "timestamp (uint64 ms, big-endian), tree_size (uint64, big-endian), root hash (32 bytes)"
)


class TreeHeadView(msgspec.Struct, kw_only=True):
    tree_size: int
    root_hash: str
    timestamp: int
    issued_at: str
    signature: str
    key_id: str
    signature_algorithm: str = "Ed25519"
    signed_data: str = SIGNED_DATA


class TreeHeadList(msgspec.Struct, kw_only=True):
    items: list[TreeHeadView]


class EntryView(msgspec.Struct, kw_only=True):
    leaf_index: int
    leaf_hash: str
    record: dict[str, Any]


class InclusionProofView(msgspec.Struct, kw_only=True):
    leaf_index: int
    tree_size: int
    leaf_hash: str
    audit_path: list[str]


class ConsistencyProofView(msgspec.Struct, kw_only=True):
    first: int
    second: int
    consistency_path: list[str]


class PublicKeyVersion(msgspec.Struct, kw_only=True):
    key_id: str
    algorithm: str
    public_key_pem: str
    jwk: dict[str, str]


class PublicKeyView(msgspec.Struct, kw_only=True):
    key_id: str
    algorithm: str
    public_key_pem: str
    jwk: dict[str, str]
    keys: list[PublicKeyVersion]
    """Every version, oldest first: heads signed before a rotation still verify."""


def head_view(head: TreeHead) -> TreeHeadView:
    return TreeHeadView(
        tree_size=head.tree_size,
        root_hash=head.root_hash.hex(),
        timestamp=head.timestamp_ms,
        issued_at=head.issued_at.isoformat(timespec="milliseconds"),
        signature=head.signature,
        key_id=head.key_id,
    )


def entry_view(entry: LogEntry) -> EntryView:
    return EntryView(leaf_index=entry.index, leaf_hash=entry.leaf_hash.hex(), record=entry.record)


def beyond_the_log(name: str, message: str) -> DomainError:
    """A 422 problem naming the parameter: well-formed (the OpenAPI document allows it) but
    not answerable against the log as it stands (a size it has not reached, an index at or
    past the tree size, a first size above the second)."""
    return DomainError(f"Invalid {name}: {message}", field=name)


def bad_parameter(name: str, message: str) -> ValidationException:
    """A 400 problem whose ``errors`` name the parameter (``libs.http.problems``)."""
    return ValidationException(
        detail=f"Invalid {name}: {message}", extra=[{"key": name, "message": message}]
    )


def _jwk(key_id: str, pem: str) -> dict[str, str]:
    public = load_pem_public_key(pem.encode())
    if not isinstance(public, Ed25519PublicKey):
        raise TypeError(f"signing key {key_id} is not an Ed25519 key")
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": key_id, "use": "sig", "alg": "EdDSA"}


Index = Annotated[int, Parameter(ge=0, le=10**12)]
Size = Annotated[int, QueryParameter(ge=1, le=10**12)]


async def provable_size(stored: StoredLog, name: str, size: int) -> None:
    available = await stored.size()
    if size > available:
        raise beyond_the_log(name, f"the log has {available} entries, not {size}")


class TransparencyLog(Controller):
    path = "/log"
    tags = ["public"]
    opt = {"public": True}
    security = []

    @get("/tree-head", summary="The latest signed tree head (签名树头), public")
    async def tree_head(
        self, ctx: NamedDependency[ServiceContext], stored: NamedDependency[StoredLog]
    ) -> TreeHeadView:
        head = await tree_heads.latest(ctx)
        if head is None:
            raise NotFound("the log has no signed tree head yet")
        return head_view(head)

    @get("/tree-heads", summary="Signed tree heads: of one size, or the most recent")
    async def tree_head_list(
        self,
        ctx: NamedDependency[ServiceContext],
        stored: NamedDependency[StoredLog],
        paging: NamedDependency[Paging],
        tree_size: Annotated[int | None, QueryParameter(ge=1, le=10**12)] = None,
    ) -> TreeHeadList:
        if tree_size is not None:
            head = await tree_heads.at_size(ctx, tree_size)
            return TreeHeadList(items=[head_view(head)] if head else [])
        heads = await tree_heads.recent(ctx, offset=paging.offset, limit=paging.limit)
        return TreeHeadList(items=[head_view(h) for h in heads])

    @get("/entries/{index:int}", summary="One log entry: the record and its leaf hash")
    async def entry(
        self, ctx: NamedDependency[ServiceContext], stored: NamedDependency[StoredLog], index: Index
    ) -> EntryView:
        found = await stored.entry(index) if index < await stored.size() else None
        if found is None:
            raise NotFound(f"the log has no entry {index}")
        return entry_view(found)

    @get("/proofs/inclusion", summary="Audit path of one entry in a tree size (RFC 9162)")
    async def inclusion(
        self,
        ctx: NamedDependency[ServiceContext],
        stored: NamedDependency[StoredLog],
        index: Annotated[int, QueryParameter(ge=0, le=10**12)],
        tree_size: Annotated[int | None, QueryParameter(ge=1, le=10**12)] = None,
    ) -> InclusionProofView:
        if tree_size is None:
            head = await tree_heads.latest(ctx)
            if head is None:
                raise NotFound("the log has no signed tree head yet")
            tree_size = head.tree_size
        await provable_size(stored, "tree_size", tree_size)
        if index >= tree_size:
            raise beyond_the_log("index", f"must be below tree_size {tree_size}")
        leaf, path = await stored.leaf_and_inclusion_proof(index, tree_size)
        return InclusionProofView(
            leaf_index=index,
            tree_size=tree_size,
            leaf_hash=leaf.hex(),
            audit_path=[h.hex() for h in path],
        )

    @get("/proofs/consistency", summary="Proof that a later tree extends an earlier one")
    async def consistency(
        self,
        ctx: NamedDependency[ServiceContext],
        stored: NamedDependency[StoredLog],
        first: Size,
        second: Size,
    ) -> ConsistencyProofView:
        if first > second:
            raise beyond_the_log("first", f"must not exceed second ({second})")
        await provable_size(stored, "second", second)
        path = await stored.consistency_proof(first, second)
        return ConsistencyProofView(
            first=first, second=second, consistency_path=[h.hex() for h in path]
        )

    @get("/public-key", summary="The public key that verifies signed tree heads")
    async def public_key(
        self, ctx: NamedDependency[ServiceContext], stored: NamedDependency[StoredLog]
    ) -> PublicKeyView:
        await ctx.secrets.ensure_signing_key(tree_heads.SIGNING_KEY)
        versions = await ctx.secrets.public_keys(tree_heads.SIGNING_KEY)
        keys = [
            PublicKeyVersion(
                key_id=f"{v.name}:v{v.version}",
                algorithm="Ed25519",
                public_key_pem=v.public_key_pem,
                jwk=_jwk(f"{v.name}:v{v.version}", v.public_key_pem),
            )
            for v in versions
        ]
        newest = keys[-1]
        return PublicKeyView(
            key_id=newest.key_id,
            algorithm=newest.algorithm,
            public_key_pem=newest.public_key_pem,
            jwk=newest.jwk,
            keys=keys,
        )
