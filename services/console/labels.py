"""Chinese names for the states and decisions the APIs answer with (状态名称), so no page
shows an English state; an unknown value is shown as it came."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts import rules
from contracts.calendar import CHINA

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
    "cancelled": "已取消",
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
    # review parties and masking methods (审核方、脱敏方式, REQ-2, SBX-3)
    "bureau": "实施机构",
    "provider": "数据提供单位",
    "operator": "运营机构",
    "as_is": "不处理",
    "coarsen": "泛化",
    "mask": "遮蔽",
    "tokenize": "令牌化",
    "suppress": "不提供",
    # exports (出域) and their automated checks (EXP-2)
    "appealed": "申诉中",
    "re_review": "重新审核",
    "appeal_dismissed": "申诉驳回",
    "rejected_after_appeal": "申诉后驳回",
    "unavailable": "无法出域",
    "table": "统计表",
    "model": "模型",
    "verification": "核验",
    "minimum_cell_count": "最小单元格计数",
    "zero_cells": "零值单元格",
    "dominance": "优势占比（n,k 规则）",
    "p_ratio": "p 比率",
    "group_disclosure": "群体披露",
    "negative_contributions": "负值贡献",
    "direct_identifiers": "直接标识符",
    "row_level_data": "行级个人数据",
    "differencing_margins": "边际差分",
    "differencing_earlier_exports": "与既往出域差分",
    "residual_degrees_of_freedom": "残差自由度",
    "reversible_model": "模型可逆性",
    # products (数据产品) and their filing (备案)
    "drafted": "已起草",
    "certified": "已出证待备案",
    "filed": "已备案",
    "dataset": "数据集",
    "api": "接口服务",
    # operator authorization (授权运营)
    "tender_published": "遴选公告已发布",
    "authorization.cancelled": "遴选已取消",
    "decision.pending": "待决定",
    "evaluating": "评审中",
    "publicized": "结果公示中",
    "publicity_closed": "公示期满",
    "renewal_pending": "续期审核中",
    "correction_reported": "整改情况已报告",
    "expired": "期满终止",
    "terminated": "已终止",
    "public_tender": "公开招标",
    "invited_tender": "邀请招标",
    "competitive_negotiation": "竞争性谈判",
    "whole": "整体授权",
    "domain": "分领域授权",
    "individual": "依场景授权",
    "operator_request": "运营机构申请",
    "targets_missed": "未达运营目标",
    "penalty": "受到处罚",
    "other_violation": "其他违法违规",
    "not_corrected": "逾期未整改",
    "correction_rejected": "整改不合格",
    "upheld": "异议成立",
    "dismissed": "异议不成立",
    # rectifications, incidents (整改、安全事件)
    "ordered": "限期整改",
    "reported": "整改情况已报告",
    "completed": "整改验收通过",
    "overdue": "逾期未整改",
    "low": "一般",
    "medium": "较大",
    "high": "重大",
    "critical": "特别重大",
    # admissions (入驻, DEV-1, DEV-2)
    "applied": "已申请",
    "admitted": "已入驻",
    "removed": "已清退",
    "exited": "已退出",
    # jobs, refused or stopped (SBX-2, SBX-7)
    "blocked": "被拦截",
    "timed_out": "超时",
    "out_of_memory": "内存超限",
    "stopped": "已终止",
    # data products (数据产品, EXP-3, CAT-4)
    "product.drafted": "草稿",
    "product.certified": "已签发流通凭证",
    "product.filed": "已备案",
    "product.released": "已发布",
    "product.withdrawn": "已下架",
    # a product's certificate (流通凭证, EXP-3), field by field
    "certificate.attributes": "产品属性",
    "certificate.business_logic": "业务逻辑",
    "certificate.certificate_id": "凭证编号",
    "certificate.cryptographic_agreement": "密码协议",
    "certificate.data_sources": "数据来源",
    "certificate.governance_rules": "治理规则",
    "certificate.interaction_flow": "流转过程",
    "certificate.permissions": "使用权限",
    "certificate.product_id": "产品编号",
    "certificate.touches": "涉及的数据项",
    "certificate.version": "版本",
    # application domains (应用领域) as codes in scenarios and domain authorizations; a
    # domain typed in Chinese is shown as it was typed
    "domain.finance": "金融",
    "domain.enterprise_services": "企业服务",
    "domain.social_governance": "社会治理",
    "domain.healthcare": "医疗健康",
    "domain.transport": "交通运输",
    # products as the bureau files them (产品备案): certified is "awaiting filing" there
    "filing.drafted": "草稿",
    "filing.released": "已发布",
    "filing.withdrawn": "已下架",
}


def zh(value: object, kind: str = "") -> str:
    """The Chinese name of a state, decision or environment (Jinja filter ``zh``); with a
    ``kind`` (e.g. ``product``) its own name first, where one word means two things
    (a released export has left the platform, a released product is on sale)."""
    text = "" if value is None else str(value)
    if kind and f"{kind}.{text}" in STATES_ZH:
        return STATES_ZH[f"{kind}.{text}"]
    return STATES_ZH.get(text, text)


def when(value: object) -> str:
    """A moment as a person in the city reads it (Jinja filter ``when``): an ISO 8601
    timestamp from an API (UTC, ``2026-03-01T09:00:00Z``) in Beijing time to the minute
    (``2026-03-01 17:00``); a bare date stays a date; nothing is shown as nothing, and
    what is not a timestamp is shown as it came."""
    if value is None or value == "":
        return ""
    text = str(value)
    if len(text) <= 10:
        return text
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


SERVICES_ZH: dict[str, str] = {
    "identity": "身份与授权",
    "catalog": "资源目录",
    "request_review": "申请审核",
    "sandbox_broker": "授权运营空间",
    "product_release": "产品与出域",
    "trading_bridge": "交易对接",
    "billing": "计费结算",
    "evaluation": "评估与监管",
    "disclosure": "信息公开",
}
"""The nine services by what a bureau official calls them (人员操作记录's 服务 column)."""

SUBJECTS_ZH: dict[str, str] = {
    "admission": "入驻",
    "agreement": "授权运营协议",
    "appeal": "申诉",
    "application": "数据使用申请",
    "authorization": "授权运营",
    "client": "接入客户端",
    "competition_complaint": "滥用市场支配地位投诉",
    "export": "出域申请",
    "implementation_plan": "实施方案",
    "import": "自有数据导入",
    "incident": "安全事件",
    "inspection": "监督检查",
    "job": "作业",
    "listing": "挂牌",
    "login": "登录",
    "logs": "日志",
    "negative_list": "负面清单",
    "objection": "数据异议",
    "operation_right": "运营权",
    "organization": "机构",
    "product": "数据产品",
    "rectification": "整改",
    "resource": "数据资源",
    "sandbox": "沙箱",
    "scenario": "应用场景",
    "settings": "参数设置",
    "user": "用户",
}
VERBS_ZH: dict[str, str] = {
    "add": "列入",
    "appeal": "申诉",
    "appeal_decided": "申诉已决定",
    "apply": "申请",
    "approve": "批准",
    "cancel": "注销",
    "certify": "签发流通凭证",
    "change": "变更",
    "check": "自动检查",
    "client": "客户端登录",
    "close_finding": "问题整改关闭",
    "create": "创建",
    "decide": "决定",
    "decided": "已决定",
    "define": "设定",
    "delete": "销毁",
    "disable": "停用",
    "draft": "起草",
    "escalate": "督办",
    "file": "备案",
    "narrow": "核减",
    "order": "下达",
    "overdue": "逾期",
    "password": "修改密码",
    "propose": "申报",
    "provision": "创建",
    "provision_failed": "创建失败",
    "publish": "发布",
    "purge": "清除",
    "register": "登记",
    "reinstate": "恢复",
    "reinstated": "已恢复",
    "reject": "驳回",
    "release": "发布",
    "report": "报告",
    "request": "申请",
    "retain": "留存",
    "review": "审核",
    "rotate": "轮换密钥",
    "submit": "提交",
    "submitted": "已提交",
    "suspend": "暂停",
    "suspended": "已暂停",
    "tender_published": "发布遴选公告",
    "transfer_refused": "转让被拒",
    "unavailable": "无法出域",
    "withdraw": "下架",
}


def service_zh(name: object) -> str:
    """A service by its Chinese name (Jinja filter ``service``); unknown: as it came."""
    text = "" if name is None else str(name)
    return SERVICES_ZH.get(text, text)


def action_zh(action: object) -> str:
    """An audited operation (操作) in Chinese (Jinja filter ``action``): ``export.approve``
    as 出域申请·批准, ``login`` as 登录; a part without a name is shown as it came."""
    text = "" if action is None else str(action)
    subject, _, verb = text.partition(".")
    named = SUBJECTS_ZH.get(subject, STATES_ZH.get(subject, subject))
    if not verb:
        return named
    return f"{named}·{VERBS_ZH.get(verb, STATES_ZH.get(verb, verb))}"


def rule_zh(rule_id: object, title: str | None = None) -> str:
    """A rule by its id and Chinese title (Jinja filter ``rule``): ``SBX-2`` as
    ``规则 SBX-2：沙箱隔离``, so a refusal names the rule in words, not only its id.
    ``title`` is the one the API's problem carried; else the rule book's."""
    text = "" if rule_id is None else str(rule_id)
    known = rules.rule(text)
    named = title or (known.title_zh if known is not None else "")
    return f"规则 {text}：{named}" if named else f"规则 {text}"
