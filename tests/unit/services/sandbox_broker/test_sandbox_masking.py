"""Masking by grade (SBX-3): the methods, the grade defaults, the grant's overrides."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.errors import DomainError
from contracts.identifiers import resident_id
from services.sandbox_broker.domain import masking
from services.sandbox_broker.domain.items import ValueKind, kind_of
from services.sandbox_broker.domain.masking import Method, rule_for
from tests.unit.services.sandbox_broker.factories import item_factory

REGIONS = st.sampled_from(["370302", "370303", "370305", "110105", "440305", "650102"])
resident_ids = st.builds(
    resident_id.make,
    REGIONS,
    st.dates(min_value=date(1920, 1, 1), max_value=date(2024, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
keys = st.binary(min_size=16, max_size=64)


@given(resident_ids, keys)
def test_SBX_3_a_tokenized_id_never_equals_or_contains_the_raw_id(number: str, key: bytes) -> None:
    token = masking.tokenize(number, key)
    assert token != number
    assert number not in token
    assert number[:17] not in token and number[6:14] not in token
    assert not any(ch.isdigit() for ch in token.removeprefix(masking.TOKEN_PREFIX))


@given(resident_ids, keys)
def test_SBX_3_the_same_id_gets_the_same_token_under_one_key(number: str, key: bytes) -> None:
    assert masking.tokenize(number, key) == masking.tokenize(number, bytes(key))


@given(resident_ids, keys, keys)
def test_SBX_3_a_different_key_gives_a_different_token(number: str, one: bytes, two: bytes) -> None:
    if one.rstrip(b"\0") == two.rstrip(b"\0"):
        return  # HMAC pads keys with zeros: these are the same key
    assert masking.tokenize(number, one) != masking.tokenize(number, two)


@given(resident_ids, resident_ids, keys)
def test_SBX_3_different_ids_get_different_tokens(a: str, b: str, key: bytes) -> None:
    assert (masking.tokenize(a, key) == masking.tokenize(b, key)) == (a == b)


def test_SBX_3_each_grant_tokenizes_with_its_own_key() -> None:
    master = b"m" * 32
    one = masking.grant_token_key(master, "grant-1")
    two = masking.grant_token_key(master, "grant-2")
    assert one != two != master
    number = resident_id.make("370303", date(1980, 5, 17), 123)
    assert masking.tokenize(number, one) != masking.tokenize(number, two)
    assert masking.grant_token_key(master, "grant-1") == one


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三丰", "张**"), ("李娜", "李*"), ("欧阳娜娜", "欧***"), ("王", "*"), ("", "*")],
)
def test_SBX_3_names_keep_only_their_first_character(name: str, masked: str) -> None:
    assert masking.mask_text(name) == masked


@pytest.mark.parametrize(
    ("address", "district", "city"),
    [
        ("山东省淄博市张店区柳泉路123号", "山东省淄博市张店区", "山东省淄博市"),
        ("淄博市桓台县索镇政府街8号2号楼", "淄博市桓台县", "淄博市"),
        ("北京市海淀区中关村大街27号", "北京市海淀区", "北京市"),
        (
            "广西壮族自治区南宁市青秀区民族大道1号",
            "广西壮族自治区南宁市青秀区",
            "广西壮族自治区南宁市",
        ),
        ("山东省桓台县索镇", "山东省桓台县", "山东省"),
        ("淄博市柳泉路123号院小区", "淄博市", "淄博市"),
        ("柳泉路1号区", None, None),
        ("123号", None, None),
    ],
)
def test_SBX_3_exact_addresses_are_coarsened_to_the_district(
    address: str, district: str | None, city: str | None
) -> None:
    assert masking.district_level(address) == district
    assert masking.city_level(address) == city


@given(st.text(alphabet="山东省淄博市张店区县柳泉路号楼0123456789北京海淀", max_size=30))
def test_SBX_3_a_coarsened_address_never_keeps_a_street_or_a_number(address: str) -> None:
    for level in (masking.district_level(address), masking.city_level(address)):
        assert level is None or (address.startswith(level) and not any(c.isdigit() for c in level))
        assert level is None or not any(ch in level for ch in "路号楼")


def test_SBX_3_dates_are_generalized_to_the_month_or_the_year() -> None:
    assert masking.month_of(date(2024, 3, 17)) == "2024-03"
    assert masking.month_of(datetime(2024, 3, 17, 8, 30)) == "2024-03"
    assert masking.year_of(date(2024, 3, 17)) == "2024"


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (3_456_789, 2, 3_400_000),
        (3_456_789, 1, 3_000_000),
        (-3_456_789, 2, -3_400_000),
        (42, 2, 42),
        (0, 1, 0),
        (Decimal("0.8765"), 2, 0.87),
        (1234.5, 1, 1000.0),
    ],
)
def test_SBX_3_numbers_keep_their_leading_significant_digits(
    value: int | float | Decimal, digits: int, expected: float
) -> None:
    assert masking.significant(value, digits) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("name", "type_", "description", "kind", "by_grade"),
    [
        (
            "legal_rep_id",
            "string",
            "身份证号",
            ValueKind.RESIDENT_ID,
            ["as_is", "tokenize", "tokenize", "tokenize"],
        ),
        (
            "legal_rep_name",
            "string",
            "姓名",
            ValueKind.PERSON_NAME,
            ["as_is", "mask", "mask", "tokenize"],
        ),
        (
            "home_address",
            "string",
            "住址",
            ValueKind.ADDRESS,
            ["as_is", "coarsen", "mask", "suppress"],
        ),
        ("established_on", "date", "", ValueKind.DATE, ["as_is", "coarsen", "mask", "suppress"]),
        ("tax_paid_fen", "integer", "", ValueKind.NUMBER, ["as_is", "coarsen", "mask", "suppress"]),
        (
            "arrears_flag",
            "boolean",
            "",
            ValueKind.FLAG,
            ["as_is", "suppress", "suppress", "suppress"],
        ),
        (
            "credit_code",
            "string",
            "统一社会信用代码",
            ValueKind.CREDIT_CODE,
            ["as_is", "tokenize", "tokenize", "tokenize"],
        ),
        ("tax_grade", "string", "", ValueKind.TEXT, ["as_is", "mask", "mask", "tokenize"]),
    ],
)
def test_SBX_3_the_grade_sets_the_default_method_on_each_kinds_ladder(
    name: str, type_: str, description: str, kind: ValueKind, by_grade: list[str]
) -> None:
    for grade, expected in zip(range(1, 5), by_grade, strict=True):
        item = item_factory(name=name, type=type_, grade=grade, description=description)
        assert kind_of(item) is kind
        assert rule_for(item) is Method(expected), (name, grade)
        assert masking.STRENGTH[rule_for(item)] >= masking.STRENGTH[masking.DEFAULT_BY_GRADE[grade]]


def test_SBX_3_the_grants_masking_map_overrides_the_default() -> None:
    tax = item_factory(name="tax_paid_fen", type="integer", grade=3)
    assert rule_for(tax, "as_is") is Method.AS_IS
    name = item_factory(name="person_name", grade=2, description="姓名")
    assert rule_for(name, "tokenize") is Method.TOKENIZE


@pytest.mark.parametrize(
    ("item", "override", "says"),
    [
        (
            item_factory(name="person_id", grade=4, description="身份证号"),
            "as_is",
            "never released as is",
        ),
        (
            item_factory(name="person_id", grade=3, description="身份证号"),
            "mask",
            "cannot be masked by 'mask'",
        ),
        (item_factory(name="home_address", grade=2, description="住址"), "tokenize", "one of"),
        (item_factory(name="x", grade=2), "hash", "unknown masking method"),
        (item_factory(name="x", grade=7), None, "no valid grade"),
    ],
)
def test_SBX_3_an_override_off_the_items_ladder_is_refused(
    item: object, override: str | None, says: str
) -> None:
    with pytest.raises(DomainError, match=says) as caught:
        rule_for(item, override)  # type: ignore[arg-type]
    assert caught.value.rule == "SBX-3"


@given(resident_ids, keys)
def test_SBX_3_apply_never_lets_a_raw_id_through_unless_as_is(number: str, key: bytes) -> None:
    for method in (Method.TOKENIZE, Method.SUPPRESS):
        out = masking.apply(method, ValueKind.RESIDENT_ID, number, key)
        assert out is None or number not in str(out)
    assert masking.apply(Method.AS_IS, ValueKind.RESIDENT_ID, number, key) == number


def test_SEC_1_protection_follows_the_grade_and_grade_4_is_never_as_is() -> None:
    """Higher grades never get weaker default protection; grade 4 (important or personal
    sensitive data) gets extra protection that no grant can lift."""
    strengths = [
        masking.STRENGTH[rule_for(item_factory(name="note", type="string", grade=g))]
        for g in (1, 2, 3, 4)
    ]
    assert strengths == sorted(strengths) and strengths[0] < strengths[-1]
    with pytest.raises(DomainError, match="never released as is"):
        rule_for(item_factory(name="person_id", grade=4, description="身份证号"), "as_is")
