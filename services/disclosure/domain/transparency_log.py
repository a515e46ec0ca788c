"""The transparency log's Merkle tree (透明日志, DIS-3), after RFC 9162 §2.1 (RFC 6962 hashing).

Theory of operation. Every published record is one leaf; a leaf is hashed as
``SHA-256(0x00 || record bytes)`` and an interior node as ``SHA-256(0x01 || left ||
right)``, so a leaf can never pass for a node. The Merkle tree hash (MTH) of ``n`` leaves
splits at the largest power of two below ``n``. Anyone holding a record, an audit path
and a signed tree head can check that the record is in the log (inclusion), and anyone
holding two tree heads can check that the later log extends the earlier one without
rewriting it (consistency).

Storage does not rehash the tree: every hash the log ever needs is the hash of a
*complete subtree* — ``2**level`` leaves starting at ``index * 2**level`` — named here by
``NodeId(level, index)``. Such a node never changes once its last leaf is appended, so
it is stored once, append-only. Appending keeps the *frontier* (the complete subtrees
along the right edge, at most one per level); any range that occurs in a proof or a root
decomposes into at most ``log2 n`` complete subtrees (``subtrees``). A proof is thus
planned here (which nodes, ``proof_nodes``), fetched by the caller in one read, and
assembled here (``range_hash``): O(log n) reads per proof.

Pure: standard library only, no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH of the empty tree: SHA-256 of the empty string (e3b0c442…)."""


class ProofError(ValueError):
    """A proof does not verify, or was asked for with impossible sizes; says why."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x00 || leaf)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n`` > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH by its recursive definition, over leaf hashes held in memory (for small trees,
    tests and offline tools; the log itself never rehashes)."""
    n = len(leaf_hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaf_hashes[0]
    k = _split(n)
    return node_hash(root_hash(leaf_hashes[:k]), root_hash(leaf_hashes[k:]))


class NodeId(NamedTuple):
    """The complete subtree of ``2**level`` leaves starting at leaf ``index * 2**level``;
    level 0 is a leaf hash. A named tuple: made once per stored node on every append and
    per path element of every proof, so it must be cheap to build and to hash."""

    level: int
    index: int  # type: ignore[assignment]  # the field shadows tuple.index, unused here

    @property
    def key(self) -> str:
        return f"{self.level}:{self.index}"


class Range(NamedTuple):
    """Leaves ``start`` (inclusive) to ``end`` (exclusive), a subtree of some proof."""

    start: int
    end: int


def subtrees(start: int, end: int) -> list[NodeId]:
    """The complete subtrees making up leaves ``[start, end)``, left to right, largest
    first. Every range of a proof or a root is aligned this way (its start is a multiple
    of a power of two at least its size), so this is at most ``log2`` many nodes."""
    if not 0 <= start < end:
        raise ValueError(f"empty or negative range [{start}, {end})")
    size = end - start
    if not size & (size - 1) and not start % size:  # most proof ranges: one whole subtree
        level = size.bit_length() - 1
        return [NodeId(level, start >> level)]
    nodes: list[NodeId] = []
    position = start
    remaining = end - start
    for level in range(remaining.bit_length() - 1, -1, -1):
        size = 1 << level
        if remaining & size:
            if position % size:
                raise ValueError(f"range [{start}, {end}) is not aligned to complete subtrees")
            nodes.append(NodeId(level, position >> level))
            position += size
            remaining -= size
    return nodes


def range_hash(span: Range, nodes: Mapping[NodeId, bytes]) -> bytes:
    """MTH of the leaves in ``span`` from its complete subtrees: the right edge folds
    into the largest subtree on its left, exactly as the recursive split would."""
    return fold_subtrees(subtrees(span.start, span.end), nodes)


def fold_subtrees(parts: Sequence[NodeId], nodes: Mapping[NodeId, bytes]) -> bytes:
    """MTH of a range from its complete subtrees (``subtrees`` of the range, planned once
    by the caller): one node is its own hash, the others fold from the right."""
    acc = nodes[parts[-1]]
    for part in reversed(parts[:-1]):
        acc = node_hash(nodes[part], acc)
    return acc


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes form the audit path of leaf ``index`` in a tree of ``size``
    leaves, deepest first (RFC 9162 §2.1.3.1, PATH(m, D[n]))."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not inside a tree of size {size}")
    path: list[Range] = []
    start, n, m = 0, size, index
    while n > 1:
        k = _split(n)
        if m < k:
            path.append(Range(start + k, start + n))
            n = k
        else:
            path.append(Range(start, start + k))
            start, n, m = start + k, n - k, m - k
    path.reverse()
    return path


