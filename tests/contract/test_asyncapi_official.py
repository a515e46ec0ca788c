"""The published AsyncAPI document as a third party sees it (issue 11 item 5): it loads
in the official parser (``@asyncapi/parser`` from npm) with zero errors and zero
warnings, and it validates against the official AsyncAPI 3.0.0 JSON Schema.

The parser is installed once, at a pinned version, into ``~/.cache/pdo`` with
``npm install --prefix``; ``node`` and ``npm`` are needed (the suite installs nothing
else with them)."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from contracts import asyncapi

PARSER_VERSION = "3.6.6"
"""``@asyncapi/parser``, pinned; it brings ``@asyncapi/specs`` (the official schemas)."""

CACHE = Path.home() / ".cache" / "pdo" / f"asyncapi-parser-{PARSER_VERSION}"
SCRIPT = Path(__file__).with_name("asyncapi_parse.cjs")
DOCUMENT = asyncapi.HERE / "asyncapi.json"

ALLOWED_INFORMATION = {"asyncapi-latest-version"}
"""The parser recommends 3.1.0; the contract is 3.0.0 on purpose (issue 11)."""


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is needed to check the AsyncAPI document (install Node.js)")
    return found


@pytest.fixture(scope="module")
def parser_dir() -> Iterator[Path]:
    """The pinned parser under ~/.cache/pdo, installed once (a lock keeps two test runs
    from installing into the same directory at once)."""
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    with open(CACHE.parent / f"asyncapi-parser-{PARSER_VERSION}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        marker = CACHE / "node_modules" / "@asyncapi" / "parser" / "package.json"
        if not marker.exists():
            CACHE.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [_tool("npm"), "install", "--prefix", str(CACHE), "--no-audit", "--no-fund",
                 "--ignore-scripts", f"@asyncapi/parser@{PARSER_VERSION}"],
                check=True, capture_output=True, text=True, timeout=600,
            )  # fmt: skip
        installed = json.loads(marker.read_text(encoding="utf-8"))["version"]
        assert installed == PARSER_VERSION
    yield CACHE


def parse(parser_dir: Path, document: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every diagnostic of the official parser, and its summary line."""
    done = subprocess.run(
        [_tool("node"), str(SCRIPT), str(parser_dir), str(document)],
        check=False, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return lines[:-1], lines[-1]


def test_asyncapi_document_loads_in_the_official_parser_with_no_error_or_warning(
    parser_dir: Path,
) -> None:
    diagnostics, summary = parse(parser_dir, DOCUMENT)
    print(json.dumps(summary))  # the contract check's output, for the closing note
    assert summary["loaded"] is True
    assert summary["summary"]["error"] == 0, diagnostics[:10]
    assert summary["summary"]["warning"] == 0, diagnostics[:10]
    others = {d["code"] for d in diagnostics if d["severity"] in ("information", "hint")}
    assert others <= ALLOWED_INFORMATION, others


def test_the_parser_check_fails_on_an_object_discriminator(
    parser_dir: Path, tmp_path: Path
) -> None:
    """The check can fail: the envelope as it was published before issue 11 (an
    OpenAPI-style discriminator object), in an otherwise minimal document, is refused
    with errors and does not load."""
    envelope = asyncapi.build_asyncapi()["components"]["schemas"]["Envelope"]
    envelope["properties"]["payload"] = {
        "type": "object",
        "discriminator": {"propertyName": "type"},
    }
    doc = {
        "asyncapi": "3.0.0",
        "info": {"title": "broken", "version": "1.0.0"},
        "components": {"schemas": {"Envelope": envelope}},
    }
    broken = tmp_path / "asyncapi.json"
    broken.write_text(json.dumps(doc), encoding="utf-8")
    diagnostics, summary = parse(parser_dir, broken)
    assert summary["summary"]["error"] > 0 and summary["loaded"] is False
    assert any("discriminator" in d["message"] for d in diagnostics)


def test_asyncapi_document_validates_against_the_official_3_0_0_json_schema(
    parser_dir: Path,
) -> None:
    specs = parser_dir / "node_modules" / "@asyncapi" / "specs" / "schemas"
    official = json.loads((specs / "3.0.0-without-$id.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(official)
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(
        json.loads(DOCUMENT.read_text(encoding="utf-8"))
    )]  # fmt: skip
    assert errors == []
