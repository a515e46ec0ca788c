"""From a grant to a mount plan: granted items only, masked by grade, one sandbox per
environment (SBX-1, SBX-2, SBX-3, REQ-2, REQ-5, CAT-2)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from contracts.errors import DomainError, NotFound
from services.sandbox_broker.domain.masking import Method
from services.sandbox_broker.domain.plan import Environment, plan_sandbox, sandbox_id_for
from tests.unit.services.sandbox_broker.factories import (
    demo_schemas,
    grant_factory,
    granted_factory,
    resource_id,
)


def test_SBX_1_only_the_granted_items_are_mounted() -> None:
    grant = grant_factory(
        resources=[granted_factory(items=["credit_code", "legal_rep_name", "region_code"])]
    )
    plan = plan_sandbox(grant, demo_schemas(), Environment.PRODUCTION)
    (mount,) = plan.mounts
    assert [c.name for c in mount.columns] == ["credit_code", "legal_rep_name", "region_code"]
    assert "legal_rep_id" not in {c.name for c in mount.columns}
    assert (
        len(mount.schema) == 10
    )  # the whole registered schema, for row filters and synthetic data


def test_SBX_2_each_grant_has_one_development_and_one_production_sandbox() -> None:
    grant = grant_factory()
    dev = plan_sandbox(grant, demo_schemas(), Environment.DEVELOPMENT)
    prod = plan_sandbox(grant, demo_schemas(), Environment.PRODUCTION)
    assert dev.sandbox_id == "sbx-dev-g-credit-1" and prod.sandbox_id == "sbx-pro-g-credit-1"
    assert dev.mounts == prod.mounts  # same tables, columns and masking in both
    assert dev.digest() != prod.digest()


def test_SBX_2_a_grant_id_that_is_not_a_plain_identifier_is_refused() -> None:
    with pytest.raises(DomainError) as caught:
        sandbox_id_for("../../etc", Environment.PRODUCTION)
    assert caught.value.rule == "SBX-2"


def test_SBX_3_each_column_carries_its_masking_method_and_masked_type() -> None:
    grant = grant_factory(
        resources=[granted_factory(masking={"registered_capital_fen": "coarsen"})]
    )
    (mount,) = plan_sandbox(grant, demo_schemas(), Environment.PRODUCTION).mounts
    methods = {c.name: (c.method, c.column_type) for c in mount.columns}
    assert methods["legal_rep_id"] == (Method.TOKENIZE, "VARCHAR")
    assert methods["legal_rep_name"] == (Method.MASK, "VARCHAR")
    assert methods["registered_address"] == (Method.COARSEN, "VARCHAR")
    assert methods["credit_code"] == (Method.AS_IS, "VARCHAR")
    assert methods["registered_capital_fen"] == (Method.COARSEN, "BIGINT")


def test_SBX_3_masking_for_an_item_that_is_not_granted_is_refused() -> None:
    grant = grant_factory(
        resources=[granted_factory(items=["credit_code"], masking={"legal_rep_id": "suppress"})]
    )
    with pytest.raises(DomainError, match="not a granted item") as caught:
        plan_sandbox(grant, demo_schemas(), Environment.PRODUCTION)
    assert caught.value.rule == "SBX-3"


def test_REQ_2_an_item_that_is_not_registered_is_refused() -> None:
    grant = grant_factory(resources=[granted_factory(items=["credit_code", "salary"])])
    with pytest.raises(DomainError, match="'salary' is not registered") as caught:
        plan_sandbox(grant, demo_schemas(), Environment.PRODUCTION)
    assert caught.value.rule == "REQ-2"


def test_CAT_2_a_negative_listed_item_never_enters_a_sandbox() -> None:
    schemas = demo_schemas()
    key = resource_id("market_registration")
    schemas[key] = replace(schemas[key], withheld=frozenset({"legal_rep_id"}))
    with pytest.raises(DomainError, match="negative list") as caught:
        plan_sandbox(grant_factory(), schemas, Environment.PRODUCTION)
    assert caught.value.rule == "CAT-2"


def test_REQ_5_an_unknown_resource_or_one_granted_twice_is_refused() -> None:
    with pytest.raises(NotFound):
        plan_sandbox(
            grant_factory(resources=[granted_factory(resource_id="res-unknown")]),
            demo_schemas(),
            Environment.PRODUCTION,
        )
    with pytest.raises(DomainError, match="granted twice"):
        plan_sandbox(
            grant_factory(resources=[granted_factory(), granted_factory()]),
            demo_schemas(),
            Environment.PRODUCTION,
        )
    with pytest.raises(DomainError, match="at least one resource"):
        plan_sandbox(grant_factory(resources=[]), demo_schemas(), Environment.PRODUCTION)


def test_SBX_1_output_names_are_reserved_for_job_outputs() -> None:
    schemas = demo_schemas()
    key = resource_id("market_registration")
    schemas[key] = replace(schemas[key], table="output_registry")
    with pytest.raises(DomainError, match="reserved") as caught:
        plan_sandbox(grant_factory(), schemas, Environment.PRODUCTION)
    assert caught.value.rule == "SBX-1"


def test_REQ_5_the_row_filter_travels_with_the_mount_and_into_the_digest() -> None:
    plain = plan_sandbox(grant_factory(), demo_schemas(), Environment.PRODUCTION)
    filtered = plan_sandbox(
        grant_factory(resources=[granted_factory(row_filter=" region_code = '370303' ")]),
        demo_schemas(),
        Environment.PRODUCTION,
    )
    assert filtered.mounts[0].row_filter == "region_code = '370303'"
    assert filtered.digest() != plain.digest()
    assert (
        plain.digest()
        == plan_sandbox(grant_factory(), demo_schemas(), Environment.PRODUCTION).digest()
    )


def test_FED_2_each_mount_carries_the_region_of_origin_the_grant_records() -> None:
    grant = grant_factory(
        resources=[
            granted_factory(items=["credit_code"], origin_region="370000"),
            granted_factory("tax_payments", items=["credit_code"], origin_region="370300"),
        ]
    )
    mounts = plan_sandbox(grant, demo_schemas(), Environment.DEVELOPMENT).mounts
    assert {m.table: m.origin_region for m in mounts} == {
        "market_registration": "370000",
        "tax_payments": "370300",
    }
