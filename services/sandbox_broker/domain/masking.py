"""Masking by grade (脱敏, SBX-3): which method each data item gets, and the methods.

Theory of operation: a method is one of five, from weakest to strongest — ``as_is``,
``coarsen`` (概化: address to district, date to month, number to two significant digits),
``mask`` (遮蔽: 张** for names and text, address to city, date to year, number to one
significant digit), ``tokenize`` (令牌化: a keyed hash, so equal values still join but the
raw value never appears) and ``suppress`` (the value is dropped). The catalog grade sets
the default — 1 as is, 2 coarsen, 3 mask, 4 tokenize — and each kind of value has its own
ladder of methods; an item gets the weakest method on its ladder that is at least as
strong as its grade asks (a resident ID at grade 2 is tokenized, an address at grade 4 is
suppressed). The grant's ``masking`` map, decided by the reviewers, may name another
method from the item's ladder, except that a grade-4 item is never released as is (SEC-1).

The functions here are the reference; the sandbox applies the same rules in SQL
(``adapters/masking_sql.py``) and a test holds the two equal.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from contracts.errors import DomainError
from contracts.events import DataItem
from services.sandbox_broker.domain.items import ValueKind, kind_of, sql_type


class Method(StrEnum):
    AS_IS = "as_is"
    COARSEN = "coarsen"
    MASK = "mask"
    TOKENIZE = "tokenize"
    SUPPRESS = "suppress"


STRENGTH: dict[Method, int] = {m: i for i, m in enumerate(Method)}

DEFAULT_BY_GRADE: dict[int, Method] = {
    1: Method.AS_IS,
    2: Method.COARSEN,
    3: Method.MASK,
    4: Method.TOKENIZE,
}

LADDER: dict[ValueKind, tuple[Method, ...]] = {
    ValueKind.RESIDENT_ID: (Method.AS_IS, Method.TOKENIZE, Method.SUPPRESS),
    ValueKind.CREDIT_CODE: (Method.AS_IS, Method.TOKENIZE, Method.SUPPRESS),
    ValueKind.PERSON_NAME: (Method.AS_IS, Method.MASK, Method.TOKENIZE, Method.SUPPRESS),
    ValueKind.TEXT: (Method.AS_IS, Method.MASK, Method.TOKENIZE, Method.SUPPRESS),
    ValueKind.ADDRESS: (Method.AS_IS, Method.COARSEN, Method.MASK, Method.SUPPRESS),
    ValueKind.DATE: (Method.AS_IS, Method.COARSEN, Method.MASK, Method.SUPPRESS),
    ValueKind.NUMBER: (Method.AS_IS, Method.COARSEN, Method.MASK, Method.SUPPRESS),
    ValueKind.FLAG: (Method.AS_IS, Method.SUPPRESS),
}
"""The methods each kind of value supports, weakest first."""

RULE = "SBX-3"


def rule_for(item: DataItem, override: str | None = None) -> Method:
    """The masking method of one granted item: its grade's default, or the grant's choice."""
    if item.grade not in DEFAULT_BY_GRADE:
        raise DomainError(f"data item {item.name!r} has no valid grade (1-4)", rule=RULE)
    kind = kind_of(item)
    ladder = LADDER[kind]
    if override is None:
        floor = STRENGTH[DEFAULT_BY_GRADE[item.grade]]
        return next(m for m in ladder if STRENGTH[m] >= floor)
    try:
        chosen = Method(override)
    except ValueError:
        raise DomainError(
            f"data item {item.name!r}: unknown masking method {override!r}; "
            f"one of: {', '.join(Method)}",
            rule=RULE,
            field="masking",
        ) from None
    if chosen not in ladder:
        raise DomainError(
            f"data item {item.name!r} holds a {kind.value}, which cannot be masked by "
            f"{chosen.value!r}; one of: {', '.join(ladder)}",
            rule=RULE,
            field="masking",
        )
    if item.grade == 4 and chosen is Method.AS_IS:
        raise DomainError(
            f"data item {item.name!r} is grade 4 and is never released as is (SEC-1)",
            rule=RULE,
            field="masking",
        )
    return chosen


def masked_type(item: DataItem, method: Method) -> str:
    """The column type a masked item has inside the sandbox."""
    column_type = sql_type(item)
    if method in (Method.AS_IS, Method.SUPPRESS):
        return column_type
    if method is Method.TOKENIZE:
        return "VARCHAR"
    if kind_of(item) is ValueKind.NUMBER:
        return "BIGINT" if column_type == "BIGINT" else "DOUBLE"
    return "VARCHAR"


# -- tokens --------------------------------------------------------------------------------

TOKEN_PREFIX = "tk_"  # noqa: S105 — a label, not a secret
TOKEN_HEX_CHARS = 32
"""128 bits of the HMAC; collisions are out of reach for any table a city holds."""
DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")
"""Tokens are written in letters only, so a token can never equal or contain the digits
of an identity number, whatever the key."""


def grant_token_key(master_key: bytes, grant_id: str) -> bytes:
    """The tokenizing key of one grant, derived from the platform's masking key.

    Tokens join across the resources of one grant, but the same person gets different
    tokens under different grants, so two developers cannot link what they hold."""
    return hmac.new(master_key, b"pdo/sandbox/token/" + grant_id.encode(), "sha256").digest()


def tokenize(value: str, key: bytes) -> str:
    digest = hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
    return TOKEN_PREFIX + digest[:TOKEN_HEX_CHARS].translate(DIGITS_TO_LETTERS)


# -- text and names ------------------------------------------------------------------------


def mask_text(value: str) -> str:
    """张三丰 → 张**: the first character stays, every other becomes ``*``."""
    if len(value) <= 1:
        return "*"
    return value[0] + "*" * (len(value) - 1)


# -- addresses -----------------------------------------------------------------------------

_SEGMENT = r"[^0-9A-Za-z省市区县旗州盟路街道巷弄号村镇乡楼栋室院]"
"""A character that may belong to the name of a division, never to a street address."""
ADDRESS_PATTERN = (
    rf"^((?:{_SEGMENT}{{2,4}}?省|{_SEGMENT}{{2,8}}?自治区)?)"
    rf"((?:{_SEGMENT}{{1,8}}?(?:自治州|地区|市|州|盟))?)"
    rf"((?:{_SEGMENT}{{1,8}}?(?:自治县|区|县|旗|市))?)"
)
"""Province, city and county level of a Chinese address; the same pattern runs in Python
and in DuckDB (RE2), both leftmost-first with lazy repetition."""
_ADDRESS = re.compile(ADDRESS_PATTERN)


def _divisions(value: str) -> tuple[str, str, str]:
    found = _ADDRESS.match(value)
    if found is None:
        return "", "", ""
    province, city, county = found.groups()
    return province or "", city or "", county or ""


def city_level(value: str) -> str | None:
    """山东省淄博市张店区柳泉路 → 山东省淄博市; nothing recognisable → ``None``."""
    province, city, _ = _divisions(value)
    return (province + city) or None


def district_level(value: str) -> str | None:
    """山东省淄博市张店区柳泉路123号 → 山东省淄博市张店区 (coarsened to the district); with
    no district recognised, the city or province level; nothing recognisable → ``None``."""
    province, city, county = _divisions(value)
    return (province + city + county) or None


# -- dates and numbers ---------------------------------------------------------------------


def month_of(value: date) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def year_of(value: date) -> str:
    return f"{value.year:04d}"


def significant(value: int | float | Decimal, digits: int) -> int | float:
    """Truncate toward zero to ``digits`` significant digits: 3456789 → 3400000 (2)."""
    if isinstance(value, int):
        if abs(value) < 10**digits:
            return value
        step = int(10 ** (len(str(abs(value))) - digits))
        return (abs(value) // step * step) * (1 if value > 0 else -1)
    number = float(value)
    if number == 0 or not math.isfinite(number):
        return number
    scale = math.pow(10.0, math.floor(math.log10(abs(number))) - digits + 1)
    return int(number / scale) * scale


# -- one value -------------------------------------------------------------------------------

MaskValue = str | int | float | Decimal | bool | date | datetime | None


def apply(method: Method, kind: ValueKind, value: MaskValue, key: bytes) -> MaskValue:
    """Mask one value (the reference the SQL renderer is tested against)."""
    if value is None or method is Method.SUPPRESS:
        return None
    if method is Method.AS_IS:
        return value
    if method is Method.TOKENIZE:
        return tokenize(str(value), key)
    coarse = method is Method.COARSEN
    match kind, value:
        case ValueKind.PERSON_NAME | ValueKind.TEXT, str() if not coarse:
            return mask_text(value)
        case ValueKind.ADDRESS, str():
            return district_level(value) if coarse else city_level(value)
        case ValueKind.DATE, date():
            return month_of(value) if coarse else year_of(value)
        case ValueKind.NUMBER, int() | float() | Decimal() if not isinstance(value, bool):
            return significant(value, 2 if coarse else 1)
    raise DomainError(f"cannot {method.value} a {kind.value} value", rule=RULE)
