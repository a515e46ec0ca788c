"""Catalog search (目录检索): an in-memory index over the resource catalog.

Theory of operation: the store answers only equality filters, so search does not ask
it. Each catalog process keeps this index (a read model) of every resource: built from
the store at start, then kept current from the catalog's own resource events, each
handler re-reading the resource it names, so a replayed or late event cannot move an
entry backwards (``put`` ignores versions older than the one held).

Each resource gets an ordinal, in registration order; every posting is a Python ``int``
used as a bitset over ordinals. Filters (category, provider, grade, region, status) are
postings ANDed together; free text is matched by character n-grams, because Chinese has
no spaces: the query is split on whitespace into terms, all of which must occur; a term
of one character uses its unigram posting, one of two its bigram posting, and a longer
one (a phrase) the AND of its bigram postings confirmed by substring against each
candidate's text. Confirmed phrases are kept (``PHRASE_CACHE`` of them, least recently
used out) and kept exact by every ``put``, so a phrase costs its scan once. Text is
NFKC-normalized and case-folded (全角 = 半角, A = a). Results come in registration
order; the page is cut from the bitset without sorting.

Meanings: ``grade`` is the resource's grade, the highest grade of its data items
(就高从严), so ``grade=4`` finds the resources holding anything of grade 4; ``region``
covers the regions inside it (a city finds its counties' resources); without ``status``
the cancelled resources (已注销) are left out.
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from services.catalog.domain.jurisdiction import covers
from services.catalog.domain.lifecycle import State
from services.catalog.domain.resource import Resource

T = TypeVar("T")

FIELDS = ("category", "provider_org_id", "region", "grade", "status")
PHRASE_CACHE = 512
HIDDEN_BY_DEFAULT = State.CANCELLED.value

_BITS: tuple[tuple[int, ...], ...] = tuple(
    tuple(bit for bit in range(8) if byte >> bit & 1) for byte in range(256)
)
_POPCOUNT: tuple[int, ...] = tuple(len(bits) for bits in _BITS)


@dataclass(frozen=True, slots=True)
class Query:
    text: str = ""
    category: str | None = None
    provider_org_id: str | None = None
    grade: int | None = None
    region: str | None = None
    status: str | None = None
    offset: int = 0
    limit: int = 50


@dataclass(frozen=True, slots=True)
class Entry:
    """What the index knows of one resource."""

    key: str
    version: int
    sort_key: str
    segments: tuple[str, ...]
    category: str
    provider_org_id: str
    region: str
    grade: int
    status: str


def entry_of(resource: Resource, version: int) -> Entry:
    """The searchable view of a resource: name, description, item names and labels."""
    segments = [resource.name, resource.description]
    for item in resource.items:
        segments.append(item.name)
        if item.description:
            segments.append(item.description)
    return Entry(
        key=resource.resource_id,
        version=version,
        sort_key=resource.first_registration_code,
        segments=tuple(segments),
        category=resource.category,
        provider_org_id=resource.provider_org_id,
        region=resource.home_region,
        grade=resource.grade,
        status=resource.status,
    )


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def grams(text: str) -> set[str]:
    """Unigrams and bigrams of every whitespace-separated token of normalized text."""
    found: set[str] = set()
    for token in text.split():
        found.update(token)
        found.update(token[i : i + 2] for i in range(len(token) - 1))
    return found


def _term_grams(term: str) -> list[str]:
    if len(term) == 1:
        return [term]
    return [term[i : i + 2] for i in range(len(term) - 1)]


def members(bits: int) -> Iterator[int]:
    """The ordinals set in ``bits``, ascending."""
    if bits <= 0:
        return
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for index, byte in enumerate(raw):
        if byte:
            base = index * 8
            for bit in _BITS[byte]:
                yield base + bit


def select(bits: int, offset: int, limit: int) -> list[int]:
    """The ordinals set in ``bits`` from the ``offset``-th, at most ``limit`` of them."""
    chosen: list[int] = []
    if bits <= 0 or limit <= 0:
        return chosen
    raw = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    skip = offset
    for index, byte in enumerate(raw):
        if not byte:
            continue
        if skip >= _POPCOUNT[byte]:
            skip -= _POPCOUNT[byte]
            continue
        for bit in _BITS[byte]:
            if skip:
                skip -= 1
                continue
            chosen.append(index * 8 + bit)
            if len(chosen) == limit:
                return chosen
    return chosen


def _bitset(ordinals: list[int], size: int) -> int:
    buffer = bytearray(size)
    for ordinal in ordinals:
        buffer[ordinal >> 3] |= 1 << (ordinal & 7)
    return int.from_bytes(buffer, "little")


class SearchIndex(Generic[T]):
    """The index of one catalog process; ``T`` is what a hit returns (the resource)."""

    def __init__(self) -> None:
        self._ordinal: dict[str, int] = {}
        self._entries: list[Entry] = []
        self._payloads: list[T] = []
        self._texts: list[str] = []
        self._fields: dict[str, dict[Any, int]] = {f: {} for f in FIELDS}
        self._grams: dict[str, int] = {}
        self._phrases: OrderedDict[str, int] = OrderedDict()
        self._all = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> T | None:
        ordinal = self._ordinal.get(key)
        return None if ordinal is None else self._payloads[ordinal]

    def version_of(self, key: str) -> int | None:
        ordinal = self._ordinal.get(key)
        return None if ordinal is None else self._entries[ordinal].version

    def load(self, pairs: Iterable[tuple[Entry, T]]) -> int:
        """Fill an empty index in bulk, ordered by ``sort_key``; returns the count."""
        if self._entries:
            return sum(self.put(entry, payload) for entry, payload in pairs)
        ordered = sorted(pairs, key=lambda pair: (pair[0].sort_key, pair[0].key))
        fields: dict[str, dict[object, list[int]]] = {f: {} for f in FIELDS}
        postings: dict[str, list[int]] = {}
        for ordinal, (entry, payload) in enumerate(ordered):
            text = "\n".join(normalize(s) for s in entry.segments)
            self._ordinal[entry.key] = ordinal
            self._entries.append(entry)
            self._payloads.append(payload)
            self._texts.append(text)
            for name in FIELDS:
                fields[name].setdefault(getattr(entry, name), []).append(ordinal)
            for gram in grams(text):
                postings.setdefault(gram, []).append(ordinal)
        size = (len(ordered) + 7) // 8
        self._fields = {
            name: {value: _bitset(ords, size) for value, ords in by_value.items()}
            for name, by_value in fields.items()
        }
        self._grams = {gram: _bitset(ords, size) for gram, ords in postings.items()}
        self._all = (1 << len(ordered)) - 1
        return len(ordered)

    def advance(self, key: str, version: int) -> bool:
        """Record that ``key`` is at ``version`` with unchanged content (e.g. its pending
        events were published, which bumps the stored version): no posting moves. False
        (and no change) when the key is unknown or already at or past ``version``."""
        ordinal = self._ordinal.get(key)
        if ordinal is None or self._entries[ordinal].version >= version:
            return False
        self._entries[ordinal] = replace(self._entries[ordinal], version=version)
        return True

    def put(self, entry: Entry, payload: T) -> bool:
        """Add or replace one resource; False (and no change) if ``entry`` is older than
        what the index holds."""
        ordinal = self._ordinal.get(entry.key)
        text = "\n".join(normalize(s) for s in entry.segments)
        if ordinal is None:
            ordinal = len(self._entries)
            self._ordinal[entry.key] = ordinal
            self._entries.append(entry)
            self._payloads.append(payload)
            self._texts.append(text)
            old: Entry | None = None
            old_grams: set[str] = set()
            self._all |= 1 << ordinal
        else:
            old = self._entries[ordinal]
            if entry.version < old.version:
                return False
            old_grams = grams(self._texts[ordinal])
            self._entries[ordinal] = entry
            self._payloads[ordinal] = payload
            self._texts[ordinal] = text
        bit = 1 << ordinal
        for name in FIELDS:
            value = getattr(entry, name)
            if old is not None:
                previous = getattr(old, name)
                if previous == value:
                    continue
                self._unset(self._fields[name], previous, bit)
            by_value = self._fields[name]
            by_value[value] = by_value.get(value, 0) | bit
        new_grams = grams(text)
        for gram in old_grams - new_grams:
            self._unset(self._grams, gram, bit)
        for gram in new_grams - old_grams:
            self._grams[gram] = self._grams.get(gram, 0) | bit
        for phrase, posting in self._phrases.items():
            if phrase in text:
                self._phrases[phrase] = posting | bit
            elif posting & bit:
                self._phrases[phrase] = posting & ~bit
        return True

    def _phrase(self, phrase: str) -> int:
        """The exact posting of a phrase of three or more characters."""
        known = self._phrases.get(phrase)
        if known is not None:
            self._phrases.move_to_end(phrase)
            return known
        candidates = self._all
        for gram in _term_grams(phrase):
            candidates &= self._grams.get(gram, 0)
            if not candidates:
                break
        texts = self._texts
        exact = _bitset(
            [o for o in members(candidates) if phrase in texts[o]],
            (candidates.bit_length() + 7) // 8,
        )
        self._phrases[phrase] = exact
        if len(self._phrases) > PHRASE_CACHE:
            self._phrases.popitem(last=False)
        return exact

    @staticmethod
    def _unset(postings: dict[Any, int], key: object, bit: int) -> None:
        remaining = postings.get(key, 0) & ~bit
        if remaining:
            postings[key] = remaining
        else:
            postings.pop(key, None)

    def search(self, query: Query) -> tuple[list[T], int]:
        """One page of matches in registration order, and how many match in all."""
        bits = self._all
        fields = self._fields
        if query.status is None:
            bits &= ~fields["status"].get(HIDDEN_BY_DEFAULT, 0)
        else:
            bits &= fields["status"].get(query.status, 0)
        for name, value in (
            ("category", query.category),
            ("provider_org_id", query.provider_org_id),
            ("grade", query.grade),
        ):
            if value is not None:
                bits &= fields[name].get(value, 0)
        if query.region is not None:
            region = query.region
            inside = 0
            for value, posting in fields["region"].items():
                if isinstance(value, str) and covers(region, value):
                    inside |= posting
            bits &= inside
        for term in normalize(query.text).split():
            if not bits:
                break
            bits &= self._grams.get(term, 0) if len(term) <= 2 else self._phrase(term)
        payloads = self._payloads
        page = [payloads[o] for o in select(bits, query.offset, query.limit)]
        return page, bits.bit_count()
