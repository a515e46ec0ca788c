"""The operator's price form read and checked before it is submitted (价格预审): yuan
typed by a person turned into fen, tier lines parsed, and the price and every tier held
against the bureau's published cap (上限收费标准) — BIL-2 — so a price over its cap is
refused on the preview step, with the cap shown. Billing checks the same rule again when
the price is submitted; its refusal is shown as well if it is ever reached."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

RULE = "BIL-2"
RULE_TITLE = "价格不超过上限收费标准"
UNITS_ZH: dict[str, str] = {
    "product": "按产品",
    "call": "按次",
    "month": "按月",
    "row": "按数据量（行）",
}


def yuan(fen: int) -> str:
    """Fen shown as yuan with two decimals (元)."""
    return f"{Decimal(fen) / 100:.2f}"


def to_fen(text: str) -> int | None:
    """Yuan typed by a person (``12.5``) as fen; ``None`` when it is not an amount."""
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


@dataclass(slots=True)
class PriceDraft:
    """A price as typed, and what is wrong with it, field by field (in Chinese)."""

    product_id: str
    unit: str
    unit_price_fen: int | None
    tiers: list[tuple[int, int]]
    cap_fen: int | None = None
    errors: dict[str, str] = field(default_factory=dict)
    rule: str | None = None

    def body(self) -> dict[str, Any]:
        """The ``POST /billing/prices`` body."""
        return {
            "product_id": self.product_id,
            "unit": self.unit,
            "unit_price_fen": self.unit_price_fen or 0,
            "tiers": [{"from_quantity": q, "unit_price_fen": p} for q, p in self.tiers],
        }


def read_draft(form: dict[str, str]) -> PriceDraft:
    """The form's fields parsed; format errors named by field."""
    draft = PriceDraft(
        product_id=form.get("product_id", "").strip(),
        unit=form.get("unit", "").strip(),
        unit_price_fen=to_fen(form.get("unit_price", "")),
        tiers=[],
    )
    if not draft.product_id:
        draft.errors["product_id"] = "请填写数据产品编号"
    if draft.unit not in UNITS_ZH:
        draft.errors["unit"] = "请选择计价单位"
    if draft.unit_price_fen is None:
        draft.errors["unit_price"] = "单价应为不小于 0 的金额（元，最多两位小数）"
    lines = form.get("tiers", "").replace("；", ";").replace(";", "\n").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("，", ",").split(",")]
        price = to_fen(parts[1]) if len(parts) == 2 else None
        if price is None or not parts[0].isdigit() or int(parts[0]) < 1:
            draft.errors["tiers"] = f"第 {number} 档应为“起始数量,单价（元）”"
            break
        draft.tiers.append((int(parts[0]), price))
    return draft


def check_under_cap(draft: PriceDraft, caps: list[dict[str, Any]]) -> PriceDraft:
    """BIL-2: the base price and every tier at most the cap of the product and unit, when
    the bureau set one (the cap is kept on the draft to be shown either way)."""
    for cap in caps:
        if cap.get("product_id") == draft.product_id and cap.get("unit") == draft.unit:
            draft.cap_fen = int(cap["cap_fen"])
    if draft.cap_fen is None:
        return draft
    cap_text = f"上限收费标准为 {yuan(draft.cap_fen)} 元（规则 {RULE}：{RULE_TITLE}）"
    if draft.unit_price_fen is not None and draft.unit_price_fen > draft.cap_fen:
        draft.errors["unit_price"] = f"单价 {yuan(draft.unit_price_fen)} 元超过{cap_text}"
        draft.rule = RULE
    over = [(q, p) for q, p in draft.tiers if p > draft.cap_fen]
    if over:
        quantity, price = over[0]
        draft.errors["tiers"] = f"自 {quantity} 起的阶梯单价 {yuan(price)} 元超过{cap_text}"
        draft.rule = RULE
    return draft
