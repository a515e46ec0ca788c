"""Developer journey: the SQL workbench of the development sandbox (授权运营空间). From
the home page the demo developer opens its development sandbox, reads the granted tables
and columns, submits a forbidden statement — refused, the job history names SBX-2 — and
a query whose output stays inside the sandbox, its first rows shown (synthetic data),
nothing downloadable."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.browser.conftest import Screenshot
from tests.browser.console_developer import DEVELOPER, ready_sandbox, sign_in
from tests.browser.console_people import person
from tests.infra.pdo_up import PdoUp


def test_console_developer_SBX_2_workbench_runs_jobs_and_names_the_rule_of_a_refusal(
    page: Page, pdo: PdoUp, screenshot: Screenshot
) -> None:
    sandbox_id = ready_sandbox(pdo, "development")
    developer = person(pdo, DEVELOPER, "dev.workbench")
    sign_in(page, pdo, developer)
    sandboxes = page.get_by_role("region", name="授权运营空间（沙箱）")
    sandboxes.get_by_role("link", name=sandbox_id).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(sandbox_id)
    expect(page.locator("#sandbox-state")).to_have_attribute("data-state", "ready")
    granted = page.locator("table.granted[data-table='tax_payments']")
    expect(granted).to_contain_text("tax_grade")

    page.get_by_label("SQL 语句").fill("INSTALL httpfs")
    page.get_by_role("button", name="运行作业").click()
    refused = page.locator("#jobs tr.shown")
    expect(refused.locator(".state")).to_have_attribute("data-state", "refused")
    expect(refused.locator(".state")).to_have_text("被拒绝")
    expect(refused.locator(".rule")).to_contain_text("规则 SBX-2")

    output = f"output_console_{uuid.uuid4().hex[:6]}"
    page.get_by_label("SQL 语句").fill(
        f"CREATE TABLE {output} AS SELECT tax_grade AS grade, count(*) AS firms "
        "FROM tax_payments GROUP BY tax_grade"
    )
    page.get_by_role("button", name="运行作业").click()
    ran = page.locator("#jobs tr.shown")
    expect(ran.locator(".state")).to_have_attribute("data-state", "succeeded")
    expect(page.locator(f"#outputs tr[data-output='{output}']")).to_contain_text("grade、firms")
    first_rows = page.get_by_role("table", name=f"{output} 的前几行")
    expect(first_rows.locator("tbody tr")).not_to_have_count(0)
    expect(page.get_by_role("link", name="下载")).to_have_count(0)
    screenshot(page, "workbench")
