"""Synthetic values as vectorized, seeded DuckDB SQL (DESIGN §8).

Theory of operation: every random draw is ``hash(row index, seed, salt)`` scaled to
[0, 1), never ``random()``, so the same seed gives the same rows on any number of threads.
A column is rendered as up to three stages of helper expressions (computed in stacked
CTEs) and one final expression. Identifiers are built arithmetically with valid check
characters: resident IDs by ISO 7064 MOD 11-2, unified social credit codes by GB 11714
and GB 32100, with the alphabets and weights of ``contracts.identifiers``. Resident IDs
and credit codes are a bijection of the row index, so they are unique within a table.
"""

# ruff: noqa: S608 — this module composes SQL from constants, validated names (quoted) and
# numbers; no text from a caller reaches it unguarded.

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from contracts.identifiers import credit_code, resident_id
from services.sandbox_broker.adapters.masking_sql import quote_ident, quote_literal
from services.sandbox_broker.domain.synthetic import (
    ZIBO_COUNTIES,
    AddressRecipe,
    ChoiceRecipe,
    CodeRecipe,
    CompanyNameRecipe,
    CreditCodeRecipe,
    DateRecipe,
    FlagRecipe,
    LogNormalRecipe,
    PersonNameRecipe,
    Recipe,
    ResidentIdRecipe,
    UniformRecipe,
)

SURNAMES: tuple[tuple[str, int], ...] = (
    ("王", 72), ("李", 70), ("张", 68), ("刘", 55), ("陈", 45), ("杨", 31), ("赵", 20),
    ("黄", 22), ("周", 17), ("吴", 16), ("徐", 13), ("孙", 16), ("胡", 10), ("朱", 10),
    ("高", 10), ("林", 9), ("何", 9), ("郭", 9), ("马", 9), ("罗", 6), ("梁", 6),
    ("宋", 6), ("郑", 5), ("谢", 5), ("韩", 5), ("唐", 5), ("冯", 5), ("于", 6),
    ("董", 5), ("萧", 2), ("程", 4), ("曹", 5), ("袁", 4), ("邓", 4), ("许", 4),
    ("傅", 3), ("沈", 3), ("曾", 3), ("彭", 3), ("吕", 3), ("崔", 4), ("毕", 3),
    ("路", 2), ("房", 2), ("欧阳", 1), ("司马", 1),
)  # fmt: skip
"""Common surnames, weighted roughly by their frequency in Shandong."""
GIVEN = tuple(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国玉兰志强"
    "海燕文博子涵浩然欣怡宇轩梓萱雨泽一诺晨阳思远佳琪俊杰雪梅红梅凤英"
)
"""Characters of given names."""
FIRMS = (
    "鑫源", "华瑞", "齐鲁", "金泰", "恒通", "宏达", "新华", "博远", "瑞丰", "鲁中",
    "汇丰", "泰和", "东岳", "银河", "嘉禾", "万通", "盛世", "天成", "信诚", "顺发",
    "安康", "长城", "中联", "晨曦", "蓝海", "明辉", "隆盛", "金鼎", "宝利", "正元",
)  # fmt: skip
TRADES = (
    "陶瓷", "化工", "机械", "商贸", "科技", "建材", "医药", "食品", "物流", "纺织",
    "电子", "新材料", "环保", "琉璃", "石化", "置业", "餐饮", "农业", "汽车配件", "信息技术",
)  # fmt: skip
FORMS = (("有限公司", 70), ("股份有限公司", 8), ("有限责任公司", 15), ("商贸中心", 7))
STREETS = (
    "柳泉路", "共青团路", "人民路", "新村路", "华光路", "金晶大道", "西五路",
    "联通路", "中润大道", "鲁泰大道", "北京路", "南京路", "杏园路", "商场东街",
    "洪沟路", "松龄路", "闻韶路", "桓公路", "般阳路", "颜山路",
)  # fmt: skip
ORDER_MULTIPLIER = 1_000_000_007
"""A prime: ``index × prime mod M`` permutes ``[0, M)`` whenever the prime does not divide M."""
CODE_MULTIPLIER = 527_104_362_443
"""Near 31⁸ divided by the golden ratio and not a multiple of 31, so consecutive
enterprises get organization codes that differ in every character."""
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(quote_literal(v) for v in values) + "]"


def _weighted(pairs: tuple[tuple[str, int], ...]) -> tuple[str, ...]:
    return tuple(value for value, weight in pairs for _ in range(weight))


def uniform(index: str, seed: int, salt: int) -> str:
    """A draw in [0, 1) from 53 bits of ``hash(index, seed, salt)``."""
    return f"((hash({index}, {seed}, {salt}) >> 11)::DOUBLE / 9007199254740992.0)"


def normal(index: str, seed: int, salt: int) -> str:
    """A standard normal draw (Box–Muller)."""
    u1, u2 = uniform(index, seed, salt * 8 + 1), uniform(index, seed, salt * 8 + 2)
    return f"(sqrt(-2.0 * ln(1.0 - {u1})) * cos(2.0 * pi() * {u2}))"


