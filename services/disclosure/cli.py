"""Disclosure's subcommand of the ``pdo`` command line: ``pdo verify`` (DIS-3).

Anyone can check files downloaded from ``/disclosure/log`` offline. ``libs.cli`` finds
this module by name (``services.<name>.cli``), as the runtime finds ``bootstrap``, so
``libs`` imports no service.
"""

from __future__ import annotations

import argparse
from typing import Any

from services.disclosure import verify


def register(sub: Any) -> None:
    """Add ``verify`` to the ``pdo`` subcommands (``sub`` is argparse's subparsers)."""
    check: argparse.ArgumentParser = sub.add_parser(
        "verify",
        help="check a disclosed record, signed tree heads and the log's consistency offline",
        description="Checks files downloaded from /disclosure/log without contacting the "
        "platform: tree-head signatures, a record's inclusion, the log's consistency. "
        "Exit 0 valid, 1 a check failed, 2 unreadable input, 3 split view (alarm).",
    )
    verify.add_arguments(check)
    check.set_defaults(func=verify.run)
