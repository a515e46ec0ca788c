"""What an installed platform carries: the container image runs ``pip install .`` (not an
editable install), so a template, static file or contract document that the package data
globs in ``pyproject.toml`` miss is absent in production while every test here, run from
the checkout, still finds it."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path, PurePosixPath

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("contracts", "libs", "services", "demo")


def package_data() -> dict[str, list[str]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    data: dict[str, list[str]] = config["tool"]["setuptools"]["package-data"]
    return data


def shipped(path: PurePosixPath, globs: dict[str, list[str]]) -> bool:
    """Whether a package's data glob (relative to the package's folder) matches ``path``."""
    for package, patterns in globs.items():
        root = PurePosixPath(*package.split("."))
        if root not in path.parents:
            continue
        inner = path.relative_to(root)
        if any(
            inner.full_match(p) if hasattr(inner, "full_match") else _match(inner, p)
            for p in patterns
        ):
            return True
    return False


def _match(inner: PurePosixPath, pattern: str) -> bool:
    """``PurePath.match`` anchored at both ends (Python 3.11 has no ``full_match``)."""
    return len(inner.parts) == len(PurePosixPath(pattern).parts) and inner.match(pattern)


def test_every_tracked_data_file_of_the_packages_is_in_the_package_data() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", *PACKAGES], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    globs = package_data()
    missing = [
        f
        for f in tracked
        if not f.endswith((".py", ".pyi")) and not shipped(PurePosixPath(f), globs)
    ]
    assert missing == []


def test_the_check_sees_a_template_in_a_folder_the_globs_miss() -> None:
    globs = {"services.console": ["templates/*.html"]}
    assert shipped(PurePosixPath("services/console/templates/home.html"), globs)
    assert not shipped(PurePosixPath("services/console/templates/provider/list.html"), globs)