def pick(values: tuple[str, ...], draw: str) -> str:
    return f"{_list(values)}[1 + CAST(floor({draw} * {len(values)}) AS INTEGER)]"


def county_index(index: str, seed: int, salt: int) -> str:
    """0-based index into ``ZIBO_COUNTIES``, weighted by population."""
    slots = tuple(str(k) for k, (_, _, w) in enumerate(ZIBO_COUNTIES) for _ in range(w))
    return f"CAST({pick(slots, uniform(index, seed, salt))} AS INTEGER)"


@dataclass
class Column:
    """One generated column: helper stages (name → expression) and the final value."""

    name: str
    final: str
    stages: list[dict[str, str]] = field(default_factory=list)


def resident_id_column(
    name: str, person: str, *, born_from: date, born_until: date, helper: str
) -> Column:
    """A valid, unique resident ID for every distinct value of the ``person`` index."""
    days = (born_until - born_from).days + 1
    counties = len(ZIBO_COUNTIES)
    space = counties * days * 1000
    c = f"{helper}_c"
    codes = _list(tuple(code for code, _, _ in ZIBO_COUNTIES))
    first17 = (
        f"{codes}[1 + {c} % {counties}] "
        f"|| strftime(DATE '{born_from.isoformat()}' + CAST({c} // {counties * 1000} AS INTEGER),"
        " '%Y%m%d') "
        f"|| lpad(CAST(({c} // {counties}) % 1000 AS VARCHAR), 3, '0')"
    )
    f17 = f"{helper}_f17"
    total = " + ".join(
        f"CAST(substr({f17}, {k + 1}, 1) AS INTEGER) * {w}"
        for k, w in enumerate(resident_id.WEIGHTS)
    )
    check = f"substr('{resident_id.CHECK_CHARACTERS}', 1 + ({total}) % 11, 1)"
    return Column(
        name=name,
        stages=[
            {c: f"((CAST({person} AS BIGINT) * {ORDER_MULTIPLIER} + 987654321) % {space})"},
            {f17: first17},
        ],
        final=f"{f17} || {check}",
    )


def credit_code_column(name: str, enterprise: str, county: str, *, helper: str) -> Column:
    """A valid, unique unified social credit code (统一社会信用代码) per enterprise index:
    ``9`` (market regulation) ``1`` (enterprise), the county's region code, an eight-
    character organization body, its GB 11714 check digit and the GB 32100 check character."""
    alphabet = credit_code.ALPHABET
    weights = credit_code.WEIGHTS
    span = len(alphabet) ** 8
    v, ci, o = f"{helper}_v", f"{helper}_ci", f"{helper}_o"
    digits = [f"(({v} // {len(alphabet) ** j}) % {len(alphabet)})" for j in range(8)]
    value36 = "[" + ", ".join(str(_BASE36.index(ch)) for ch in alphabet) + "]"
    org_sum = " + ".join(
        f"{value36}[1 + {d}] * {w}"
        for d, w in zip(digits, credit_code.ORG_CODE_WEIGHTS, strict=True)
    )
    region_sums = [
        sum(int(ch) * w for ch, w in zip(code, weights[2:8], strict=True))
        for code, _, _ in ZIBO_COUNTIES
    ]
    body_sum = " + ".join(f"{d} * {w}" for d, w in zip(digits, weights[8:16], strict=True))
    x_value = alphabet.index("X")
    org_char_value = f"(CASE {o} WHEN 10 THEN {x_value} WHEN 11 THEN 0 ELSE {o} END)"
    total = (
        f"({alphabet.index('9') * weights[0] + alphabet.index('1') * weights[1]} "
        f"+ {_list([str(s) for s in region_sums])}[1 + {ci}]::INTEGER "
        f"+ {body_sum} + {org_char_value} * {weights[16]})"
    )
    body = " || ".join(f"substr('{alphabet}', 1 + {d}, 1)" for d in digits)
    codes = _list(tuple(code for code, _, _ in ZIBO_COUNTIES))
    org_char = f"(CASE {o} WHEN 10 THEN 'X' WHEN 11 THEN '0' ELSE CAST({o} AS VARCHAR) END)"
    final = (
        f"'91' || {codes}[1 + {ci}] || {body} || {org_char} "
        f"|| substr('{alphabet}', 1 + (31 - {total} % 31) % 31, 1)"
    )
    return Column(
        name=name,
        stages=[
            {
                v: f"CAST((CAST({enterprise} AS HUGEINT) * {CODE_MULTIPLIER} + 123456789012)"
                f" % {span} AS BIGINT)",
                ci: county,
            },
            {o: f"(11 - ({org_sum}) % 11)"},
        ],
        final=final,
    )


def person_name_sql(index: str, seed: int, salt: int) -> str:
    surname = pick(_weighted(SURNAMES), uniform(index, seed, salt * 8 + 3))
    first = pick(GIVEN, uniform(index, seed, salt * 8 + 4))
    second = pick(GIVEN, uniform(index, seed, salt * 8 + 5))
    two = uniform(index, seed, salt * 8 + 6)
    return f"({surname} || {first} || CASE WHEN {two} < 0.7 THEN {second} ELSE '' END)"


