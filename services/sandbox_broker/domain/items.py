"""What a catalog data item (数据项) holds, as far as a sandbox is concerned.

The catalog declares each item's name, type, grade and description (CAT-1). From those
the broker decides two things: the column type inside the sandbox (the catalog type is
the contract, so development and production sandboxes have identical columns) and the
*kind* of value, which decides how masking (SBX-3) and synthetic data treat it.
"""

from __future__ import annotations

import re
from enum import StrEnum

from contracts.events import DataItem


class ValueKind(StrEnum):
    RESIDENT_ID = "resident_id"  # 居民身份证号 (GB 11643)
    CREDIT_CODE = "credit_code"  # 统一社会信用代码 (GB 32100)
    PERSON_NAME = "person_name"  # 姓名
    ADDRESS = "address"  # 地址
    DATE = "date"
    NUMBER = "number"
    FLAG = "flag"
    TEXT = "text"


SQL_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "text": "VARCHAR",
    "varchar": "VARCHAR",
    "integer": "BIGINT",
    "int": "BIGINT",
    "bigint": "BIGINT",
    "decimal": "DECIMAL(18,4)",
    "numeric": "DECIMAL(18,4)",
    "double": "DOUBLE",
    "float": "DOUBLE",
    "boolean": "BOOLEAN",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "timestamp": "TIMESTAMP",
}
"""Catalog type → column type. A type the catalog does not know is held as text."""

_RESIDENT_ID = re.compile(r"(身份证|居民身份|id_number|resident_id|person_id|legal_rep_id)")
_CREDIT_CODE = re.compile(r"(统一社会信用代码|credit_code|uscc)")
_PERSON_NAME = re.compile(r"(姓名|person_name|legal_rep_name|contact_name|holder_name)")
_ADDRESS = re.compile(r"(地址|住址|住所|address)")


def sql_type(item: DataItem) -> str:
    return SQL_TYPES.get(item.type.strip().lower(), "VARCHAR")


def kind_of(item: DataItem) -> ValueKind:
    """The kind of value an item holds, from its name, description and type.

    Identifiers are recognised first (a resident ID is stored as a string but must be
    tokenized, never treated as free text)."""
    text = f"{item.name} {item.description}".lower()
    column_type = sql_type(item)
    if _RESIDENT_ID.search(text):
        return ValueKind.RESIDENT_ID
    if _CREDIT_CODE.search(text):
        return ValueKind.CREDIT_CODE
    if _PERSON_NAME.search(text):
        return ValueKind.PERSON_NAME
    if _ADDRESS.search(text):
        return ValueKind.ADDRESS
    if column_type in ("DATE", "TIMESTAMP"):
        return ValueKind.DATE
    if column_type in ("BIGINT", "DOUBLE") or column_type.startswith("DECIMAL"):
        return ValueKind.NUMBER
    if column_type == "BOOLEAN":
        return ValueKind.FLAG
    return ValueKind.TEXT
