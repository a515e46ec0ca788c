"""Schema evolution guard: within a major version, fields may only be added, optionally.

``contracts/baseline/v<major>.json`` freezes the schemas as first published for a major
version. A change breaks old consumers when it removes a schema or a field, retypes a
field, or makes a new field required; ``breaking_changes`` names each such change.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contracts.asyncapi import schema_components
from contracts.envelope import SCHEMA_VERSION

BASELINE = Path(__file__).parent / "baseline" / f"v{SCHEMA_VERSION}.json"


def breaking_changes(baseline: dict[str, Any], current: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    for name, old in baseline.items():
        new = current.get(name)
        if new is None:
            problems.append(f"{name}: schema removed")
            continue
        old_props: dict[str, Any] = old.get("properties", {})
        new_props: dict[str, Any] = new.get("properties", {})
        for field, old_schema in old_props.items():
            if field not in new_props:
                problems.append(f"{name}.{field}: field removed")
            elif new_props[field] != old_schema:
                problems.append(f"{name}.{field}: type changed")
        added_required = set(new.get("required", [])) - set(old.get("required", []))
        for field in sorted(added_required):
            problems.append(f"{name}.{field}: new field is required (give it a default)")
    return problems


def load_baseline(path: Path = BASELINE) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def write_baseline(path: Path = BASELINE) -> Path:
    """Freeze the current schemas as the baseline of this major version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(schema_components(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return path
