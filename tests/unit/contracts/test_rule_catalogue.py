"""The rule catalogue loads, checks its own consistency, and says what each rule is."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib.resources import files

import msgspec
import pytest

from contracts.rules import CatalogueError, as_json, catalogue, parse, rule, url

MINIMAL = """
version = 1
[documents.zibo]
short = "淄博实施方案"
title = "淄博市公共数据资源授权运营实施方案"
region = "370300"
published = ""
[families]
AUTH = "运营机构授权"
[[rules]]
id = "AUTH-1"
title_zh = "唯有实施机构授权"
title_en = "Only the bureau authorizes"
statement = "只有实施机构授权。"
sources = [{ doc = "zibo", article = "§4.1" }]
services = ["identity"]
modules = ["services/identity/domain/authorizing.py"]
status = "enforced"
"""


def test_the_shipped_catalogue_is_package_data_and_parses() -> None:
    text = (files("contracts.rules") / "catalogue.toml").read_text(encoding="utf-8")
    assert parse(text) == catalogue()
    assert len(catalogue().rules) == len(set(catalogue().ids())) >= 70


def test_a_rule_has_its_titles_sources_and_jurisdiction_values() -> None:
    term = rule("AUTH-3")
    assert term is not None and term.title_zh == "授权运营协议期限"
    assert term.url == url("AUTH-3") == "/rules/AUTH-3"
    assert {s.doc for s in term.sources} >= {"zibo", "weifang"}
    (setting,) = term.settings
    assert setting.name == "max_term_years"
    assert "3年" in setting.values["370300"] and "5年" in setting.values["370700"]
    assert rule("AUTH-99") is None


def test_planned_rules_name_the_issue_that_builds_them() -> None:
    planned = {r.id: r.issue for r in catalogue().rules if r.status == "planned"}
    assert planned == {}  # issue 11 built FED-2 and FED-3, the last planned rules


def test_every_rule_cites_only_documents_the_catalogue_describes() -> None:
    documents = catalogue().documents
    regions = {d.region for d in documents.values()}
    assert {"370300", "370700", "421200", "640100", "520000"} <= regions
    assert all(s.doc in documents for r in catalogue().rules for s in r.sources)


def test_the_json_form_round_trips() -> None:
    published = json.loads(as_json())
    assert [r["id"] for r in published["rules"]] == list(catalogue().ids())
    assert msgspec.json.decode(as_json(), type=type(catalogue())) == catalogue()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda t: t + t[t.index("[[rules]]") :], "listed twice"),
        (lambda t: t.replace('doc = "zibo"', 'doc = "nowhere"'), "unknown document"),
        (lambda t: t.replace('id = "AUTH-1"', 'id = "XYZ-1"'), "known family"),
        (lambda t: t.replace('id = "AUTH-1"', 'id = "AUTH-01"'), "known family"),
        (lambda t: t.replace('status = "enforced"', 'status = "planned"'), "names the issue"),
        (lambda t: t.replace('["identity"]', '["registry"]'), "known services"),
        (lambda t: t.replace('modules = ["services', 'modules = [] # "'), "names its modules"),
        (lambda t: t.replace('status = "enforced"', 'status = "done"'), "status"),
        (lambda t: t.replace('title_zh = "唯有实施机构授权"', 'title_zh = ""'), "titles"),
        (
            lambda t: (
                t + '[[rules.settings]]\nname = "x"\ntitle = "x"\ndefault = "1"\n'
                'values = { "Zibo" = "3" }\n'
            ),
            "not region codes",
        ),
    ],
)
def test_an_inconsistent_catalogue_is_refused_naming_the_fault(
    change: Callable[[str], str], says: str
) -> None:
    assert parse(MINIMAL).ids() == ("AUTH-1",)
    with pytest.raises(CatalogueError, match=says):
        parse(change(MINIMAL))
