"""No test reads beside the repository: a session-wide audit hook (``sys.addaudithook``).

A clone of the project in an empty folder must pass its tests, so nothing may read a
file that only exists next to a developer's checkout (such as ``../shared``). The hook
records every ``open`` (and directory listing) of a path that resolves inside the
repository's parent folder but outside the repository; ``pytest_sessionfinish`` fails
the session when one happened and prints the paths. Paths elsewhere (``/tmp``, the
system, site-packages) are not this hook's concern. Child processes (``pdo up`` started
by a test) run their own interpreter, outside the hook.
"""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]

_EVENTS = frozenset({"open", "os.listdir", "os.scandir"})


class OutsideReads:
    """Records paths opened in ``repo``'s parent folder but outside ``repo``."""

    def __init__(self, repo: Path) -> None:
        self.repo = os.path.realpath(repo)
        self.parent = os.path.dirname(self.repo)
        self.seen: list[str] = []
        self.active = True
        self._busy = threading.local()

    def observe(self, event: str, args: tuple[Any, ...]) -> None:
        """The audit hook: never raises, never re-enters itself."""
        if not self.active or event not in _EVENTS or not args:
            return
        if getattr(self._busy, "on", False):
            return
        self._busy.on = True
        try:
            path = args[0]
            if isinstance(path, bytes):
                path = os.fsdecode(path)
            if isinstance(path, os.PathLike):
                path = os.fspath(path)
            if isinstance(path, str) and self.is_outside(path):
                self.seen.append(path)
        except Exception:  # an audit hook that raises would break the open itself
            pass
        finally:
            self._busy.on = False

    def is_outside(self, path: str) -> bool:
        """Beside the repository: under its parent folder, not under the repository."""
        resolved = os.path.realpath(path)
        inside_parent = resolved.startswith(self.parent + os.sep)
        inside_repo = resolved == self.repo or resolved.startswith(self.repo + os.sep)
        return inside_parent and not inside_repo

    def install(self) -> None:
        sys.addaudithook(self.observe)


SESSION = OutsideReads(REPO)
"""The recorder of this test session, installed by ``pytest_configure``."""
_installed = False


def pytest_configure(config: pytest.Config) -> None:
    global _installed
    if not _installed:  # an audit hook cannot be removed: install it once per process
        SESSION.install()
        _installed = True


def installed() -> bool:
    return _installed


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not SESSION.seen:
        return
    paths = sorted(set(SESSION.seen))
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_sep(
            "=", f"tests read {len(paths)} path(s) outside the repository {REPO}", red=True
        )
        for path in paths:
            reporter.write_line(f"  {path}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
