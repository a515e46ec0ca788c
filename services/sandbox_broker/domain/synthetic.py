"""Synthetic development data (合成数据, DESIGN §8): a recipe per catalog item.

A development sandbox has the same tables and columns as production but holds values
made up from the catalog schema alone: identifiers with valid check characters (resident
IDs, GB 11643; unified social credit codes, GB 32100), names and addresses of Zibo,
dates, amounts and counts with plausible skewed distributions. The recipe is chosen from
the item's kind and from hints in its name and description; the adapter renders recipes
as vectorized, seeded DuckDB SQL, so the same grant always gets the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from contracts.events import DataItem
from services.sandbox_broker.domain.items import ValueKind, kind_of, sql_type

ZIBO_COUNTIES: tuple[tuple[str, str, int], ...] = (
    ("370302", "淄川区", 12),
    ("370303", "张店区", 22),
    ("370304", "博山区", 9),
    ("370305", "临淄区", 15),
    ("370306", "周村区", 9),
    ("370321", "桓台县", 11),
    ("370322", "高青县", 8),
    ("370323", "沂源县", 14),
)
"""Districts and counties of Zibo (GB/T 2260) with weights near their populations."""


@dataclass(frozen=True, slots=True)
class ResidentIdRecipe:
    born_from: date = date(1950, 1, 1)
    born_until: date = date(2005, 12, 31)


@dataclass(frozen=True, slots=True)
class CreditCodeRecipe:
    pass


@dataclass(frozen=True, slots=True)
class PersonNameRecipe:
    pass


@dataclass(frozen=True, slots=True)
class CompanyNameRecipe:
    pass


@dataclass(frozen=True, slots=True)
class AddressRecipe:
    pass


@dataclass(frozen=True, slots=True)
class DateRecipe:
    start: date
    end: date
    with_time: bool = False


@dataclass(frozen=True, slots=True)
class LogNormalRecipe:
    """Skewed positive amounts and counts: ``median × e^(σ·N(0,1))``, at least ``floor``."""

    median: float
    sigma: float
    floor: float = 0.0


@dataclass(frozen=True, slots=True)
class UniformRecipe:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class ChoiceRecipe:
    values: tuple[str, ...]
    weights: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FlagRecipe:
    probability: float


@dataclass(frozen=True, slots=True)
class CodeRecipe:
    """Codes of things (stations, lines, institutions): a prefix and a number."""

    prefix: str
    distinct: int


Recipe = (
    ResidentIdRecipe
    | CreditCodeRecipe
    | PersonNameRecipe
    | CompanyNameRecipe
    | AddressRecipe
    | DateRecipe
    | LogNormalRecipe
    | UniformRecipe
    | ChoiceRecipe
    | FlagRecipe
    | CodeRecipe
)

TAX_GRADES = ChoiceRecipe(("A", "B", "M", "C", "D"), (30, 40, 15, 10, 5))
"""纳税信用等级: A, B, M, C, D."""
ENTITY_STATUS = ChoiceRecipe(("存续", "在业", "迁出", "注销", "吊销"), (70, 15, 3, 9, 3))
INDUSTRIES = ChoiceRecipe(
    ("C", "F", "G", "I", "L", "M", "E", "H", "K", "O"), (30, 12, 25, 6, 8, 6, 5, 4, 2, 2)
)
"""GB/T 4754 门类: manufacturing, construction, trade, IT, leasing, science, …"""
REGION_CODES = ChoiceRecipe(
    tuple(code for code, _, _ in ZIBO_COUNTIES), tuple(w for _, _, w in ZIBO_COUNTIES)
)


def _has(text: str, *hints: str) -> bool:
    return any(hint in text for hint in hints)


def recipe_for(item: DataItem) -> Recipe:
    """The synthetic recipe of one item, from its kind and the hints in its name."""
    text = f"{item.name} {item.description}".lower()
    match kind_of(item):
        case ValueKind.RESIDENT_ID:
            return ResidentIdRecipe()
        case ValueKind.CREDIT_CODE:
            return CreditCodeRecipe()
        case ValueKind.PERSON_NAME:
            return PersonNameRecipe()
        case ValueKind.ADDRESS:
            return AddressRecipe()
        case ValueKind.DATE:
            return _date_recipe(text, with_time=sql_type(item) == "TIMESTAMP")
        case ValueKind.NUMBER:
            return _number_recipe(text)
        case ValueKind.FLAG:
            return FlagRecipe(0.08 if _has(text, "arrears", "欠", "overdue", "逾期") else 0.5)
        case ValueKind.TEXT:
            return _text_recipe(item.name, text)
    raise AssertionError(f"no recipe for {item.name}")


def _date_recipe(text: str, *, with_time: bool) -> DateRecipe:
    if _has(text, "established", "成立", "founded", "opened", "开户"):
        return DateRecipe(date(1990, 1, 1), date(2024, 12, 31), with_time)
    if _has(text, "birth", "出生"):
        return DateRecipe(date(1950, 1, 1), date(2005, 12, 31), with_time)
    return DateRecipe(date(2022, 1, 1), date(2024, 12, 31), with_time)


def _number_recipe(text: str) -> LogNormalRecipe | UniformRecipe:
    if _has(text, "capital", "资本"):
        return LogNormalRecipe(median=100_000_000, sigma=1.5, floor=100_000)
    if _has(text, "headcount", "人数", "employees"):
        return LogNormalRecipe(median=12, sigma=1.3, floor=1)
    if _has(text, "months", "月数"):
        return UniformRecipe(0, 240)
    if _has(text, "rate", "率", "ratio"):
        return UniformRecipe(0.6, 1.0)
    if _has(text, "temperature", "气温"):
        return UniformRecipe(-10, 38)
    if _has(text, "precipitation", "降水"):
        return LogNormalRecipe(median=2, sigma=1.5)
    if _has(text, "visits", "visitors", "passengers", "人次", "床日"):
        return LogNormalRecipe(median=500, sigma=1.0, floor=1)
    if _has(text, "_fen", "(分)", "金额", "税额", "基数", "amount", "balance", "余额"):
        return LogNormalRecipe(median=1_000_000, sigma=1.2, floor=100)
    return LogNormalRecipe(median=100, sigma=1.0)


def _text_recipe(name: str, text: str) -> Recipe:
    if _has(text, "tax_grade", "纳税信用等级", "credit_grade", "信用等级"):
        return TAX_GRADES
    if _has(text, "entity_name", "enterprise_name", "company", "企业名称", "单位名称"):
        return CompanyNameRecipe()
    if _has(text, "status", "状态"):
        return ENTITY_STATUS
    if _has(text, "industry", "行业"):
        return INDUSTRIES
    if _has(text, "region_code", "区划"):
        return REGION_CODES
    if _has(text, "_code", "_id", "_no", "编码", "代码", "站号", "号"):
        return CodeRecipe(prefix=name[:1].upper(), distinct=500)
    return ChoiceRecipe(tuple(f"{name}_{k:02d}" for k in range(1, 21)), (1,) * 20)
