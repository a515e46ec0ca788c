"""Optional Laplace noise on released counts (EXP-2 optional DP): the domain decides
sensitivity and scale; OpenDP draws the noise."""

from __future__ import annotations

import pytest

from contracts.errors import DomainError
from services.product_release.adapters.noise import OpenDPCountNoise
from services.product_release.domain.noise import add_count_noise
from tests.unit.services.product_release.export_factories import (
    FakeCountNoise,
    count_table,
    suppress,
    with_margins,
)

CELLS = [("a", "C", 12), ("a", "F", 25), ("b", "C", 18), ("b", "F", 11)]


def test_EXP_2_noise_scale_is_the_tables_sensitivity_over_epsilon() -> None:
    noise = FakeCountNoise(offset=1)
    table = count_table(with_margins(CELLS))  # data cells, two kinds of margin, grand total
    noisy, applied = add_count_noise(table, noise, epsilon=0.5)
    assert applied.sensitivity == 4 and applied.scale == 8.0 and noise.scales == [8.0]
    assert [r[2] for r in noisy.rows] == [v + 1 for v in (r[2] for r in table.rows)]  # type: ignore[operator]


def test_EXP_2_noise_keeps_suppression_and_never_goes_below_zero() -> None:
    table = count_table(suppress(CELLS, ("a", "C")))
    noisy, applied = add_count_noise(table, FakeCountNoise(offset=-15), epsilon=1.0)
    assert applied.sensitivity == 1
    assert [r[2] for r in noisy.rows] == [None, 10, 3, 0]


def test_EXP_2_the_privacy_budget_must_be_positive() -> None:
    with pytest.raises(DomainError):
        add_count_noise(count_table(), FakeCountNoise(), epsilon=0)


def test_EXP_2_opendp_adds_integer_laplace_noise_centred_on_the_count() -> None:
    noise = OpenDPCountNoise()
    draws = noise.add_laplace([100] * 4000, scale=2.0)
    assert all(isinstance(d, int) for d in draws)
    mean = sum(draws) / len(draws)
    assert abs(mean - 100) < 0.3
    assert any(d != 100 for d in draws)
    assert noise.add_laplace([], scale=1.0) == []
