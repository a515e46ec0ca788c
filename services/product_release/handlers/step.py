"""The shape of one product-release event handler before it is bound to the service
context: ``(ctx, envelope) -> None``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from contracts.envelope import Envelope
from libs.service import ServiceContext

Step = Callable[[ServiceContext, Envelope], Awaitable[None]]
