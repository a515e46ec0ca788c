"""An API's refusal (RFC 9457 problem) told in Chinese, next to the field it names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.console.labels import rule_zh

STATUS_ZH = {
    400: "提交的内容格式不正确",
    401: "用户名或密码不正确",
    403: "无权执行此操作",
    404: "未找到该记录",
    409: "与当前状态冲突，操作未执行",
    422: "提交的内容不符合规则",
    429: "尝试次数过多",
    503: "服务暂时不可用，请稍后再试",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refusal for a page: a summary, per-field messages, and the rule it names."""

    summary: str
    fields: dict[str, str] = field(default_factory=dict)
    rule: str | None = None
    rule_title: str | None = None
    detail: str = ""

    def for_field(self, name: str) -> str | None:
        return self.fields.get(name)


def refusal(status: int, body: Any, *, retry_after: str | None = None) -> Refusal:
    problem = body if isinstance(body, dict) else {}
    summary = STATUS_ZH.get(status, f"请求未成功（{status}）")
    if status == 429 and retry_after:
        summary = f"登录失败次数过多，请在 {retry_after} 秒后再试"
    rule = problem.get("rule")
    rule_title = problem.get("rule_title")
    if rule:
        summary += f"（{rule_zh(rule, rule_title)}）"
    detail = str(problem.get("detail", ""))
    fields: dict[str, str] = {}
    for error in problem.get("errors") or []:
        name = str(error.get("field", "")).removeprefix("body.").split(".")[-1]
        fields[name] = f"{summary}：{error.get('message', '')}"
    return Refusal(summary, fields, rule, rule_title, detail)
