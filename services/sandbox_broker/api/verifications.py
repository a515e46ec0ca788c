"""``/sandbox_broker/verifications/{product_id}``: a verification call (核验) on a released
product. Any signed-in organization but the public may call; each answered call is
metered to the caller (BIL-2); the answer is computed inside the production sandbox and
only one of the product's declared answers ever leaves (SBX-6). The controller is
module-level; ``Verifications`` is injected as the ``verifications`` dependency."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from contracts.envelope import Role
from libs.auth.guard import principal_of, roles
from services.sandbox_broker.api.schemas import VerificationAnswer, VerificationBody
from services.sandbox_broker.commands import Verifications

CALLERS = (
    Role.BUREAU,
    Role.PROVIDER,
    Role.OPERATOR,
    Role.DEVELOPER,
    Role.SUPERVISOR,
    Role.EXCHANGE,
)


class VerificationController(Controller):
    path = "/verifications"
    tags = ["verifications"]

    @post(
        "/{product_id:str}",
        guards=[roles(*CALLERS)],
        status_code=200,
        summary="Verify one key against a released product (核验)",
        description="The answer is one of the product's declared answers, or `not_found`.",
    )
    async def verify(
        self,
        request: Request[Any, Any, Any],
        product_id: FromPath[str],
        data: JSONBody[VerificationBody],
        verifications: NamedDependency[Verifications],
    ) -> VerificationAnswer:
        answer = await verifications.verify(principal_of(request), product_id, data.key)
        return VerificationAnswer(product_id=product_id, answer=answer)