def inclusion_plan(index: int, size: int) -> list[list[NodeId]]:
    """The audit path of leaf ``index`` as the complete subtrees each element folds from
    (``fold_subtrees``), deepest first: the ranges of ``inclusion_ranges`` found level by
    level with bit arithmetic, the way RFC 9162 §2.1.3.2 walks them back. At level
    ``l`` the leaf's ancestor is node ``index >> l``; its sibling, if the tree has one
    there, is a complete node, or on the right edge the range up to ``size``."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not inside a tree of size {size}")
    plan: list[list[NodeId]] = []
    level = 0
    while (size - 1) >> level:
        sibling = (index >> level) ^ 1
        start = sibling << level
        if start < size:
            end = start + (1 << level)
            plan.append([NodeId(level, sibling)] if end <= size else subtrees(start, size))
        level += 1
    return plan


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose hashes form the consistency proof from tree size ``first`` to
    ``second`` (RFC 9162 §2.1.4.1, PROOF(m, D[n]) = SUBPROOF(m, D[n], true))."""
    if not 0 <= first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    if first == 0 or first == second:
        return []
    proof: list[Range] = []
    start, n, m, whole = 0, second, first, True
    while m != n:
        k = _split(n)
        if m <= k:
            proof.append(Range(start + k, start + n))
            n = k
        else:
            proof.append(Range(start, start + k))
            start, n, m, whole = start + k, n - k, m - k, False
    if not whole:
        proof.append(Range(start, start + n))
    proof.reverse()
    return proof


def proof_nodes(ranges: Iterable[Range]) -> set[NodeId]:
    """Every stored node needed to hash ``ranges``: what the caller must read."""
    return {node for r in ranges for node in subtrees(r.start, r.end)}


def root_nodes(size: int) -> list[NodeId]:
    """The stored nodes whose hashes give the root of a tree of ``size`` leaves."""
    return subtrees(0, size) if size else []


def root_from_nodes(size: int, nodes: Mapping[NodeId, bytes]) -> bytes:
    return range_hash(Range(0, size), nodes) if size else EMPTY_ROOT


# -- appending ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Frontier:
    """The right edge of a tree of ``size`` leaves: the root of each complete subtree it
    ends with, largest (leftmost) first — one per set bit of ``size``."""

    size: int
    hashes: tuple[bytes, ...] = ()

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        acc = self.hashes[-1]
        for part in reversed(self.hashes[:-1]):
            acc = node_hash(part, acc)
        return acc


def append(frontier: Frontier, leaf: bytes) -> tuple[Frontier, list[tuple[NodeId, bytes]]]:
    """Append one leaf hash. Returns the new frontier and every node this leaf completes
    (the leaf itself at level 0, then each parent it closes): those are stored, once."""
    index = frontier.size
    completed: list[tuple[NodeId, bytes]] = [(NodeId(0, index), leaf)]
    # Each trailing 1-bit of the old size is a subtree of that level waiting for a
    # sibling; a leaf at an even index closes nothing (half of all appends).
    if not index & 1:
        return Frontier(index + 1, (*frontier.hashes, leaf)), completed
    carry = leaf
    stack = list(frontier.hashes)
    level = 0
    sha256 = hashlib.sha256
    while (index >> level) & 1:
        carry = sha256(NODE_PREFIX + stack.pop() + carry).digest()  # node_hash, inlined
        level += 1
        completed.append((NodeId(level, index >> level), carry))
    stack.append(carry)
    return Frontier(index + 1, tuple(stack)), completed


def extended(frontier: Frontier, leaf: bytes) -> Frontier:
    """The frontier after appending one leaf hash (``append`` without naming the nodes
    it completes: tiles are built from the leaf hashes, ``tiles_after``)."""
    index = frontier.size
    if not index & 1:
        return Frontier(index + 1, (*frontier.hashes, leaf))
    stack = list(frontier.hashes)
    carry = leaf
    sha256 = hashlib.sha256
    while index & 1:
        carry = sha256(NODE_PREFIX + stack.pop() + carry).digest()
        index >>= 1
    stack.append(carry)
    return Frontier(frontier.size + 1, tuple(stack))


# -- tiles (C2SP tlog-tiles style) ---------------------------------------------------

TILE_HEIGHT = 8
"""Tree levels per tile stratum: a tile of stratum ``T`` starts from 256 consecutive
hashes of tree level ``8*T``."""
TILE_WIDTH = 1 << TILE_HEIGHT
"""Hashes in the bottom row of a full tile (256)."""


class TileId(NamedTuple):
    """Tile ``index`` of stratum ``stratum``: its bottom row is the nodes
    ``NodeId(8*stratum, index*256 + j)`` for ``j`` below its width."""

    stratum: int
    index: int  # type: ignore[assignment]  # the field shadows tuple.index, unused here


def tile_of(node: NodeId) -> tuple[TileId, int, int, int]:
    """Where the hash of ``node`` sits: its tile, the row inside the tile (0 = bottom),
    the position in that row, and the tile width that row position needs (bottom hashes
    below the node's right edge). Bit arithmetic only."""
    level, index = node
    stratum = level >> 3
    row = level & 7
    shift = TILE_HEIGHT - row
    tile = index >> shift
    position = index - (tile << shift)
    return TileId(stratum, tile), row, position, (position + 1) << row


