"""``libs.responsibility`` (SEC-3): what counts as a record naming its organization, and
that every service declares its collections."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

from libs.responsibility import SHARED, Infrastructure, Responsible
from tests.support.lifecycle import SERVICES

REPO = Path(__file__).resolve().parents[3]


def test_SEC_3_a_record_names_its_organization_in_the_declared_field() -> None:
    declared = Responsible("provider_org_id")
    assert declared.names_one({"provider_org_id": "org-370300-tax"})
    assert not declared.names_one({"provider_org_id": ""})
    assert not declared.names_one({"provider_org_id": None})
    assert not declared.names_one({"name": "企业纳税信息"})


def test_SEC_3_a_dotted_field_reads_inside_and_a_list_counts_when_filled() -> None:
    assert Responsible("caller.org_id").names_one({"caller": {"org_id": "org-dev-1"}})
    assert not Responsible("caller.org_id").names_one({"caller": "org-dev-1"})
    assert Responsible("provider_org_ids").names_one({"provider_org_ids": ["org-a"]})
    assert not Responsible("provider_org_ids").names_one({"provider_org_ids": []})
    assert not Responsible("provider_org_ids").names_one({"provider_org_ids": ["org-a", ""]})


@pytest.mark.parametrize("service", SERVICES)
def test_SEC_3_every_service_declares_its_collections(service: str) -> None:
    repository = importlib.import_module(f"services.{service}.repository")
    declared = repository.RESPONSIBLE_ORGANIZATION
    assert declared and not set(declared) & set(SHARED)
    for declaration in declared.values():
        assert isinstance(declaration, Responsible | Infrastructure)
        if isinstance(declaration, Infrastructure):
            assert declaration.reason


def test_SEC_3_the_shared_collections_are_declared() -> None:
    assert SHARED["audit"] == Responsible("actor.org_id")
    assert isinstance(SHARED["_inbox"], Infrastructure)
    assert isinstance(SHARED["_inbox_marks"], Infrastructure)
    assert isinstance(SHARED["_sequences"], Infrastructure)


NOT_YET_WRITTEN: dict[tuple[str, str], str] = {}
"""Declared fields no code of the service writes yet (the exact set): the collections the
demo year does not exercise, so the lifecycle walk cannot see them, are caught here."""


def never_written() -> set[tuple[str, str]]:
    """(service, collection) whose declared field's name occurs in none of the service's
    modules but in its declaration."""
    found = set()
    for service in SERVICES:
        root = REPO / "services" / service
        code = "\n".join(p.read_text(encoding="utf-8") for p in root.rglob("*.py"))
        repository = importlib.import_module(f"services.{service}.repository")
        for collection, declaration in repository.RESPONSIBLE_ORGANIZATION.items():
            if isinstance(declaration, Responsible):
                name = declaration.field.split(".")[-1]
                if len(re.findall(rf"\b{re.escape(name)}\b", code)) <= 1:
                    found.add((service, collection))
    return found


def test_SEC_3_every_declared_field_is_written_by_its_service() -> None:
    assert never_written() == set(NOT_YET_WRITTEN)
