"""The resident identity number (公民身份号码, GB 11643-1999) and its check digit.

Theory of operation: 18 characters — a six-digit GB/T 2260 address code, the birth date
``YYYYMMDD``, a three-digit order code (odd for men, even for women) and a check
character over the first 17 digits, ISO 7064 MOD 11-2: ``Σ(digit × 2^(17-i) mod 11)``,
then ``(12 - Σ mod 11) mod 11``, where 10 is written ``X``.
"""

from __future__ import annotations

from datetime import date

STANDARD = "GB 11643-1999"
WEIGHTS: tuple[int, ...] = tuple(pow(2, 17 - i, 11) for i in range(17))
"""7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2."""
CHECK_CHARACTERS = "10X98765432"
"""The check character for ``Σ mod 11`` = 0, 1, … 10 (the table form of MOD 11-2)."""


def check_character(first17: str) -> str:
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("the first 17 characters of a resident ID are digits")
    total = sum(int(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def is_valid(number: str) -> bool:
    """Shape, a real birth date and the check character."""
    if len(number) != 18 or not number[:17].isascii() or not number[:17].isdigit():
        return False
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return number[17] == check_character(number[:17])


def make(region: str, birth: date, order: int) -> str:
    """Compose a valid number from its parts (used by tests and synthetic data)."""
    first17 = f"{region}{birth:%Y%m%d}{order:03d}"
    return first17 + check_character(first17)
