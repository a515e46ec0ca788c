"""The console's pages, one module per journey; ``ROUTES`` is every handler, in one list.

Add a journey as a module here with module-level handlers asking for ``who`` and
``platform`` (see ``services/console/web.py``) and its templates under
``templates/<module>/``, then list its ``ROUTES`` below and its link in
``services/console/navigation.py``.
"""

from __future__ import annotations

from typing import Any

from services.console.api import applications, home, operations, sandboxes, sign_in

ROUTES: list[Any] = [
    *sign_in.ROUTES,
    *home.ROUTES,
    *applications.ROUTES,
    *sandboxes.ROUTES,
    *operations.ROUTES,
]
