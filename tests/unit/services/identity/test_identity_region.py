"""Administrative division codes (GB/T 2260): shape, known provinces, Shandong's cities and
Zibo's districts and counties; a county belongs to its city. Pure."""

from __future__ import annotations

import pytest

from contracts.errors import DomainError
from libs.auth.principal import covers
from services.identity.domain.region import ZIBO_COUNTIES, check, city_of, name_of


@pytest.mark.parametrize(
    "code", ["370000", "370300", "370302", "370303", "370323", "370700", "110000", "440300"]
)
def test_known_codes_pass(code: str) -> None:
    assert check(code) == code


@pytest.mark.parametrize(
    ("code", "named"),
    [
        ("37030", "six-digit"),
        ("037030", "six-digit"),
        ("abcdef", "six-digit"),
        ("990000", "no province"),
        ("371200", "not a city of 山东省"),  # 莱芜 merged into 济南 in 2019
        ("379900", "not a city of 山东省"),
        ("370399", "not a district or county of 淄博市"),
    ],
)
def test_unknown_codes_are_refused(code: str, named: str) -> None:
    with pytest.raises(DomainError, match=named) as refused:
        check(code)
    assert refused.value.rule == "GB/T 2260"


def test_zibo_has_five_districts_and_three_counties_all_under_the_city() -> None:
    assert len(ZIBO_COUNTIES) == 8
    for code in ZIBO_COUNTIES:
        assert city_of(code) == "370300"
        assert covers("370300", code) and not covers(code, "370300")
    assert name_of("370303") == "张店区" and name_of("370300") == "淄博市"
    assert name_of("370000") == "山东省"
