"""The rule catalogue (规则目录): every rule the platform enforces or plans, as data.

``catalogue.toml`` beside this module is the one source: each rule's id, its title in
Chinese and English, a short statement in Chinese, the policy texts and articles it comes
from, its jurisdiction settings (辖区设置) with the values those texts give, the services
and modules that enforce it, and whether it is ``enforced`` or ``planned`` (with the
issue that will build it). Refusals link to ``/rules/<id>`` (``url``); the HTTP layer
serves those pages and ``/rules.json`` from what this module loads. Loading checks the
file's own consistency and raises ``CatalogueError`` naming the entry at fault.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from typing import Literal

import msgspec

from contracts.topics import REGION_PATTERN, SERVICES

CATALOGUE_FILE = "catalogue.toml"

Status = Literal["enforced", "planned"]


class CatalogueError(ValueError):
    """``catalogue.toml`` is malformed or contradicts itself."""


class Document(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A policy text that rules cite (000 Zibo plan, 001 Weifang measures, ...)."""

    short: str
    title: str
    region: str
    """The GB/T 2260 code of the issuing government; empty for national texts."""
    published: str


class Source(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Where a rule comes from: a key of ``Catalogue.documents`` and the article in it."""

    doc: str
    article: str


class Setting(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A jurisdiction setting of a rule: the value each source text gives, by region."""

    name: str
    """The setting's name as the enforcing service stores it (e.g. ``max_term_years``)."""
    title: str
    default: str
    """The platform's value where no text of the region gives one."""
    values: dict[str, str] = msgspec.field(default_factory=dict)
    """Region code → what that region's text says."""


class Rule(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One rule, e.g. AUTH-3 (the agreement's term)."""

    id: str
    title_zh: str
    title_en: str
    statement: str
    """One to three sentences in Chinese, in our own words."""
    sources: tuple[Source, ...]
    services: tuple[str, ...]
    modules: tuple[str, ...]
    """Repository paths of the modules that enforce it (none while it is planned)."""
    status: Status
    issue: int | None = None
    """The issue that will build a ``planned`` rule."""
    settings: tuple[Setting, ...] = ()

    @property
    def family(self) -> str:
        return self.id.split("-", 1)[0]

    @property
    def url(self) -> str:
        return url(self.id)


class Catalogue(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    version: int
    documents: dict[str, Document]
    families: dict[str, str]
    """Family prefix (``AUTH``) → its name in Chinese, in the catalogue's order."""
    rules: tuple[Rule, ...]

    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.rules)

    def mention(self) -> re.Pattern[str]:
        """A pattern finding rule ids of the catalogue's families in free text."""
        families = "|".join(sorted(self.families, key=len, reverse=True))
        return re.compile(rf"\b(?:{families})-\d+\b")


def url(rule_id: str) -> str:
    """The public page of a rule: ``/rules/AUTH-3``."""
    return f"/rules/{rule_id}"


def parse(text: str | bytes) -> Catalogue:
    """Decode and check a catalogue (``CatalogueError`` when it is inconsistent)."""
    try:
        decoded = msgspec.toml.decode(text, type=Catalogue)
    except msgspec.DecodeError as exc:  # ValidationError is a DecodeError
        raise CatalogueError(f"{CATALOGUE_FILE}: {exc}") from exc
    return check(decoded)


def check(catalogue: Catalogue) -> Catalogue:
    """Every id well formed and unique, every reference known, every status complete."""
    seen: set[str] = set()
    id_pattern = re.compile(r"^([A-Z]+)-([1-9]\d*)$")
    for rule in catalogue.rules:
        where = f"{CATALOGUE_FILE}: {rule.id}"
        matched = id_pattern.match(rule.id)
        if matched is None or matched.group(1) not in catalogue.families:
            raise CatalogueError(f"{where}: not an id of a known family")
        if rule.id in seen:
            raise CatalogueError(f"{where}: listed twice")
        seen.add(rule.id)
        if not (rule.title_zh and rule.title_en and rule.statement and rule.sources):
            raise CatalogueError(f"{where}: needs both titles, a statement and a source")
        for source in rule.sources:
            if source.doc not in catalogue.documents:
                raise CatalogueError(f"{where}: unknown document {source.doc!r}")
        unknown = sorted(set(rule.services) - set(SERVICES))
        if unknown or not rule.services:
            raise CatalogueError(f"{where}: services must name known services: {unknown}")
        if rule.status == "planned" and rule.issue is None:
            raise CatalogueError(f"{where}: a planned rule names the issue that builds it")
        if rule.status == "enforced" and (rule.issue is not None or not rule.modules):
            raise CatalogueError(f"{where}: an enforced rule names its modules and no issue")
        names = [s.name for s in rule.settings]
        if len(set(names)) != len(names):
            raise CatalogueError(f"{where}: a setting is listed twice")
        for setting in rule.settings:
            bad = [r for r in setting.values if not REGION_PATTERN.match(r)]
            if bad:
                raise CatalogueError(f"{where}: {setting.name}: not region codes: {bad}")
    return catalogue


@cache
def catalogue() -> Catalogue:
    """The catalogue shipped with this package (read once)."""
    return parse((files(__package__) / CATALOGUE_FILE).read_bytes())


@cache
def _by_id() -> dict[str, Rule]:
    return {r.id: r for r in catalogue().rules}


def rule(rule_id: str) -> Rule | None:
    """The rule with this id, or ``None`` when the catalogue does not know it."""
    return _by_id().get(rule_id)


def as_json() -> bytes:
    """The whole catalogue as JSON, as ``/rules.json`` publishes it."""
    return msgspec.json.encode(catalogue())


__all__ = [
    "Catalogue",
    "CatalogueError",
    "Document",
    "Rule",
    "Setting",
    "Source",
    "as_json",
    "catalogue",
    "check",
    "parse",
    "rule",
    "url",
]
