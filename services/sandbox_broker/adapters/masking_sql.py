"""The masking rules of ``domain/masking.py`` as DuckDB SQL, applied while a sandbox is
materialized (SBX-3). A unit test holds every method equal to its Python reference.

Tokens are HMAC-SHA256 computed in SQL from two key pads held in session variables
(``SET VARIABLE`` with bound parameters), so the key never appears in any SQL text,
error message or stored table definition.
"""

from __future__ import annotations

from services.sandbox_broker.domain.items import ValueKind
from services.sandbox_broker.domain.masking import (
    ADDRESS_PATTERN,
    TOKEN_HEX_CHARS,
    TOKEN_PREFIX,
    Method,
)
from services.sandbox_broker.domain.plan import MountedColumn

IPAD_VARIABLE = "pdo_token_ipad"
OPAD_VARIABLE = "pdo_token_opad"
_BLOCK = 64


def token_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer HMAC pads of ``key`` (RFC 2104), for the session variables."""
    if len(key) > _BLOCK:
        raise ValueError("token keys are at most 64 bytes")
    padded = key.ljust(_BLOCK, b"\0")
    return bytes(b ^ 0x36 for b in padded), bytes(b ^ 0x5C for b in padded)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def tokenize_sql(text: str) -> str:
    inner = f"sha256(getvariable('{IPAD_VARIABLE}') || encode({text}))"
    outer = f"sha256(getvariable('{OPAD_VARIABLE}') || unhex({inner}))"
    return (
        f"({quote_literal(TOKEN_PREFIX)} || translate(left({outer}, {TOKEN_HEX_CHARS}), "
        "'0123456789', 'ghijklmnop'))"
    )


def mask_text_sql(text: str) -> str:
    return (
        f"(CASE WHEN length({text}) <= 1 THEN '*' "
        f"ELSE left({text}, 1) || repeat('*', length({text}) - 1) END)"
    )


def district_sql(text: str) -> str:
    return f"nullif(regexp_extract({text}, {quote_literal(ADDRESS_PATTERN)}, 0), '')"


def city_sql(text: str) -> str:
    pattern = quote_literal(ADDRESS_PATTERN)
    return (
        f"nullif(regexp_extract({text}, {pattern}, 1) || regexp_extract({text}, {pattern}, 2), '')"
    )


def significant_sql(value: str, column_type: str, digits: int) -> str:
    if column_type == "BIGINT":
        step = f"CAST(pow(10, length(CAST(abs({value}) AS VARCHAR)) - {digits}) AS BIGINT)"
        return (
            f"(CASE WHEN abs({value}) < {10**digits} THEN {value} "
            f"ELSE sign({value}) * (abs({value}) // {step}) * {step} END)"
        )
    x = f"CAST({value} AS DOUBLE)"
    step = f"pow(10.0, floor(log10(abs({x}))) - {digits - 1})"
    return (
        f"(CASE WHEN {x} = 0 OR NOT isfinite({x}) THEN {x} ELSE trunc({x} / {step}) * {step} END)"
    )


def column_sql(column: MountedColumn, source: str) -> str:
    """The masked value of ``column``, read from the SQL expression ``source``."""
    value = f"CAST({source} AS {column.source_type})"
    text = f"CAST({value} AS VARCHAR)"
    method, kind = column.method, column.kind
    if method is Method.AS_IS:
        return value
    if method is Method.SUPPRESS:
        return f"CAST(NULL AS {column.column_type})"
    if method is Method.TOKENIZE:
        return tokenize_sql(text)
    coarse = method is Method.COARSEN
    if kind in (ValueKind.PERSON_NAME, ValueKind.TEXT) and not coarse:
        return mask_text_sql(text)
    if kind is ValueKind.ADDRESS:
        return district_sql(text) if coarse else city_sql(text)
    if kind is ValueKind.DATE:
        return f"strftime({value}, '{'%Y-%m' if coarse else '%Y'}')"
    if kind is ValueKind.NUMBER:
        return significant_sql(value, column.source_type, 2 if coarse else 1)
    raise ValueError(f"cannot {method.value} a {kind.value} in SQL")
