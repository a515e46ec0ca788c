"""Every console page of the demo city, for each demo person (bureau, provider, operator,
developer), rendered from what a real ``pdo up`` answered (``demo_city_answers.json``,
recorded by ``record_demo_city.py``): no page shows a raw ISO timestamp or an English
state, kind, severity, role or result — the faults found on the screenshots."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.unit.services.console.demo_city import (
    PEOPLE,
    english_values,
    faults,
    key,
    load,
    visible_text,
)
from tests.unit.services.console.mock_platform import MockConsole

RECORDED = load()


class Replay:
    """The platform as recorded; a call the recording lacks is noted (and answered 404)."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.by_path = {k.split("?", 1)[0]: v for k, v in answers.items()}
        self.missing: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        asked = key(request)
        found = self.answers.get(asked) or self.by_path.get(asked.split("?", 1)[0])
        if found is None:
            self.missing.append(asked)
            return httpx.Response(404, json={"status": 404})
        status, body = found
        return httpx.Response(status, json=body)


@pytest.mark.parametrize("role", sorted(PEOPLE))
def test_every_console_page_of_the_demo_city_shows_chinese_states_and_local_times(
    role: str, mock_console: MockConsole
) -> None:
    recorded = RECORDED[role]
    platform = Replay(recorded["answers"])
    client = mock_console(platform, **recorded["claims"])
    english = english_values()
    seen: dict[str, list[str]] = {}
    for path in recorded["pages"]:
        shown = client.get(path, follow_redirects=False)
        assert shown.status_code < 500, (path, shown.text[-500:])
        found = faults(shown.text, english)
        if found:
            seen[path] = found
    assert platform.missing == [], (
        "re-record: python tests/unit/services/console/record_demo_city.py"
    )
    assert seen == {}
    assert len(recorded["pages"]) >= 10  # the whole navigation and the records it links


def test_the_page_audit_finds_a_raw_timestamp_and_an_english_severity() -> None:
    english = english_values()
    html = (
        "<main><p>低 <span>low 1</span></p><td>2026-03-01T09:00:00Z</td>"
        "<code>status = 'low'</code><td>org-370300-low</td><td>tax_grade</td></main>"
    )
    found = faults(html, english)
    assert found[0] == "raw timestamp 2026-03-01T09:00"
    assert len(found) == 2 and "'low'" in found[1]
    assert visible_text("<p>a<code>b</code>c</p>") == "a c"
    assert visible_text('<p>a<td lang="en">the <td>low</td> x</td>c</p>') == "a c"
    assert faults("<td>2026-03-01 17:00</td><td>一般 1</td>", english) == []
    assert faults("<td>identity</td><td>export.approve</td>", english) == [
        "raw operation export.approve",
        "English value 'identity' in …identity export.approve…",
    ]
