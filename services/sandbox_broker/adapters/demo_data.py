"""Demo source data: a finance credit scenario (普惠金融信用评估) over Zibo.

Four tables in one DuckDB file, generated vectorized in DuckDB SQL, seeded and
deterministic: market registration (市场主体登记, one row per enterprise), monthly tax
payments (纳税), social insurance headcount (社保参保) and housing provident fund deposits
(住房公积金, one row per person). Identifiers are real-looking and valid: every credit code
passes GB 32100, every resident ID passes GB 11643, and they link — a tax row's credit code
is its enterprise's, a legal representative is also a provident fund member with the same
ID and name, an employer code is an enterprise's — so joins over tokens still work after
masking. Column names match the demo catalog (``demo/city.py``) and add a few items
the scenario needs (addresses, region codes, industry).
"""

# ruff: noqa: S608 — this module composes SQL from constants, validated names (quoted) and
# numbers; no text from a caller reaches it unguarded.

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from contracts.events import DataItem
from services.sandbox_broker.adapters.masking_sql import quote_ident
from services.sandbox_broker.adapters.synthetic_sql import (
    Column,
    address_sql,
    company_name_sql,
    county_index,
    credit_code_column,
    normal,
    person_name_sql,
    pick,
    resident_id_column,
    staged_select,
    uniform,
)
from services.sandbox_broker.domain.items import sql_type
from services.sandbox_broker.domain.synthetic import (
    ENTITY_STATUS,
    INDUSTRIES,
    TAX_GRADES,
    ZIBO_COUNTIES,
    ChoiceRecipe,
)


def _item(name: str, type_: str, grade: int, description: str) -> DataItem:
    return DataItem(name=name, type=type_, grade=grade, description=description)


DEMO_TABLES: dict[str, tuple[DataItem, ...]] = {
    "market_registration": (
        _item("credit_code", "string", 1, "统一社会信用代码"),
        _item("entity_name", "string", 1, "名称"),
        _item("legal_rep_name", "string", 3, "法定代表人姓名"),
        _item("legal_rep_id", "string", 4, "法定代表人身份证号"),
        _item("registered_capital_fen", "integer", 1, "注册资本(分)"),
        _item("established_on", "date", 1, "成立日期"),
        _item("registered_address", "string", 2, "住所"),
        _item("region_code", "string", 1, "行政区划代码"),
        _item("industry_code", "string", 1, "国民经济行业门类"),
        _item("entity_status", "string", 1, "登记状态"),
    ),
    "tax_payments": (
        _item("credit_code", "string", 2, "统一社会信用代码"),
        _item("tax_month", "date", 1, "所属期"),
        _item("tax_paid_fen", "integer", 3, "实缴税额(分)"),
        _item("tax_grade", "string", 3, "纳税信用等级"),
    ),
    "social_insurance": (
        _item("credit_code", "string", 2, "统一社会信用代码"),
        _item("insured_headcount", "integer", 2, "参保人数"),
        _item("arrears_flag", "boolean", 3, "欠缴标志"),
        _item("stat_month", "date", 1, "统计月份"),
    ),
    "housing_provident_fund": (
        _item("person_id", "string", 4, "身份证号"),
        _item("person_name", "string", 3, "姓名"),
        _item("deposit_base_fen", "integer", 3, "缴存基数(分)"),
        _item("months_continuous", "integer", 2, "连续缴存月数"),
        _item("employer_credit_code", "string", 1, "单位统一社会信用代码"),
        _item("home_address", "string", 3, "家庭住址"),
        _item("account_opened_on", "date", 2, "开户日期"),
    ),
}
"""The demo tables and their items, as a catalog would register them (CAT-1)."""


@dataclass(frozen=True, slots=True)
class DemoScale:
    enterprises: int = 1_000_000
    tax_months: int = 12
    persons: int = 1_000_000


SEED = 20_250_101
NAME_SALT = 7
"""Names are drawn from the person index with one salt, so a person has one name in
every table."""
BORN = (date(1955, 1, 1), date(2003, 12, 31))
LAST_MONTH = date(2024, 12, 1)


def _county(index: str, seed: int) -> str:
    """An enterprise's county, the same wherever the enterprise appears."""
    return county_index(index, seed, 1)


def _typed(columns: list[Column], table: str) -> list[Column]:
    types = {item.name: sql_type(item) for item in DEMO_TABLES[table]}
    for column in columns:
        column.final = f"CAST({column.final} AS {types[column.name]})"
    return columns


def _choice(recipe: ChoiceRecipe, draw: str) -> str:
    pool = tuple(v for v, w in zip(recipe.values, recipe.weights, strict=True) for _ in range(w))
    return pick(pool, draw)


