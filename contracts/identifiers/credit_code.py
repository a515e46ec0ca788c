"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its checks.

Theory of operation: 18 characters from the alphabet ``0-9 A-H J-N P-R T-U W-Y`` (no I,
O, Z, S or V). Position 1 is the registration authority (登记管理部门), 2 the organization
type (机构类别), 3–8 the GB/T 2260 region code of the registering office, 9–17 the
organization code (组织机构代码, GB 11714) whose ninth character (position 17) is its own
check digit, and 18 the check character over the first 17 with weights ``3^i mod 31``.
``check`` raises ``DomainError`` naming the first rule the code breaks, so an official
sees *which* part was mistyped.
"""

from __future__ import annotations

import re

from contracts.errors import DomainError

STANDARD = "GB 32100-2015"
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""The 31 characters a code may use; position in this string is the character's value."""
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
"""GB 11714 weights over the eight body characters of the organization code."""
REGISTRATION_AUTHORITIES = frozenset("123456789ANY")
"""1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 市场监管(工商),
A 中央军委改革和编制办公室, N 农业, Y 其他."""
_REGION = re.compile(r"^\d{6}$")
FIELD = "credit_code"


def _refuse(code: str, why: str) -> DomainError:
    return DomainError(f"统一社会信用代码 {code!r}: {why} ({STANDARD})", rule=STANDARD, field=FIELD)


def org_code_check_digit(body: str) -> str:
    """GB 11714: ``11 - Σ(value × weight) mod 11``; 10 is written ``X`` and 11 ``0``.
    Letters count 10 (A) to 35 (Z)."""
    total = sum(int(ch, 36) * w for ch, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    digit = 11 - total % 11
    return {10: "X", 11: "0"}.get(digit, str(digit))


def check_character(first17: str) -> str:
    """GB 32100: ``31 - Σ(value × 3^i mod 31) mod 31``, a value of 31 written ``0``."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def check(code: str) -> str:
    """Return the code if it is well formed; otherwise raise naming the rule it breaks."""
    if len(code) != 18:
        raise _refuse(code, f"length must be 18 characters, got {len(code)}")
    for position, ch in enumerate(code, start=1):
        if ch not in ALPHABET:
            raise _refuse(
                code,
                f"forbidden character {ch!r} at position {position}; "
                "allowed are 0-9 and capital letters except I, O, Z, S, V",
            )
    if code[0] not in REGISTRATION_AUTHORITIES:
        raise _refuse(code, f"unknown registration authority {code[0]!r} at position 1")
    if not _REGION.match(code[2:8]):
        raise _refuse(code, f"positions 3-8 must be a six-digit region code, got {code[2:8]!r}")
    expected_org = org_code_check_digit(code[8:16])
    if code[16] != expected_org:
        raise _refuse(
            code,
            f"organization code check digit (position 17, GB 11714) is {code[16]!r}, "
            f"expected {expected_org!r}",
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise _refuse(
            code, f"final check character (position 18) is {code[17]!r}, expected {expected!r}"
        )
    return code


def is_valid(code: str) -> bool:
    try:
        check(code)
    except DomainError:
        return False
    return True


def make(authority: str, org_type: str, region: str, org_body: str) -> str:
    """Compose a valid code from its parts (both check characters computed)."""
    first16 = f"{authority}{org_type}{region}{org_body}"
    if len(first16) != 16 or any(ch not in ALPHABET for ch in first16):
        raise _refuse(first16, "the parts must be 16 characters of the code's alphabet")
    first17 = first16 + org_code_check_digit(org_body)
    return check(first17 + check_character(first17))