def tile_rows(bottom: bytes, below: Sequence[bytes] = ()) -> list[bytes]:
    """The ``TILE_HEIGHT`` rows of a tile whose bottom row is ``bottom`` (concatenated
    32-byte hashes): row ``k`` holds the complete nodes ``k`` levels above the bottom.
    ``below``: the rows of a narrower version of the same tile (a partial tile being
    extended): its nodes are kept, only the new ones are hashed. A tile is thus a small
    pyramid stored whole, so a proof reads hashes and never rehashes a subtree."""
    rows = [bottom]
    sha256 = hashlib.sha256
    for row in range(1, TILE_HEIGHT):
        under = rows[row - 1]
        count = len(under) // (2 * HASH_SIZE)
        kept = below[row] if row < len(below) else b""
        start = len(kept) // HASH_SIZE
        if start > count:
            raise ValueError("the narrower tile is wider than the tile it would extend")
        step = 2 * HASH_SIZE
        made = [
            sha256(NODE_PREFIX + under[o : o + step]).digest()
            for o in range(start * step, count * step, step)
        ]
        rows.append(kept + b"".join(made))
    return rows


def tile_top(rows: Sequence[bytes]) -> bytes:
    """The node above a full tile: the next stratum's bottom hash for it."""
    return hashlib.sha256(NODE_PREFIX + rows[TILE_HEIGHT - 1][: 2 * HASH_SIZE]).digest()


def truncated(rows: Sequence[bytes], width: int) -> list[bytes]:
    """The rows of the same tile at ``width`` bottom hashes (a prefix of each row)."""
    return [r[: (width >> k) * HASH_SIZE] for k, r in enumerate(rows)]


def tiles_after(
    first: int, leaves: bytes, edge: Mapping[int, Sequence[bytes]]
) -> list[tuple[TileId, list[bytes]]]:
    """Every tile that changes when the leaf hashes ``leaves`` (concatenated) are added to
    a tree of ``first`` leaves, with its new rows. ``edge``: by stratum, the rows of the
    partial tile at the tree's right edge (any width at least the edge's: trimmed here);
    a stratum whose edge is at a tile boundary needs none. Full tiles pass their top to
    the stratum above, so each hash is computed once."""
    out: list[tuple[TileId, list[bytes]]] = []
    stratum, start, more = 0, first, leaves
    while more:
        tile = start >> TILE_HEIGHT
        offset = start & (TILE_WIDTH - 1)
        below: list[bytes] = []
        if offset:
            known = edge.get(stratum)
            if known is None or len(known[0]) < offset * HASH_SIZE:
                raise ValueError(f"the partial tile {stratum}/{tile} is not at hand")
            below = truncated(known, offset)
        bottom = (below[0] if below else b"") + more
        tops: list[bytes] = []
        chunk = TILE_WIDTH * HASH_SIZE
        for n, o in enumerate(range(0, len(bottom), chunk)):
            rows = tile_rows(bottom[o : o + chunk], below if n == 0 else ())
            out.append((TileId(stratum, tile + n), rows))
            if len(rows[0]) == chunk:
                tops.append(tile_top(rows))
        stratum, start, more = stratum + 1, start >> TILE_HEIGHT, b"".join(tops)
    return out


# -- verification (what a citizen runs) -----------------------------------------------


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is {len(value)} bytes, not a {HASH_SIZE}-byte SHA-256 hash")


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes:
    """The root that ``path`` leads to from leaf ``index`` (RFC 9162 §2.1.3.2, steps 1–4)."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not inside a tree of size {size}")
    _check_hash(leaf, "the leaf hash")
    fn, sn = index, size - 1
    r = leaf
    for position, p in enumerate(path):
        _check_hash(p, f"audit path element {position}")
        if sn == 0:
            raise ProofError(f"the audit path is longer than a tree of size {size} allows")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(f"the audit path is shorter than a tree of size {size} needs")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: raise ``ProofError`` unless leaf ``index`` with hash ``leaf`` is
    in the tree of ``size`` leaves whose root is ``root`` (DIS-3)."""
    _check_hash(root, "the root hash")
    if root_from_inclusion(index, size, leaf, path) != root:
        raise ProofError("the audit path does not lead to the signed root hash")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: raise ``ProofError`` unless the tree of ``second`` leaves with
    root ``second_root`` extends the tree of ``first`` leaves with root ``first_root``
    without changing any of its leaves (DIS-3: the log was never rewritten)."""
    if not 0 <= first <= second:
        raise ProofError(f"tree size {second} is smaller than the earlier size {first}")
    _check_hash(first_root, "the first root hash")
    _check_hash(second_root, "the second root hash")
    for position, c in enumerate(path):
        _check_hash(c, f"consistency path element {position}")
    if first == second:
        if path:
            raise ProofError("two heads of the same size need an empty consistency path")
        if first_root != second_root:
            raise ProofError("two heads of the same size have different roots")
        return
    if first == 0:
        if path:
            raise ProofError("from the empty tree the consistency path must be empty")
        return
    if not path:
        raise ProofError("the consistency path is empty")
    nodes = list(path)
    if first & (first - 1) == 0:  # a power of two: the old root is itself a node
        nodes.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            raise ProofError("the consistency path is longer than these sizes allow")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency path is shorter than these sizes need")
    if fr != first_root:
        raise ProofError("the consistency path does not lead to the first root hash")
    if sr != second_root:
        raise ProofError("the consistency path does not lead to the second root hash")