def market_registration(scale: DemoScale, seed: int) -> str:
    e = "i"
    rep = f"CAST(hash({e}, {seed}, 99) % {scale.persons} AS BIGINT)"
    code = credit_code_column("credit_code", e, _county(e, seed), helper="_cc")
    rep_id = resident_id_column(
        "legal_rep_id", rep, born_from=BORN[0], born_until=BORN[1], helper="_rid"
    )
    established = f"(DATE '1990-01-01' + CAST(floor({uniform(e, seed, 20)} * 12784) AS INTEGER))"
    capital = f"round(greatest(100000, 100000000 * exp(1.5 * {normal(e, seed, 21)})))"
    columns = [
        code,
        Column("entity_name", company_name_sql(e, seed, 22)),
        Column("legal_rep_name", person_name_sql(rep, seed, NAME_SALT)),
        rep_id,
        Column("registered_capital_fen", capital),
        Column("established_on", established),
        Column("registered_address", address_sql(e, "_cc_ci", seed, 23)),
        Column("region_code", f"{_codes()}[1 + _cc_ci]"),
        Column("industry_code", _choice(INDUSTRIES, uniform(e, seed, 24))),
        Column("entity_status", _choice(ENTITY_STATUS, uniform(e, seed, 25))),
    ]
    rows = f"SELECT i FROM range({scale.enterprises}) t(i)"
    return staged_select(_typed(columns, "market_registration"), rows)


def tax_payments(scale: DemoScale, seed: int) -> str:
    e, m = "e", "m"
    size = f"exp(1.2 * {normal(e, seed, 30)})"
    noise = f"exp(0.35 * {normal('i', seed, 31)})"
    columns = [
        credit_code_column("credit_code", e, _county(e, seed), helper="_cc"),
        Column("tax_month", f"(DATE '{LAST_MONTH.isoformat()}' - to_months(CAST({m} AS INTEGER)))"),
        Column("tax_paid_fen", f"round(greatest(0, 2000000 * {size} * {noise}))"),
        Column("tax_grade", _choice(TAX_GRADES, uniform(e, seed, 32))),
    ]
    months = scale.tax_months
    rows = (
        f"SELECT i, i // {months} AS e, i % {months} AS m "
        f"FROM range({scale.enterprises * months}) t(i)"
    )
    return staged_select(_typed(columns, "tax_payments"), rows)


def social_insurance(scale: DemoScale, seed: int) -> str:
    e = "i"
    columns = [
        credit_code_column("credit_code", e, _county(e, seed), helper="_cc"),
        Column("insured_headcount", f"round(greatest(1, 12 * exp(1.3 * {normal(e, seed, 40)})))"),
        Column("arrears_flag", f"({uniform(e, seed, 41)} < 0.06)"),
        Column("stat_month", f"DATE '{LAST_MONTH.isoformat()}'"),
    ]
    rows = f"SELECT i FROM range({scale.enterprises}) t(i)"
    return staged_select(_typed(columns, "social_insurance"), rows)


def housing_provident_fund(scale: DemoScale, seed: int) -> str:
    p = "i"
    employer = f"CAST(hash({p}, {seed}, 77) % {scale.enterprises} AS BIGINT)"
    opened = f"(DATE '2000-01-01' + CAST(floor({uniform(p, seed, 52)} * 9131) AS INTEGER))"
    columns = [
        resident_id_column("person_id", p, born_from=BORN[0], born_until=BORN[1], helper="_rid"),
        Column("person_name", person_name_sql(p, seed, NAME_SALT)),
        Column(
            "deposit_base_fen",
            f"round(greatest(200000, 600000 * exp(0.5 * {normal(p, seed, 50)})))",
        ),
        Column("months_continuous", f"floor({uniform(p, seed, 51)} * 241)"),
        credit_code_column("employer_credit_code", "_emp", _county("_emp", seed), helper="_cc"),
        Column("home_address", address_sql(p, "_home_ci", seed, 53)),
        Column("account_opened_on", opened),
    ]
    rows = (
        f"SELECT i, {employer} AS _emp, {county_index(p, seed, 54)} AS _home_ci "
        f"FROM range({scale.persons}) t(i)"
    )
    return staged_select(_typed(columns, "housing_provident_fund"), rows)


def _codes() -> str:
    return "[" + ", ".join(f"'{code}'" for code, _, _ in ZIBO_COUNTIES) + "]"


GENERATORS = {
    "market_registration": market_registration,
    "tax_payments": tax_payments,
    "social_insurance": social_insurance,
    "housing_provident_fund": housing_provident_fund,
}


def generate(
    path: Path,
    scale: DemoScale | None = None,
    *,
    seed: int = SEED,
    tables: tuple[str, ...] = tuple(GENERATORS),
    threads: int | None = None,
) -> dict[str, tuple[int, float]]:
    """Write the demo tables into a new DuckDB file; returns rows and seconds per table."""
    scale = scale or DemoScale()
    if path.exists():
        raise FileExistsError(f"{path} exists; demo data is written to a new file")
    report: dict[str, tuple[int, float]] = {}
    con = duckdb.connect(str(path), config={"enable_external_access": "false"})
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        for table in tables:
            started = time.perf_counter()
            con.execute(f"CREATE TABLE {quote_ident(table)} AS {GENERATORS[table](scale, seed)}")
            count = con.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchone()
            report[table] = (int(count[0]) if count else 0, time.perf_counter() - started)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return report
