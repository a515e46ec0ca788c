"""Schema evolution guard: within a major version, fields may only be added, optionally.

``contracts/baseline/v<major>.json`` freezes the schemas as first published for a major
version. A change breaks old consumers when it removes a schema or a field, retypes a
field, or makes a new field required; ``breaking_changes`` names each such change.
Adding a new event type (the envelope's payload union grows) is compatible: consumers
skip event types they do not know (``libs.bus.consumer``).
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
            elif (
                not _widened_union(old_schema, new_props[field]) and new_props[field] != old_schema
            ):
                problems.append(f"{name}.{field}: type changed")
        added_required = set(new.get("required", [])) - set(old.get("required", []))
        for field in sorted(added_required):
            problems.append(f"{name}.{field}: new field is required (give it a default)")
    return problems


def _widened_union(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when ``new`` is the tagged union ``old`` plus more members, nothing else."""
    if "anyOf" not in old or "anyOf" not in new:
        return False
    old_members = [m.get("$ref") for m in old["anyOf"]]
    new_members = [m.get("$ref") for m in new["anyOf"]]
    if not set(old_members) <= set(new_members):
        return False
    old_map = old.get("discriminator", {}).get("mapping", {})
    new_map = new.get("discriminator", {}).get("mapping", {})
    if any(new_map.get(tag) != ref for tag, ref in old_map.items()):
        return False
    rest_old = {k: v for k, v in old.items() if k not in ("anyOf", "discriminator")}
    rest_new = {k: v for k, v in new.items() if k not in ("anyOf", "discriminator")}
    return rest_old == rest_new


def load_baseline(path: Path = BASELINE) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the contract baseline must be a JSON object")
    return data


def write_baseline(path: Path = BASELINE) -> Path:
    """Freeze the current schemas as the baseline of this major version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(schema_components(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return path
