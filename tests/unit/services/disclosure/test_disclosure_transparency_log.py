"""The transparency log's Merkle tree (DIS-3): RFC 6962 / RFC 9162 known answers, every
proof of every small tree verifying, and every corruption probe failing."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.disclosure.domain.transparency_log import (
    EMPTY_ROOT,
    Frontier,
    NodeId,
    ProofError,
    Range,
    append,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    proof_nodes,
    range_hash,
    root_from_nodes,
    root_hash,
    root_nodes,
    subtrees,
    verify_consistency,
    verify_inclusion,
)

# The reference leaves and roots of the certificate-transparency sources (the C++ and Go
# merkle tree tests, kept today in transparency-dev/merkle proof/verify_test.go).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# (leaf index, tree size, audit path): the CT vectors (their leaf numbers are 1-based).
CT_INCLUSION = [
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")
CT_LEAF_HASHES = [leaf_hash(d) for d in CT_LEAVES]


# -- an independent, naive reference: the RFC's recursive definitions over lists ------


def naive_mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_mth(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_mth(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [naive_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, leaves[:k], whole), naive_mth(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_mth(leaves[:k])]


# -- the stored-node path the service uses ---------------------------------------------


def build(leaf_hashes: list[bytes]) -> tuple[Frontier, dict[NodeId, bytes]]:
    frontier = Frontier(0)
    nodes: dict[NodeId, bytes] = {}
    for h in leaf_hashes:
        frontier, completed = append(frontier, h)
        nodes.update(completed)
    return frontier, nodes


def inclusion(index: int, size: int, nodes: dict[NodeId, bytes]) -> list[bytes]:
    return [range_hash(r, nodes) for r in inclusion_ranges(index, size)]


def consistency(first: int, second: int, nodes: dict[NodeId, bytes]) -> list[bytes]:
    return [range_hash(r, nodes) for r in consistency_ranges(first, second)]


def leaves_of(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


# -- known answers -------------------------------------------------------------------


def test_DIS_3_empty_tree_root_is_sha256_of_nothing() -> None:
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert root_hash([]).hex() == CT_ROOTS[0]
    assert Frontier(0).root().hex() == CT_ROOTS[0]
    assert root_from_nodes(0, {}).hex() == CT_ROOTS[0]


def test_DIS_3_leaves_are_hashed_with_0x00_and_nodes_with_0x01() -> None:
    assert leaf_hash(b"").hex() == CT_ROOTS[1]
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    assert node_hash(a, b) != hashlib.sha256(a + b).digest()


@pytest.mark.parametrize("size", range(9))
def test_DIS_3_roots_of_the_ct_reference_tree(size: int) -> None:
    leaves = CT_LEAF_HASHES[:size]
    frontier, nodes = build(leaves)
    assert root_hash(leaves).hex() == CT_ROOTS[size]
    assert frontier.root().hex() == CT_ROOTS[size]
    assert root_from_nodes(size, nodes).hex() == CT_ROOTS[size]
    _full_frontier, full_nodes = build(CT_LEAF_HASHES)
    assert root_from_nodes(size, full_nodes).hex() == CT_ROOTS[size]  # an older size


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_DIS_3_inclusion_proofs_match_the_ct_vectors(
    index: int, size: int, path: list[str]
) -> None:
    _, nodes = build(CT_LEAF_HASHES)
    assert [h.hex() for h in inclusion(index, size, nodes)] == path
    root = bytes.fromhex(CT_ROOTS[size])
    verify_inclusion(index, size, CT_LEAF_HASHES[index], [bytes.fromhex(p) for p in path], root)


@pytest.mark.parametrize(("first", "second", "path"), CT_CONSISTENCY)
def test_DIS_3_consistency_proofs_match_the_ct_vectors(
    first: int, second: int, path: list[str]
) -> None:
    _, nodes = build(CT_LEAF_HASHES)
    assert [h.hex() for h in consistency(first, second, nodes)] == path
    verify_consistency(
        first,
        second,
        bytes.fromhex(CT_ROOTS[first]),
        bytes.fromhex(CT_ROOTS[second]),
        [bytes.fromhex(p) for p in path],
    )


# -- every proof of every small tree verifies, and agrees with the naive reference ---


@pytest.mark.parametrize("size", range(1, 65))
def test_DIS_3_every_inclusion_proof_verifies_up_to_64_leaves(size: int) -> None:
    leaves = leaves_of(size)
    _, nodes = build(leaves)
    root = naive_mth(leaves)
    assert root_from_nodes(size, nodes) == root
    for index in range(size):
        path = inclusion(index, size, nodes)
        assert path == naive_path(index, leaves)
        verify_inclusion(index, size, leaves[index], path, root)


@pytest.mark.parametrize("second", range(1, 65))
def test_DIS_3_every_consistency_proof_verifies_up_to_64_leaves(second: int) -> None:
    leaves = leaves_of(second)
    _, nodes = build(leaves)
    second_root = naive_mth(leaves)
    for first in range(1, second + 1):
        path = consistency(first, second, nodes)
        assert path == naive_subproof(first, leaves, True)
        verify_consistency(first, second, naive_mth(leaves[:first]), second_root, path)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_DIS_3_proofs_verify_for_random_sizes_up_to_5000(data: st.DataObject) -> None:
    second = data.draw(st.integers(1, 5000))
    first = data.draw(st.integers(1, second))
    index = data.draw(st.integers(0, first - 1))
    leaves = leaves_of(second)
    _, nodes = build(leaves)
    first_root = root_from_nodes(first, nodes)
    second_root = root_from_nodes(second, nodes)
    assert first_root == root_hash(leaves[:first])
    verify_inclusion(index, first, leaves[index], inclusion(index, first, nodes), first_root)
    verify_inclusion(index, second, leaves[index], inclusion(index, second, nodes), second_root)
    verify_consistency(first, second, first_root, second_root, consistency(first, second, nodes))


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 2**40), st.data())
def test_DIS_3_a_proof_reads_only_log_n_stored_nodes(size: int, data: st.DataObject) -> None:
    """What makes a million-leaf log cheap: no proof or root needs more than about
    two nodes per level, whatever the size."""
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(1, size))
    bound = 2 * size.bit_length() + 2
    assert len(proof_nodes(inclusion_ranges(index, size))) <= bound
    assert len(proof_nodes(consistency_ranges(first, size))) <= bound
    assert len(root_nodes(size)) == bin(size).count("1")


def test_DIS_3_append_stores_each_completed_node_once() -> None:
    frontier = Frontier(0)
    seen: set[NodeId] = set()
    for i, h in enumerate(leaves_of(100)):
        frontier, completed = append(frontier, h)
        ids = [node for node, _ in completed]
        assert ids[0] == NodeId(0, i)
        assert not seen & set(ids)
        seen.update(ids)
        assert len(frontier.hashes) == bin(i + 1).count("1")
    assert len(seen) == 100 + 50 + 25 + 12 + 6 + 3 + 1


def test_DIS_3_subtrees_refuse_unaligned_ranges() -> None:
    assert subtrees(8, 15) == [NodeId(2, 2), NodeId(1, 6), NodeId(0, 14)]
    with pytest.raises(ValueError, match="aligned"):
        subtrees(1, 4)
    with pytest.raises(ValueError):
        subtrees(3, 3)
    assert range_hash(Range(0, 1), {NodeId(0, 0): b"x" * 32}) == b"x" * 32


# -- corruption probes: each of them must fail --------------------------------------


def inclusion_probes(
    index: int, size: int, leaf: bytes, path: list[bytes], root: bytes
) -> list[tuple[str, int, int, bytes, list[bytes], bytes]]:
    # Sizes one off are not probed: leaf 0 of 7 and of 8 have paths of one shape, so
    # only the signed tree head binds the size (verify.py checks the path against it).
    probes = [
        ("index - 1", index - 1, size, leaf, path, root),
        ("index + 1", index + 1, size, leaf, path, root),
        ("index ^ 2", index ^ 2, size, leaf, path, root),
        ("size * 2", index, size * 2, leaf, path, root),
        ("size / 2", index, size // 2, leaf, path, root),
        ("wrong leaf", index, size, leaf_hash(b"WrongLeaf"), path, root),
        ("empty root", index, size, leaf, path, EMPTY_ROOT),
        ("random root", index, size, leaf, path, SOME_HASH),
        ("trailing garbage", index, size, leaf, [*path, b""], root),
        ("trailing root", index, size, leaf, [*path, root], root),
        ("preceding garbage", index, size, leaf, [b"", *path], root),
        ("preceding root", index, size, leaf, [root, *path], root),
    ]
    for i in range(len(path)):
        flipped = list(path)
        flipped[i] = bytes([flipped[i][0] ^ 8]) + flipped[i][1:]
        probes.append((f"flipped bit in path[{i}]", index, size, leaf, flipped, root))
    if path:
        probes.append(("truncated path", index, size, leaf, path[:-1], root))
        probes.append(("first element dropped", index, size, leaf, path[1:], root))
    if len(path) > 1:
        inserted = [path[0], SOME_HASH, *path[1:]]
        probes.append(("inserted element", index, size, leaf, inserted, root))
    probes.append(("extra element", index, size, leaf, [*path, SOME_HASH], root))
    return probes


def consistency_probes(
    first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]
) -> list[tuple[str, int, int, bytes, bytes, list[bytes]]]:
    probes = [
        ("first - 1", first - 1, second, first_root, second_root, path),
        ("first + 1", first + 1, second, first_root, second_root, path),
        ("first ^ 2", first ^ 2, second, first_root, second_root, path),
        ("second * 2", first, second * 2, first_root, second_root, path),
        ("second / 2", first, second // 2, first_root, second_root, path),
        ("wrong first root", first, second, SOME_HASH, second_root, path),
        ("wrong second root", first, second, first_root, SOME_HASH, path),
        ("swapped roots", first, second, second_root, first_root, path),
        ("empty path", first, second, first_root, second_root, []),
        ("trailing garbage", first, second, first_root, second_root, [*path, b""]),
        ("trailing first root", first, second, first_root, second_root, [*path, first_root]),
        ("trailing second root", first, second, first_root, second_root, [*path, second_root]),
        ("preceding garbage", first, second, first_root, second_root, [b"", *path]),
        ("preceding first root", first, second, first_root, second_root, [first_root, *path]),
        ("preceding second root", first, second, first_root, second_root, [second_root, *path]),
        ("preceding path[0]", first, second, first_root, second_root, [path[0], *path]),
        ("truncated path", first, second, first_root, second_root, path[:-1]),
        ("extra element", first, second, first_root, second_root, [*path, SOME_HASH]),
    ]
    for i in range(len(path)):
        flipped = list(path)
        flipped[i] = bytes([flipped[i][0] ^ 16]) + flipped[i][1:]
        probes.append(
            (f"flipped bit in path[{i}]", first, second, first_root, second_root, flipped)
        )
    return probes


def test_DIS_3_every_corrupted_inclusion_proof_fails() -> None:
    cases = [(i, s, [bytes.fromhex(p) for p in path]) for i, s, path in CT_INCLUSION]
    leaves = leaves_of(37)
    _, nodes = build(leaves)
    cases += [(i, 37, inclusion(i, 37, nodes)) for i in (0, 17, 31, 32, 36)]
    for index, size, path in cases:
        leaves_here = CT_LEAF_HASHES if size <= 8 else leaves
        root = root_hash(leaves_here[:size])
        leaf = leaves_here[index]
        verify_inclusion(index, size, leaf, path, root)  # the genuine proof passes
        for name, i, s, lf, p, r in inclusion_probes(index, size, leaf, path, root):
            with pytest.raises(ProofError):
                verify_inclusion(i, s, lf, p, r)
                pytest.fail(f"probe {name!r} verified for leaf {index} of {size}")


def test_DIS_3_every_corrupted_consistency_proof_fails() -> None:
    cases = [
        (f, s, [bytes.fromhex(p) for p in path], CT_LEAF_HASHES)
        for f, s, path in CT_CONSISTENCY
        if path
    ]
    leaves = leaves_of(50)
    _, nodes = build(leaves)
    cases += [(f, 50, consistency(f, 50, nodes), leaves) for f in (1, 3, 16, 31, 33, 49)]
    for first, second, path, leaf_set in cases:
        first_root, second_root = root_hash(leaf_set[:first]), root_hash(leaf_set[:second])
        verify_consistency(first, second, first_root, second_root, path)
        for name, f, s, r1, r2, p in consistency_probes(
            first, second, first_root, second_root, path
        ):
            with pytest.raises(ProofError):
                verify_consistency(f, s, r1, r2, p)
                pytest.fail(f"probe {name!r} verified for {first} -> {second}")


def test_DIS_3_impossible_sizes_are_refused() -> None:
    with pytest.raises(ProofError):
        inclusion_ranges(5, 5)
    with pytest.raises(ProofError):
        inclusion_ranges(-1, 5)
    with pytest.raises(ProofError):
        consistency_ranges(6, 5)
    with pytest.raises(ProofError):
        verify_inclusion(0, 0, SOME_HASH, [], EMPTY_ROOT)
    with pytest.raises(ProofError):
        verify_consistency(2, 1, SOME_HASH, SOME_HASH, [])
    with pytest.raises(ProofError):  # one size, two roots: the log forked
        verify_consistency(4, 4, SOME_HASH, EMPTY_ROOT, [])
    verify_consistency(4, 4, SOME_HASH, SOME_HASH, [])
    verify_consistency(0, 9, EMPTY_ROOT, SOME_HASH, [])
    with pytest.raises(ProofError):
        verify_consistency(0, 9, EMPTY_ROOT, SOME_HASH, [SOME_HASH])