def company_name_sql(index: str, seed: int, salt: int) -> str:
    return (
        f"('淄博' || {pick(FIRMS, uniform(index, seed, salt * 8 + 3))} "
        f"|| {pick(TRADES, uniform(index, seed, salt * 8 + 4))} "
        f"|| {pick(_weighted(FORMS), uniform(index, seed, salt * 8 + 5))})"
    )


def address_sql(index: str, county: str, seed: int, salt: int) -> str:
    """山东省淄博市张店区柳泉路123号 (the province is written four times in five)."""
    names = _list(tuple(name for _, name, _ in ZIBO_COUNTIES))
    number = f"CAST(1 + floor({uniform(index, seed, salt * 8 + 4)} * 399) AS INTEGER)"
    building = f"CAST(1 + floor({uniform(index, seed, salt * 8 + 5)} * 30) AS INTEGER)"
    return (
        f"(CASE WHEN {uniform(index, seed, salt * 8 + 3)} < 0.8 THEN '山东省' ELSE '' END "
        f"|| '淄博市' || {names}[1 + {county}] "
        f"|| {pick(STREETS, uniform(index, seed, salt * 8 + 6))} || {number} || '号' "
        f"|| CASE WHEN {uniform(index, seed, salt * 8 + 7)} < 0.4 "
        f"THEN {building} || '号楼' ELSE '' END)"
    )


def date_sql(recipe: DateRecipe, index: str, seed: int, salt: int) -> str:
    days = (recipe.end - recipe.start).days + 1
    day = (
        f"(DATE '{recipe.start.isoformat()}' "
        f"+ CAST(floor({uniform(index, seed, salt * 8 + 3)} * {days}) AS INTEGER))"
    )
    if not recipe.with_time:
        return day
    seconds = f"CAST(floor({uniform(index, seed, salt * 8 + 4)} * 86400) AS INTEGER)"
    return f"(CAST({day} AS TIMESTAMP) + to_seconds({seconds}))"


def recipe_column(
    recipe: Recipe, *, name: str, column_type: str, seed: int, salt: int, index: str = "i"
) -> Column:
    """The column a recipe (``domain/synthetic.py``) generates for the row ``index``."""
    helper = f"_h{salt}"
    match recipe:
        case ResidentIdRecipe(born_from=start, born_until=end):
            column = resident_id_column(name, index, born_from=start, born_until=end, helper=helper)
        case CreditCodeRecipe():
            column = credit_code_column(
                name, index, county_index(index, seed, salt * 8 + 3), helper=helper
            )
        case PersonNameRecipe():
            column = Column(name, person_name_sql(index, seed, salt))
        case CompanyNameRecipe():
            column = Column(name, company_name_sql(index, seed, salt))
        case AddressRecipe():
            ci = f"{helper}_ci"
            column = Column(
                name,
                address_sql(index, ci, seed, salt),
                [{ci: county_index(index, seed, salt * 8 + 2)}],
            )
        case DateRecipe():
            column = Column(name, date_sql(recipe, index, seed, salt))
        case LogNormalRecipe(median=median, sigma=sigma, floor=floor):
            draw = f"{median} * exp({sigma} * {normal(index, seed, salt)})"
            column = Column(name, f"greatest({floor}, {draw})")
        case UniformRecipe(low=low, high=high):
            column = Column(name, f"({low} + {uniform(index, seed, salt * 8 + 3)} * {high - low})")
        case ChoiceRecipe(values=values, weights=weights):
            pool = _weighted(tuple(zip(values, weights, strict=True)))
            column = Column(name, pick(pool, uniform(index, seed, salt * 8 + 3)))
        case FlagRecipe(probability=p):
            column = Column(name, f"({uniform(index, seed, salt * 8 + 3)} < {p})")
        case CodeRecipe(prefix=prefix, distinct=distinct):
            number = f"CAST(floor({uniform(index, seed, salt * 8 + 3)} * {distinct}) AS INTEGER)"
            column = Column(
                name, f"({quote_literal(prefix)} || lpad(CAST({number} AS VARCHAR), 4, '0'))"
            )
    if column_type in ("BIGINT", "INTEGER"):
        column.final = f"CAST(round({column.final}) AS {column_type})"
    else:
        column.final = f"CAST({column.final} AS {column_type})"
    return column


def staged_select(columns: list[Column], rows_from: str) -> str:
    """``SELECT`` of the final columns over ``rows_from`` (a query with a column ``i``),
    with one CTE per stage of helpers."""
    depth = max((len(c.stages) for c in columns), default=0)
    ctes = [f"s0 AS ({rows_from})"]
    for level in range(depth):
        helpers = [
            f"{expr} AS {quote_ident(helper)}"
            for c in columns
            if level < len(c.stages)
            for helper, expr in c.stages[level].items()
        ]
        ctes.append(f"s{level + 1} AS (SELECT *, {', '.join(helpers)} FROM s{level})")
    finals = ", ".join(f"{c.final} AS {quote_ident(c.name)}" for c in columns)
    return f"WITH {', '.join(ctes)} SELECT {finals} FROM s{depth}"
