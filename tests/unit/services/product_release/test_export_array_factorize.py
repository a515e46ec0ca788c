"""EXP-2 array nesting's dense coding: small non-negative keys (node and class keys) are
coded through a table instead of a sort, with exactly the codes the sort gives."""

from __future__ import annotations

import numpy as np

from services.product_release.adapters.array_checks import _factorize


def _by_sorting(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    distinct, inverse = np.unique(keys, return_inverse=True)
    return distinct, inverse.reshape(-1)


def test_EXP_2_dense_keys_are_coded_as_a_sort_codes_them() -> None:
    draw = np.random.default_rng(20261207)
    cases = [
        draw.integers(0, 50, size=1000),  # dense: the table
        draw.integers(0, 10**12, size=1000),  # sparse: the sort
        np.array([7], dtype=np.int64),
        np.array([0, 0, 0], dtype=np.int64),
        draw.integers(0, 3000, size=1000),  # just beyond the table's bound: the sort
    ]
    for keys in cases:
        keys = keys.astype(np.int64)
        first, inverse = _factorize(keys)
        distinct, expected = _by_sorting(keys)
        assert inverse.tolist() == expected.tolist()
        assert keys[first].tolist() == distinct.tolist()  # a position of each, in key order
