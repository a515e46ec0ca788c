"""The navigation bar (主导航): each link with the roles that see it, in display order."""

from __future__ import annotations

from dataclasses import dataclass

ALL_ROLES = frozenset({"bureau", "provider", "operator", "developer", "supervisor"})


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    path: str
    """Below ``/console``."""
    roles: frozenset[str] = ALL_ROLES


NAVIGATION: tuple[Link, ...] = (
    Link("待办", "/"),
    Link("资源目录", "/resources"),
    Link("人员操作记录", "/operations", frozenset({"bureau", "supervisor"})),
    Link("授权运营空间", "/sandboxes", frozenset({"developer"})),
    Link("资源登记", "/provider/resources", frozenset({"provider"})),
    Link("数据使用申请", "/provider/applications", frozenset({"provider"})),
    Link("数据异议", "/provider/objections", frozenset({"provider"})),
    Link("应用场景", "/operator/scenarios", frozenset({"operator"})),
    Link("自有数据导入", "/operator/imports", frozenset({"operator"})),
    Link("价格与阶梯", "/operator/prices", frozenset({"operator"})),
    Link("年度报告", "/operator/annual-report", frozenset({"operator"})),
    Link("出域审核", "/export-reviews", frozenset({"bureau", "operator", "supervisor"})),
    Link("产品备案", "/product-filings", frozenset({"bureau", "operator", "supervisor"})),
    Link("授权运营", "/authorizations", frozenset({"bureau", "supervisor"})),
    Link("整改与检查", "/supervision", frozenset({"bureau", "supervisor"})),
    Link("负面清单", "/negative-list", frozenset({"bureau", "supervisor"})),
    Link("准入状态", "/developer/admission", frozenset({"developer"})),
    Link("申请数据", "/developer/apply", frozenset({"developer"})),
    Link("出域申请", "/developer/exports", frozenset({"developer"})),
    Link("数据产品", "/developer/products", frozenset({"developer"})),
    Link("产品上架", "/product-releases", frozenset({"operator"})),
    Link("入驻审核", "/operator/admissions", frozenset({"operator"})),
    Link("入驻报备", "/admission-reports", frozenset({"bureau", "supervisor"})),
)


def links_for(role: str) -> list[Link]:
    return [link for link in NAVIGATION if role in link.roles]
