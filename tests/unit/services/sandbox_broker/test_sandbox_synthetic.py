"""Synthetic development data is chosen from the catalog schema alone (DESIGN §8)."""

from __future__ import annotations

import pytest

from demo.city import RESOURCES
from services.sandbox_broker.domain.synthetic import (
    TAX_GRADES,
    AddressRecipe,
    CodeRecipe,
    CompanyNameRecipe,
    CreditCodeRecipe,
    DateRecipe,
    FlagRecipe,
    LogNormalRecipe,
    PersonNameRecipe,
    ResidentIdRecipe,
    UniformRecipe,
    recipe_for,
)
from tests.unit.services.sandbox_broker.factories import item_factory


@pytest.mark.parametrize(
    ("fields", "recipe"),
    [
        ({"name": "person_id", "description": "身份证号", "grade": 4}, ResidentIdRecipe),
        ({"name": "credit_code", "description": "统一社会信用代码"}, CreditCodeRecipe),
        ({"name": "legal_rep_name", "description": "法定代表人姓名"}, PersonNameRecipe),
        ({"name": "entity_name", "description": "名称"}, CompanyNameRecipe),
        ({"name": "home_address", "description": "家庭住址"}, AddressRecipe),
        ({"name": "established_on", "type": "date"}, DateRecipe),
        ({"name": "observed_at", "type": "datetime"}, DateRecipe),
        ({"name": "registered_capital_fen", "type": "integer"}, LogNormalRecipe),
        ({"name": "months_continuous", "type": "integer"}, UniformRecipe),
        ({"name": "arrears_flag", "type": "boolean"}, FlagRecipe),
        ({"name": "station_id", "description": "站号"}, CodeRecipe),
    ],
)
def test_SBX_2_each_item_gets_a_recipe_of_its_kind(fields: dict[str, object], recipe: type) -> None:
    assert isinstance(recipe_for(item_factory(**fields)), recipe)


def test_SBX_2_plausible_distributions_follow_the_items_meaning() -> None:
    grade = recipe_for(item_factory(name="tax_grade", description="纳税信用等级"))
    assert grade == TAX_GRADES
    flag = recipe_for(item_factory(name="arrears_flag", type="boolean", description="欠缴标志"))
    assert isinstance(flag, FlagRecipe) and flag.probability < 0.2
    headcount = recipe_for(item_factory(name="insured_headcount", type="integer"))
    capital = recipe_for(item_factory(name="registered_capital_fen", type="integer"))
    assert isinstance(headcount, LogNormalRecipe) and isinstance(capital, LogNormalRecipe)
    assert headcount.median < 100 < capital.median
    birth = recipe_for(item_factory(name="birth_date", type="date", description="出生日期"))
    assert isinstance(birth, DateRecipe) and birth.start.year == 1950


def test_SBX_2_every_item_of_the_demo_catalog_has_a_recipe() -> None:
    for _, declaration in RESOURCES:
        for declared in declaration.items:
            item = item_factory(
                name=declared.name,
                type=declared.type,
                grade=declared.grade,
                description=declared.description,
            )
            assert recipe_for(item) is not None
