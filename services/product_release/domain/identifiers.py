"""Direct identifiers (直接标识符) found in output values: the patterns of EXP-2.

- Resident identity numbers (居民身份证号码, GB 11643-1999): 18 characters, a six-digit
  region, a birth date, a three-digit sequence and a check character by ISO 7064
  MOD 11-2 (``X`` for 10). The date and the check both have to hold, so an 18-digit
  amount is not taken for a person.
- Mobile numbers (``1[3-9]`` and nine digits, optionally ``+86``) and landlines written
  with their area code (``0531-88886666``).
- Unified social credit codes (统一社会信用代码, GB 32100-2015) with a valid final check
  character. Identity's domain validates these too; a domain imports no other service,
  so the check character is computed here again.

Only text is searched, and numbers only where they are dimension or identifier values:
measures (sums of yuan) would match phone patterns by accident.
"""

from __future__ import annotations

import re
from datetime import date

RESIDENT_ID = "resident_id"
PHONE = "phone_number"
CREDIT_CODE = "unified_social_credit_code"

_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])([1-8]\d{5}(?:18|19|20)\d{9}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])")
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_USCC_PATTERN = re.compile(
    r"(?<![0-9A-Za-z])([1-9ANY][0-9A-HJ-NPQRTUWXY]\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Za-z])"
)


def resident_id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 over the first 17 digits: ``(12 - Σ dᵢ·2¹⁷⁻ⁱ mod 11) mod 11``."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def is_resident_id(text: str) -> bool:
    if len(text) != 18 or not text[:17].isdigit():
        return False
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    return resident_id_check(text[:17]) == text[17].upper()


def credit_code_check(first17: str) -> str:
    """GB 32100: ``31 - Σ value·3ⁱ mod 31``, 31 written ``0``."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def is_credit_code(text: str) -> bool:
    return bool(_USCC_PATTERN.fullmatch(text)) and credit_code_check(text[:17]) == text[17]


def identifier_kinds(text: str) -> frozenset[str]:
    """Which kinds of direct identifier appear anywhere in ``text``."""
    kinds: set[str] = set()
    if any(is_resident_id(m.group(1)) for m in _ID_PATTERN.finditer(text)):
        kinds.add(RESIDENT_ID)
    if _MOBILE.search(text) or _LANDLINE.search(text):
        kinds.add(PHONE)
    if any(is_credit_code(m.group(1)) for m in _USCC_PATTERN.finditer(text)):
        kinds.add(CREDIT_CODE)
    return frozenset(kinds)
