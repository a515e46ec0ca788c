"""Operating-system isolation of a job process (SBX-2): no network, its own user, limits.

DuckDB says SQL is code, so the process that runs a job is isolated as untrusted code
would be. ``enter`` runs first thing inside the child, before it reads any job input
into DuckDB: it moves the process into a new, empty network namespace (no interface but
a loopback that is down, so every connect fails), sets resource limits (address space,
CPU seconds, file size, open files, processes, no core dumps), drops to the sandbox's own
user and group with no supplementary groups, and forbids regaining privileges. The
child starts with an empty environment (``child_environment``), so no secret of the
broker is inherited.

A network namespace and a user switch need root (in Kubernetes: the broker's container
runs as root with CAP_SYS_ADMIN, CAP_SETUID and CAP_SETGID, see the chart). In
distributed mode the executor refuses to exist without them, so every provisioning and
job is refused with the reason (``require_isolation``). Only embedded mode (a laptop or
a pilot) runs without root, with network blocked at the DuckDB level alone (external
access off), and says so in every provisioning and job report. Jobs run as child
processes of the broker's pod; the pod's egress NetworkPolicy adds a second wall.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

CLONE_NEWNET = 0x40000000
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
_MB = 1024 * 1024


class IsolationError(RuntimeError):
    """The isolation asked for could not be entered; the job must not run."""


@dataclass(frozen=True, slots=True)
class Isolation:
    network_namespace: bool
    uid: int | None
    gid: int | None
    address_space_mb: int
    cpu_seconds: int
    file_size_mb: int
    open_files: int = 256
    processes: int = 512
    """Threads count as processes for this limit, which holds per user."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Isolation:
        return cls(**data)


def _limit(which: int, soft: int, hard: int | None = None) -> None:
    resource.setrlimit(which, (soft, soft if hard is None else hard))


def enter(isolation: Isolation) -> dict[str, Any]:
    """Isolate the calling process; raises ``IsolationError`` when any step fails."""
    libc = ctypes.CDLL(None, use_errno=True)
    if isolation.network_namespace and libc.unshare(CLONE_NEWNET) != 0:
        raise IsolationError(f"unshare(CLONE_NEWNET) failed: errno {ctypes.get_errno()}")
    try:
        _limit(resource.RLIMIT_AS, isolation.address_space_mb * _MB)
        _limit(resource.RLIMIT_CPU, isolation.cpu_seconds, isolation.cpu_seconds + 5)
        _limit(resource.RLIMIT_FSIZE, isolation.file_size_mb * _MB)
        _limit(resource.RLIMIT_NOFILE, isolation.open_files)
        _limit(resource.RLIMIT_CORE, 0)
        if isolation.uid is not None:
            _limit(resource.RLIMIT_NPROC, isolation.processes)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        if isolation.uid is not None and isolation.gid is not None:
            os.setgroups([])
            os.setresgid(isolation.gid, isolation.gid, isolation.gid)
            os.setresuid(isolation.uid, isolation.uid, isolation.uid)
        if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise IsolationError(f"prctl(NO_NEW_PRIVS) failed: errno {ctypes.get_errno()}")
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
        os.umask(0o077)
    except (OSError, ValueError) as exc:
        raise IsolationError(f"could not isolate the job process: {exc}") from exc
    return {
        "network_namespace": isolation.network_namespace,
        "uid": os.getuid(),
        "gid": os.getgid(),
        "groups": os.getgroups(),
        "address_space_mb": isolation.address_space_mb,
        "cpu_seconds": isolation.cpu_seconds,
        "file_size_mb": isolation.file_size_mb,
    }


def child_environment(home: Path) -> dict[str, str]:
    """The whole environment of a job process: nothing inherited from the broker."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(home / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }


def python_command(module: str) -> list[str]:
    """Run ``module`` in isolated mode: no PYTHON* variables, no user site, no cwd on the
    import path (a job directory can never shadow a module)."""
    return [sys.executable, "-I", "-m", module]


_PROBE = (
    "import ctypes, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    f"sys.exit(0 if libc.unshare({CLONE_NEWNET}) == 0 else 1)\n"
)


def supported() -> dict[str, bool]:
    """What this host allows: a network namespace and a separate user need root; the
    namespace is probed in a throwaway child so the broker itself never changes."""
    root = os.geteuid() == 0
    namespace = False
    if root:
        probe = subprocess.run(  # noqa: S603 — our own interpreter and a constant program
            [sys.executable, "-I", "-c", _PROBE],
            env={"PATH": "/usr/bin:/bin"},
            capture_output=True,
            timeout=30,
            check=False,
        )
        namespace = probe.returncode == 0
    return {"network_namespace": namespace, "separate_user": root}
