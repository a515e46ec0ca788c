"""Chinese names for the states and decisions the APIs answer with (状态名称), so no page
shows an English state; an unknown value is shown as it came."""

from __future__ import annotations

STATES_ZH: dict[str, str] = {
    # applications (数据使用申请)
    "draft": "草稿",
    "submitted": "已提交",
    "under_review": "审核中",
    "approved": "已批准",
    "narrowed": "已核减批准",
    "rejected": "已驳回",
    "withdrawn": "已撤回",
    "granted": "已授权",
    # sandboxes (授权运营空间)
    "requested": "已申请",
    "provisioning": "创建中",
    "ready": "可用",
    "active": "使用中",
    "failed": "失败",
    "suspended": "已暂停",
    "closed": "已关闭",
    "deleted": "已销毁",
    # jobs (作业)
    "queued": "排队中",
    "running": "运行中",
    "succeeded": "已完成",
    "refused": "被拒绝",
    # exports (出域)
    "checks_passed": "自动检查通过",
    "checks_failed": "自动检查未通过",
    "pending_second_approval": "待第二人审批",
    "released": "已出域",
    # decisions
    "approve": "批准",
    "reject": "驳回",
    "narrow": "核减",
    # environments
    "development": "开发沙箱",
    "production": "生产沙箱",
    # resources (数据资源登记, CAT-3, CAT-4)
    "registered": "已登记",
    "proposed": "已申报",
    "published": "已发布",
    "cancelled": "已注销",
    "first": "首次登记",
    "change": "变更登记",
    "cancellation": "注销登记",
    # objections (数据异议, CAT-5)
    "open": "待整改",
    "escalated": "已督办",
    "corrected": "待核实",
    "resolved": "已办结",
    # scenarios (应用场景, REQ-1, REQ-8)
    "retired": "已退出",
    "commercial": "经营性",
    "public_interest": "公益性",
    "negative_listed": "已列入负面清单",
    # own-data imports (自有数据导入, SBX-4)
    "pending": "待审核",
    "loaded": "已导入",
}


def zh(value: object) -> str:
    """The Chinese name of a state, decision or environment (Jinja filter ``zh``)."""
    text = "" if value is None else str(value)
    return STATES_ZH.get(text, text)
