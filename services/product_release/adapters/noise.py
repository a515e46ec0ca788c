"""``OpenDPCountNoise``: the ``CountNoise`` port on OpenDP's Laplace mechanism.

OpenDP samples the discrete Laplace distribution exactly for integer inputs (no
floating-point leaks), which is why counts go through it rather than ``random``. The
measurement is built per call from the scale the domain computed.
"""

from __future__ import annotations

from collections.abc import Sequence

import opendp.prelude as dp


class OpenDPCountNoise:
    """Adds discrete Laplace noise of ``scale`` to each count (not idempotent: fresh draws)."""

    def add_laplace(self, counts: Sequence[int], scale: float) -> list[int]:
        if not counts:
            return []
        dp.enable_features("contrib")  # OpenDP gates its Laplace mechanism behind this flag
        measurement = dp.m.make_laplace(
            dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=float(scale)
        )
        noisy = measurement([int(c) for c in counts])
        return [int(v) for v in noisy]
