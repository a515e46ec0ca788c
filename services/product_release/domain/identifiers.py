"""Direct identifiers (直接标识符) found in output values: the patterns of EXP-2.

- Resident identity numbers (居民身份证号码, GB 11643-1999): 18 characters, a six-digit
  region, a birth date, a three-digit sequence and a check character by ISO 7064
  MOD 11-2 (``X`` for 10). The date and the check both have to hold, so an 18-digit
  amount is not taken for a person.
- Mobile numbers (``1[3-9]`` and nine digits, optionally ``+86``) and landlines written
  with their area code (``0531-88886666``).
- Unified social credit codes (统一社会信用代码, GB 32100-2015) with a valid final check
  character. The checks themselves are ``contracts.identifiers``.

Only text is searched, and numbers only where they are dimension or identifier values:
measures (sums of yuan) would match phone patterns by accident.
"""

from __future__ import annotations

import re

from contracts.identifiers import credit_code, resident_id

RESIDENT_ID = "resident_id"
PHONE = "phone_number"
CREDIT_CODE = "unified_social_credit_code"

_ID_PATTERN = re.compile(r"(?<![0-9A-Za-z])([1-8]\d{5}(?:18|19|20)\d{9}[0-9Xx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d{9}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])")
_USCC_PATTERN = re.compile(
    r"(?<![0-9A-Za-z])([1-9ANY][0-9A-HJ-NPQRTUWXY]\d{6}[0-9A-HJ-NPQRTUWXY]{10})(?![0-9A-Za-z])"
)


def resident_id_check(first17: str) -> str:
    """ISO 7064 MOD 11-2 over the first 17 digits (``contracts.identifiers.resident_id``)."""
    return resident_id.check_character(first17)


def is_resident_id(text: str) -> bool:
    """A valid resident identity number; a lower-case ``x`` check character counts."""
    return len(text) == 18 and resident_id.is_valid(text[:17] + text[17].upper())


def credit_code_check(first17: str) -> str:
    """GB 32100 final check character (``contracts.identifiers.credit_code``)."""
    return credit_code.check_character(first17)


def is_credit_code(text: str) -> bool:
    """Shaped like a credit code with a valid final check character (the organization
    code's own check digit is not required of text found in an output)."""
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
