"""What waits for each role (待办): the lists on a person's home page, each one public API
read with the person's token, shown as a table of a few columns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Queue:
    title: str
    path: str
    columns: tuple[tuple[str, str], ...]
    """(field of each listed item, column heading in Chinese)."""
    link: str | None = None
    """A console page per item, formatted with the item's fields (e.g. ``{application_id}``)."""
    kind: str = ""
    """Whose states the rows show, where a state's name depends on it (``labels.zh``)."""


APPLICATIONS = (
    ("application_id", "申请编号"),
    ("scenario_id", "应用场景"),
    ("developer_org_id", "申请单位"),
    ("status", "状态"),
)
EXPORTS = (("export_id", "出域申请"), ("sandbox_id", "沙箱"), ("state", "状态"))
SANDBOXES = (("sandbox_id", "沙箱"), ("environment", "环境"), ("state", "状态"))
RESOURCES = (("resource_id", "资源编号"), ("name", "资源名称"), ("grade", "分级"))
ADMISSIONS = (("admission_id", "入驻编号"), ("operator_org_id", "运营机构"), ("state", "状态"))
PRODUCTS = (("product_id", "产品"), ("name", "名称"), ("state", "状态"))

QUEUES: dict[str, tuple[Queue, ...]] = {
    "bureau": (
        Queue(
            "待审核的数据使用申请",
            "/request_review/applications/?status=under_review",
            APPLICATIONS,
            "/console/applications/{application_id}",
        ),
        Queue("资源目录", "/catalog/resources/?limit=10", RESOURCES),
        Queue(
            "待第二人审批的出域申请",
            "/product_release/exports/?state=checks_passed",
            (("export_id", "出域申请"), ("output_name", "输出"), ("requester_user_id", "申请人")),
            "/console/export-reviews/{export_id}",
        ),
        Queue(
            "待备案的数据产品",
            "/product_release/products/?state=certified",
            (("product_id", "产品"), ("name", "名称"), ("developer_org_id", "开发利用主体")),
            "/console/product-filings/{product_id}",
        ),
        Queue(
            "待验收的整改",
            "/evaluation/rectifications/?state=reported",
            (("order_id", "整改编号"), ("operator_org_id", "运营机构"), ("due_on", "期限")),
            "/console/supervision",
        ),
    ),
    "provider": (
        Queue(
            "涉及本单位数据的申请",
            "/request_review/applications/?status=under_review",
            APPLICATIONS,
            "/console/applications/{application_id}",
        ),
        Queue("本单位登记的资源", "/catalog/resources/?provider_org_id={org_id}", RESOURCES),
        Queue(
            "待答复的数据异议（CAT-5）",
            "/catalog/objections/?status=open",
            (("objection_id", "异议编号"), ("resource_id", "资源"), ("due_on", "整改期限")),
            "/console/provider/objections/{objection_id}",
        ),
    ),
    "operator": (
        Queue(
            "待审批的自有数据导入",
            "/sandbox_broker/imports",
            (("import_id", "导入编号"), ("sandbox_id", "沙箱"), ("state", "状态")),
        ),
        Queue("出域申请", "/product_release/exports/", EXPORTS),
        Queue(
            "到期待重新评估的场景（REQ-8）",
            "/request_review/scenarios/?due=true&operator_org_id={org_id}",
            (("scenario_id", "场景编号"), ("name", "名称"), ("next_review_on", "评估日期")),
        ),
        Queue(
            "待上架的数据产品",
            "/product_release/products/?state=filed",
            PRODUCTS,
            "/console/product-releases/{product_id}",
        ),
        Queue(
            "入驻申请（DEV-1）",
            "/identity/admissions",
            (("admission_id", "入驻编号"), ("developer_org_id", "开发利用主体"), ("state", "状态")),
            "/console/operator/admissions",
        ),
    ),
    "developer": (
        Queue(
            "本单位的申请",
            "/request_review/applications/",
            APPLICATIONS,
            "/console/applications/{application_id}",
        ),
        Queue(
            "授权运营空间（沙箱）",
            "/sandbox_broker/sandboxes",
            SANDBOXES,
            "/console/developer/workbench/{sandbox_id}",
        ),
        Queue(
            "出域申请",
            "/product_release/exports/",
            EXPORTS,
            "/console/developer/exports/{export_id}",
        ),
        Queue("准入状态", "/identity/admissions", ADMISSIONS),
        Queue(
            "数据产品",
            "/product_release/products/",
            PRODUCTS,
            "/console/developer/products/{product_id}",
            kind="product",
        ),
    ),
    "supervisor": (Queue("数据使用申请", "/request_review/applications/", APPLICATIONS),),
}
