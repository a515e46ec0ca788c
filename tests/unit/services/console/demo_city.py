"""Every console page of the demo city, each role: the crawl that visits them, the
visible text a person reads on each, and the faults no page may show (a raw ISO
timestamp, an English state or kind). ``record_demo_city.py`` records the platform's
answers of a real ``pdo up``; ``test_console_demo_city_pages.py`` replays them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx

from services.console.labels import SERVICES_ZH, STATES_ZH, SUBJECTS_ZH
from services.console.navigation import links_for

RECORDING = Path(__file__).with_name("demo_city_answers.json")
PEOPLE = {
    "bureau": "bureau.demo",
    "provider": "provider.demo",
    "operator": "operator.demo",
    "developer": "developer.demo",
}
PASSWORD = "zibo-demo-2026"
PER_SHAPE = 2
"""Pages visited per page shape (``/applications/{id}``): two of each, not every record."""
MAX_PAGES = 80

ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RAW_ACTION = re.compile(rf"(?<![\w.-])(?:{'|'.join(SUBJECTS_ZH)})\.[a-z][a-z_]*(?![\w.-])")
"""An audited operation as the API names it (``export.approve``), not a username."""
WORD = re.compile(r"[a-z][a-z_]*[a-z]")
HIDDEN = {"script", "style", "code", "pre", "textarea", "template"}
"""Not read as page text: scripts, and what the person typed or the platform's own code
(SQL, hashes, column names) shown as code."""


def english_values() -> frozenset[str]:
    """Every state, decision, kind and severity the console names in Chinese: shown
    as it came (English), any of them is a fault."""
    return frozenset({*(key.split(".", 1)[-1] for key in STATES_ZH), *SERVICES_ZH, "login"})


class _Text(HTMLParser):
    """The text nodes, less ``HIDDEN`` elements and those marked ``lang="en"`` (an API's
    own English prose, e.g. a check's reason, marked as such for screen readers)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.english: list[str] = []
        """The tag of each open ``lang="en"`` element and of each same tag inside it."""
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        if ("lang", "en") in attrs or (self.english and tag == self.english[0]):
            self.english.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN and self.hidden:
            self.hidden -= 1
        if self.english and tag == self.english[-1]:
            self.english.pop()

    def handle_data(self, data: str) -> None:
        if not self.hidden and not self.english:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def faults(html: str, english: frozenset[str]) -> list[str]:
    """What a person must never read on a page: a raw timestamp, an English value."""
    text = visible_text(html)
    found = [f"raw timestamp {m.group(0)}" for m in ISO_TIMESTAMP.finditer(text)]
    found += [f"raw operation {m.group(0)}" for m in RAW_ACTION.finditer(text)]
    for match in WORD.finditer(text):
        before = text[max(0, match.start() - 1) : match.start()]
        after = text[match.end() : match.end() + 1]
        if (before in "-_/.=" and before) or (after in "-_/.=" and after):
            continue  # part of an id or a name (org-370300-tax, tax_grade), not a word
        if match.group(0) in english:
            around = text[max(0, match.start() - 30) : match.end() + 30]
            found.append(f"English value {match.group(0)!r} in …{around}…")
    return found


HREF = re.compile(r'href="(/console/[^"#]*)"')
SKIP = ("/console/static/", "/console/logout", "/console/login")


def shape(path: str) -> str:
    """A page's shape: its path with ids (any part with a digit) as ``{}``."""
    bare = path.split("?", 1)[0]
    return "/".join("{}" if re.search(r"[0-9]", part) else part for part in bare.split("/"))


@dataclass
class Visit:
    path: str
    status: int
    html: str


def crawl(
    get: Callable[[str], httpx.Response], role: str, extra: tuple[str, ...] = ()
) -> list[Visit]:
    """The role's home, its navigation, ``extra`` pages, and every console page linked
    from them (two of each shape), as the person would follow the links."""
    queue = ["/", *(link.path for link in links_for(role)), *extra]
    seen: set[str] = set()
    shapes: dict[str, int] = {}
    visits: list[Visit] = []
    while queue and len(visits) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        kind = shape(path)
        if shapes.get(kind, 0) >= PER_SHAPE:
            continue
        shapes[kind] = shapes.get(kind, 0) + 1
        answer = get(path)
        visits.append(Visit(path, answer.status_code, answer.text))
        for found in HREF.findall(answer.text):
            link = found.removeprefix("/console") or "/"
            if not found.startswith(SKIP) and link not in seen:
                queue.append(link.replace("&amp;", "&"))
    return visits


def key(request: httpx.Request) -> str:
    query = request.url.query.decode() if isinstance(request.url.query, bytes) else ""
    return f"{request.method} {request.url.path}{'?' + query if query else ''}"


def load() -> dict[str, Any]:
    recorded: dict[str, Any] = json.loads(RECORDING.read_text(encoding="utf-8"))
    return recorded
