"""Verification products (核验): a released product answers one key at a time from an
approved output that never leaves the production sandbox (SBX-1, SBX-6).

On ``product.released`` with a verification spec, the broker freezes the output's key and
answer columns into an indexed snapshot inside the sandbox's directory and remembers the
spec. A call looks the caller's key up there — tokenized with the grant's key first when
the key column was tokenized by masking (SBX-3), so the caller's plain key still finds
its row — and returns the answer only if it is one of the declared answers. Every answered
call is metered (``usage.metered``, unit ``call``) to the calling organization: recorded
before the answer leaves, staged in batches (``commands.metering``). A call is
refused naming the rule while the sandbox is suspended (AUTH-6), and once the operator's
authorization ended (AUTH-7: the product withdrawn with that rule, the data deleted). One
read-only ``AnswerIndex`` per product (the ``JobExecutor`` port's ``open_answers``) is kept
open, so a call costs one index lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from contracts.errors import Conflict, DomainError, NotFound
from contracts.events import ProductReleased, ProductWithdrawn
from libs import aggregate
from libs.auth.principal import Principal
from libs.store.port import Document
from services.sandbox_broker.commands.metering import CallMeter
from services.sandbox_broker.commands.sandboxes import SandboxService
from services.sandbox_broker.domain.masking import Method, grant_token_key, tokenize
from services.sandbox_broker.domain.sandbox import SandboxState
from services.sandbox_broker.ports import AnswerIndex
from services.sandbox_broker.repository import PRODUCTS, SANDBOXES

NOT_FOUND = "not_found"


@dataclass
class _Product:
    product_id: str
    sandbox_id: str
    answers: frozenset[str]
    token_key: bytes | None
    scenario_id: str
    index: AnswerIndex


class Verifications:
    def __init__(self, service: SandboxService, meter: CallMeter | None = None) -> None:
        self.service = service
        self.ctx = service.ctx
        self.meter = meter if meter is not None else CallMeter(service.ctx)
        self._open: dict[str, _Product] = {}
        service.on_sandbox_closed.append(self.forget_sandbox)

    # -- events ----------------------------------------------------------------------------

    async def release(self, released: ProductReleased) -> None:
        """A product was released: a verification product starts answering (核验)."""
        spec = released.verification
        if spec is None:
            return
        sandbox = await self.ctx.store.get(SANDBOXES, spec.sandbox_id)
        doc: Document = {
            "sandbox_id": spec.sandbox_id,
            "output_name": spec.output_name,
            "key_column": spec.key_column,
            "answer_column": spec.answer_column,
            "answers": list(spec.answers),
            "developer_org_id": released.developer_org_id,
            "scenario_id": released.scenario_id or (sandbox or {}).get("scenario_id", ""),
            "grant_id": (sandbox or {}).get("grant_id", released.grant_id),
            "tokenized_key": _tokenized(sandbox, spec.key_column),
            "snapshot": "",
            "available": False,
            "reason": "",
            "withdrawn": False,
        }
        try:
            if sandbox is None or sandbox["state"] != SandboxState.READY.value:
                raise Conflict(f"sandbox {spec.sandbox_id} is not ready", rule="SBX-7")
            path = await self.service.executor.snapshot_output(
                spec.sandbox_id,
                spec.output_name,
                spec.key_column,
                spec.answer_column,
                released.product_id,
            )
            doc.update(snapshot=str(path), available=True)
        except DomainError as exc:
            doc.update(reason=exc.detail)
        self.forget(released.product_id)
        await aggregate.project(self.ctx.store, PRODUCTS, released.product_id, lambda _: doc)

    async def withdraw(self, withdrawn: ProductWithdrawn) -> None:
        """A product was withdrawn: it answers no more, naming the rule (AUTH-7)."""
        if await self.ctx.store.get(PRODUCTS, withdrawn.product_id) is None:
            return
        self.forget(withdrawn.product_id)
        await aggregate.project(
            self.ctx.store,
            PRODUCTS,
            withdrawn.product_id,
            lambda d: {
                **(d or {}),
                "withdrawn": True,
                "reason": withdrawn.reason,
                "rule": withdrawn.rule,
            },
        )

    def forget(self, product_id: str) -> None:
        product = self._open.pop(product_id, None)
        if product is not None:
            product.index.close()

    def forget_sandbox(self, sandbox_id: str) -> None:
        for product_id in [p for p, o in self._open.items() if o.sandbox_id == sandbox_id]:
            self.forget(product_id)

    def close(self) -> None:
        for product_id in list(self._open):
            self.forget(product_id)

    # -- calls -----------------------------------------------------------------------------

    async def _product(self, product_id: str) -> _Product:
        found = self._open.get(product_id)
        if found is not None:
            return found
        doc = await self.ctx.store.get(PRODUCTS, product_id)
        if doc is not None and doc.get("withdrawn") and doc.get("rule"):
            raise Conflict(
                f"verification product {product_id} no longer answers: {doc.get('reason')}",
                rule=str(doc["rule"]),
            )
        if doc is None or doc.get("withdrawn"):
            raise NotFound(f"there is no released verification product {product_id}")
        sandbox = await self.ctx.store.get(SANDBOXES, doc["sandbox_id"])
        if sandbox is not None and sandbox["state"] == SandboxState.SUSPENDED.value:
            raise Conflict(
                f"verification product {product_id} answers nothing while its sandbox is "
                f"suspended (暂时关闭): {sandbox.get('suspended_reason', '')}",
                rule="AUTH-6",
            )
        if sandbox is not None and sandbox.get("exit_at"):
            raise Conflict(
                f"verification product {product_id} no longer answers: the operator's "
                f"authorization ended at {sandbox['exit_at']} and its data was deleted",
                rule="AUTH-7",
            )
        if (
            not doc.get("available")
            or sandbox is None
            or sandbox["state"] != SandboxState.READY.value
        ):
            raise Conflict(
                f"verification product {product_id} is unavailable: "
                f"{doc.get('reason') or 'its sandbox is closed'}",
                rule="SBX-7",
            )
        token_key = None
        if doc.get("tokenized_key"):
            token_key = grant_token_key(await self.service.broker.masking_key(), doc["grant_id"])
        product = _Product(
            product_id=product_id,
            sandbox_id=doc["sandbox_id"],
            answers=frozenset(doc["answers"]),
            token_key=token_key,
            scenario_id=str(doc.get("scenario_id", "")),
            index=self.service.executor.open_answers(Path(doc["snapshot"])),
        )
        self._open[product_id] = product
        return product

    async def verify(self, principal: Principal, product_id: str, key: str) -> str:
        """The answer for ``key``, or ``not_found``; metered per call (BIL-2)."""
        product = await self._product(product_id)
        lookup = tokenize(key, product.token_key) if product.token_key is not None else key
        found = product.index.answer(lookup)
        answer = NOT_FOUND if found is None else found
        if found is not None and answer not in product.answers:
            raise DomainError(
                f"the output holds an answer outside the product's declared answers; "
                f"only {sorted(product.answers)} may leave the sandbox",
                rule="SBX-6",
            )
        await self._meter(principal, product)
        return answer

    async def _meter(self, principal: Principal, product: _Product) -> None:
        """BIL-2: the call is recorded before its answer leaves, and staged as
        ``usage.metered`` with its batch (``commands.metering``)."""
        await self.meter.record(
            principal, product_id=product.product_id, scenario_id=product.scenario_id
        )


def _tokenized(sandbox: Document | None, key_column: str) -> bool:
    """Whether the key column was tokenized when mounted (a column of that name)."""
    for mount in (sandbox or {}).get("mounts", []):
        for column in mount["columns"]:
            if column["name"] == key_column and column["method"] == Method.TOKENIZE.value:
                return True
    return False
