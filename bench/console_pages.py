"""Server render time of the console's main pages (issue 13), per demo role, against a
running ``pdo up``: p50/p99 over N requests per page, each a full render including the
console's calls to the services' APIs. Not part of ``python -m bench`` (it needs a server
with the demo people).

python -m bench.console_pages --base-url http://127.0.0.1:8000 [--requests 40]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

import httpx

PEOPLE = {
    "bureau": (
        "bureau.demo",
        (
            "/console/",
            "/console/resources",
            "/console/operations?user_id=provider.demo",
            "/console/export-reviews",
            "/console/export-reviews/{first_export}",
            "/console/product-filings?state=filed",
            "/console/authorizations",
            "/console/supervision",
            "/console/negative-list",
            "/console/admission-reports",
        ),
    ),
    "provider": (
        "provider.demo",
        (
            "/console/",
            "/console/resources",
            "/console/provider/resources",
            "/console/provider/applications",
            "/console/provider/objections",
        ),
    ),
    "operator": (
        "operator.demo",
        (
            "/console/",
            "/console/resources",
            "/console/operator/scenarios",
            "/console/operator/imports",
            "/console/operator/prices",
            "/console/operator/annual-report",
            "/console/operator/admissions",
            "{scenario_change}",
        ),
    ),
    "developer": (
        "developer.demo",
        (
            "/console/",
            "/console/resources",
            "/console/sandboxes",
            "/console/developer/admission",
            "/console/developer/apply",
            "/console/developer/exports",
            "/console/developer/products",
            "{workbench}",
        ),
    ),
}
WORKBENCH = re.compile(r'href="(/console/developer/workbench/sbx-dev-[^"]+)"')
"""The SQL workbench of the developer's first development sandbox, read off its list."""
SCENARIO_CHANGE = re.compile(r'href="(/console/operator/scenarios/[^"/]+/change)"')
"""The change form (REQ-8) of the operator's first scenario, read off its list."""
DEMO_PASSWORD = "zibo-demo-2026"


def _signed_in(base_url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    form = client.get("/console/login").text
    found = re.search(r'name="_csrf_token" value="([^"]+)"', form)
    if found is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    answer = client.post(
        "/console/login",
        data={"_csrf_token": found.group(1), "username": username, "password": DEMO_PASSWORD},
    )
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in of {username}: {answer.status_code}")
    return client


def _first_export(client: httpx.Client) -> str:
    """The first export request on the bureau's list (its detail page renders the check
    report cell by cell)."""
    found = re.search(
        r'href="/console/export-reviews/([^"]+)"', client.get("/console/export-reviews").text
    )
    if found is None:
        raise RuntimeError("no export request on the bureau's list")
    return found.group(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    print(f"{'role':10s} {'page':45s} {'p50 ms':>8s} {'p99 ms':>8s}")
    for role, (username, pages) in PEOPLE.items():
        client = _signed_in(args.base_url, username)
        for path in pages:
            if "{first_export}" in path:
                path = path.format(first_export=_first_export(client))
            if path == "{workbench}":
                found = WORKBENCH.search(client.get("/console/sandboxes").text)
                if found is None:
                    continue  # no development sandbox yet
                path = found.group(1)
            if path == "{scenario_change}":
                found = SCENARIO_CHANGE.search(client.get("/console/operator/scenarios").text)
                if found is None:
                    continue  # no scenario yet
                path = found.group(1)
            times = []
            for _ in range(args.requests):
                started = time.perf_counter()
                answer = client.get(path)
                times.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise RuntimeError(f"{path}: {answer.status_code}")
            times.sort()
            p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
            print(f"{role:10s} {path:45s} {statistics.median(times):8.1f} {p99:8.1f}")


if __name__ == "__main__":
    main()
