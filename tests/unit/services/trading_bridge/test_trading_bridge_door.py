"""Trading-bridge is the only door (TRD-1): no route but the exchange's creates a trade.
(Domain purity and docstrings of every service: ``tests/unit/test_import_directions.py``.)"""

from __future__ import annotations

import re
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[4] / "services" / "trading_bridge"


def test_TRD_1_no_route_but_the_exchange_door_creates_a_trade() -> None:
    """Only ``commands.execute_trade`` writes a trade, and only the exchange's route calls it
    (directly, or handing it to ``call``)."""
    writers = [
        str(path.relative_to(SERVICE))
        for path in SERVICE.rglob("*.py")
        if re.search(r"\bexecute_trade\b", path.read_text(encoding="utf-8"))
    ]
    assert sorted(writers) == ["api/exchange.py", "commands/trading.py"]
