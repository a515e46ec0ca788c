"""The DuckDB lockdown of a sandbox connection (SBX-2), and how to prove it took.

Order matters: the startup settings go into ``connect``; then the databases are
attached; then limits and directories are set; external access goes off; and
``lock_configuration`` comes last, after which no ``SET``, ``RESET`` or ``PRAGMA`` can
undo any of it. ``read_back`` reads the settings in force from ``duckdb_settings()`` and
``problems`` names any that are not as required, so a job never runs on a connection
whose lockdown did not take (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

STARTUP: dict[str, str] = {
    "autoinstall_known_extensions": "false",
    "autoload_known_extensions": "false",
    "allow_community_extensions": "false",
    "allow_unsigned_extensions": "false",
    "python_enable_replacements": "false",
    "python_scan_all_frames": "false",
}
"""Settings given to ``duckdb.connect``: no extension may be fetched or loaded on its own,
and no Python object of the job process can be scanned as a table."""

REQUIRED: dict[str, str] = {
    **STARTUP,
    "enable_external_access": "false",
    "lock_configuration": "true",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """Resources of one job process (jurisdiction settings of the broker)."""

    memory_mb: int = 1024
    threads: int = 2
    temp_mb: int = 1024
    timeout_s: float = 60.0
    output_mb: int = 4096
    """Largest file the process may write (its outputs database, temporary files)."""
    headroom_mb: int = 1024
    """Address space beyond ``memory_mb`` for the interpreter, DuckDB's code and stacks."""

    def to_json(self) -> dict[str, Any]:
        return {
            "memory_mb": self.memory_mb,
            "threads": self.threads,
            "temp_mb": self.temp_mb,
            "timeout_s": self.timeout_s,
            "output_mb": self.output_mb,
            "headroom_mb": self.headroom_mb,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Limits:
        return cls(**data)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def statements(limits: Limits, work: Path, *, search_path: str = "") -> list[str]:
    """The ``SET`` statements that lock a connection down, ``lock_configuration`` last."""
    sets = [
        f"SET memory_limit = '{limits.memory_mb}MB'",
        f"SET threads = {limits.threads}",
        f"SET temp_directory = {_literal(str(work / 'tmp'))}",
        f"SET max_temp_directory_size = '{limits.temp_mb}MB'",
        f"SET extension_directory = {_literal(str(work / 'no-extensions'))}",
        f"SET secret_directory = {_literal(str(work / 'no-secrets'))}",
        "SET enable_profiling = 'no_output'",
    ]
    if search_path:
        sets.append(f"SET search_path = {_literal(search_path)}")
    sets += ["SET enable_external_access = false", "SET lock_configuration = true"]
    return sets


READ_BACK = (
    *REQUIRED,
    "memory_limit",
    "threads",
    "max_temp_directory_size",
    "temp_directory",
)


def read_back_query() -> str:
    names = ", ".join(_literal(name) for name in READ_BACK)
    return f"SELECT name, value FROM duckdb_settings() WHERE name IN ({names})"  # noqa: S608 — constants


def problems(settings: dict[str, str]) -> list[str]:
    """Every required setting that is not in force."""
    return [
        f"{name} is {settings.get(name)!r}, must be {value!r}"
        for name, value in REQUIRED.items()
        if str(settings.get(name, "")).lower() != value
    ]
