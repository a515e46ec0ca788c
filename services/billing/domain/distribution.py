"""Revenue distribution (收益分配, BIL-7): a period's revenue split between government,
operator and data merchants by agreed shares in basis points, in integer fen.

Remainder rule (largest remainder, deterministic): every party first gets the floor of
its exact share; the fen left over go one each to the parties with the largest
fractional remainders, ties broken by the parties' order (government, operator,
merchants; merchants among themselves by org id). The shares then sum exactly to the
total and none is negative. The government share is booked as non-tax revenue
(非税收入) on its own ledger account.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from contracts.errors import DomainError

BASIS_POINTS = 10_000
NON_TAX_REVENUE = "non_tax_revenue"
"""Ledger account of the government share: 非税收入 (BIL-7)."""
OPERATOR_REVENUE = "operator_revenue"
MERCHANT_PAYABLE = "merchant_payable"
UNATTRIBUTED = ""
"""Merchants' share of revenue no merchant's product earned (held for the merchants)."""


@dataclass(frozen=True, slots=True)
class Shares:
    """Agreed shares in basis points, in force from ``effective_from`` (BIL-7)."""

    government_bp: int
    operator_bp: int
    merchants_bp: int
    effective_from: date


def check_shares(shares: Shares) -> Shares:
    for name in ("government_bp", "operator_bp", "merchants_bp"):
        if getattr(shares, name) < 0:
            raise DomainError("a share is never negative", rule="BIL-7", field=name)
    total = shares.government_bp + shares.operator_bp + shares.merchants_bp
    if total != BASIS_POINTS:
        raise DomainError(
            f"shares sum to {total} basis points, not {BASIS_POINTS}",
            rule="BIL-7",
            field="government_bp",
        )
    return shares


def shares_in_force(agreed: Sequence[Shares], on: date) -> Shares | None:
    """The shares whose effective date is the latest on or before ``on``."""
    candidates = [s for s in agreed if s.effective_from <= on]
    return max(candidates, key=lambda s: s.effective_from) if candidates else None


def largest_remainder(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Split ``total_fen`` in proportion to ``weights`` (non-negative, not all 0):
    floors, then one fen each by largest remainder, earlier index first on ties."""
    if total_fen < 0 or any(w < 0 for w in weights):
        raise ValueError("amounts and weights are never negative")
    whole = sum(weights)
    if whole == 0:
        raise ValueError("at least one weight must be positive")
    floors = [total_fen * w // whole for w in weights]
    remainders = [total_fen * w % whole for w in weights]
    left = total_fen - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    account: str
    party: str
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Distribution:
    period: str
    total_fen: int
    government_fen: int
    operator_fen: int
    merchants_fen: int
    merchants: tuple[tuple[str, int], ...]
    """Each merchant's part of ``merchants_fen`` (``""``: not earned by a merchant)."""
    shares: Shares
    ledger: tuple[LedgerEntry, ...]


def distribute(
    period: str,
    total_fen: int,
    shares: Shares,
    merchant_revenue: Mapping[str, int],
    *,
    government_org_id: str,
    operator_org_id: str,
) -> Distribution:
    """BIL-7: split the period's revenue; the merchants' share follows what each
    merchant's products earned."""
    government, operator, merchants = (
        largest_remainder(
            total_fen, [shares.government_bp, shares.operator_bp, shares.merchants_bp]
        )
        if total_fen
        else [0, 0, 0]
    )
    earned = sorted((m, fen) for m, fen in merchant_revenue.items() if m and fen > 0)
    unattributed = max(total_fen - sum(fen for _, fen in earned), 0)
    parties = [m for m, _ in earned] + ([UNATTRIBUTED] if unattributed else [])
    weights = [fen for _, fen in earned] + ([unattributed] if unattributed else [])
    split = largest_remainder(merchants, weights) if weights else []
    parts = tuple((p, fen) for p, fen in zip(parties, split, strict=True) if fen)
    if merchants and not parts:
        parts = ((UNATTRIBUTED, merchants),)
    ledger = (
        LedgerEntry(NON_TAX_REVENUE, government_org_id, government),
        LedgerEntry(OPERATOR_REVENUE, operator_org_id, operator),
        *(LedgerEntry(MERCHANT_PAYABLE, p, fen) for p, fen in parts),
    )
    return Distribution(
        period=period,
        total_fen=total_fen,
        government_fen=government,
        operator_fen=operator,
        merchants_fen=merchants,
        merchants=parts,
        shares=shares,
        ledger=ledger,
    )
