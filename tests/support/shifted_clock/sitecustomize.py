"""Test-only time shift for ``pdo serve`` processes the chart smoke test starts.

Python imports ``sitecustomize`` at start-up from the first directory on ``sys.path``
that holds one; the smoke test puts this directory on ``PYTHONPATH`` of the processes it
runs from the rendered chart (nothing else does, and nothing in ``libs`` or ``services``
knows about it). When ``PDO_SMOKE_CLOCK_FILE`` names a file, ``SystemClock.now`` returns
the wall clock plus the offset in seconds written in that file, so the test can move nine
processes past a publicity period or a month's end as the in-process tests move a
``FixedClock``.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

WHERE = os.environ.get("PDO_SMOKE_CLOCK_FILE", "")

if WHERE:
    from libs.clock import SystemClock

    def _offset() -> float:
        """The offset now (a few bytes read per call: the test replaces the file whole)."""
        try:
            with open(WHERE, encoding="utf-8") as f:
                return float(f.read().strip() or 0)
        except OSError:  # not written yet, or a process that may not read it
            return 0.0

    def _now(self: SystemClock) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=_offset())

    SystemClock.now = _now  # type: ignore[method-assign]
