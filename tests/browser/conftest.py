"""Browser tests: Playwright for Python driving Debian's Chromium against a real server.

Fixtures, for every test under ``tests/browser/``:

- ``chromium_executable`` (session): ``/usr/bin/chromium``, installed with
  ``apt-get install -y chromium fonts-noto-cjk`` when missing (``apt-get update`` first;
  the test run is root on the project's machines). ``playwright install`` cannot
  download here, so Playwright is given this executable.
- ``browser`` (session): Chromium launched headless without sandbox, GPU, background
  networking, component updates or sync.
- ``page`` (per test): a fresh context (zh-CN, 1280×900) and page, closed afterwards.
- ``pdo`` (session): a real ``pdo up`` on 127.0.0.1 on a free port with the demo city
  (``tests.infra.pdo_up.PdoUp``: ``pdo.url(path)``, ``pdo.token(org)``).
- ``screenshot`` (per test): ``screenshot(page, name)`` saves a PNG under
  ``tests/browser/artifacts/`` (git-ignored), prints its path and returns it.

A new browser test needs nothing but these fixtures: ``def test_x(page, pdo, screenshot)``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.infra.pdo_up import PdoUp, running_pdo_up

CHROMIUM = Path("/usr/bin/chromium")
CJK_FONTS = Path("/usr/share/fonts/opentype/noto")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

Screenshot = Callable[[Page, str], Path]


def _apt_install(*packages: str) -> None:
    if shutil.which("apt-get") is None:
        raise RuntimeError(f"no apt-get to install {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    wait = ["-o", "DPkg::Lock::Timeout=600"]  # other sessions may hold the lock a while
    subprocess.run(["apt-get", *wait, "update", "-q"], check=True, env=env, timeout=900)
    subprocess.run(
        ["apt-get", *wait, "install", "-y", "-q", *packages], check=True, env=env, timeout=1800
    )


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    wanted = {"chromium": CHROMIUM, "fonts-noto-cjk": CJK_FONTS}
    missing = [package for package, path in wanted.items() if not path.exists()]
    if missing:
        _apt_install(*missing)
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} is still missing after apt-get install chromium")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium_executable: Path) -> Iterator[Browser]:
    # Module scope, not session: Playwright's sync API runs an event loop on the main
    # thread while it is open, and pytest-asyncio cannot run a test while one runs.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium_executable), args=LAUNCH_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="session")
def pdo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PdoUp]:
    # The demo year (products from the 1M-row source, trades, the annual report) loads
    # before the first request is served: minutes on a busy machine. Its sandboxes need a
    # data directory the sandbox users can traverse (pytest's own tmp is root-only).
    where = Path(tempfile.mkdtemp(prefix="pdo-up-", dir="/tmp"))
    os.chmod(where, 0o711)
    try:
        with running_pdo_up(where, timeout=900) as up:
            yield up
    finally:
        shutil.rmtree(where, ignore_errors=True)


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Screenshot:
    def save(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path}")
        return path

    return save


BROWSER_TIMEOUT_S = 1500
"""A browser test's first use of ``pdo`` starts a whole platform and loads the demo city
(and may install Chromium): on a loaded 2-core machine that alone can pass the suite's
300 s per-test timeout, so tests here get a longer one (still bounded)."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents and not item.get_closest_marker(
            "timeout"
        ):
            item.add_marker(pytest.mark.timeout(BROWSER_TIMEOUT_S))
