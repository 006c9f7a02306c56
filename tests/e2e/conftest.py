"""The embedded platform served by uvicorn on a free port, and headless Chromium (Debian's
package, driven by Playwright through its executable path; no browser download)."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright

from helpers import ROOT, free_port
from ocop_cli.platform import make_app
from ocop_shared.settings import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_PRESENT = Path(CHROMIUM).exists()
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


@dataclass
class Served:
    url: str
    settings: Settings

    def at(self, path: str) -> str:
        return f"{self.url}/console{path}"


@pytest.fixture(scope="module")
async def served(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    port = free_port()
    settings = Settings(data_dir=tmp_path_factory.mktemp("console"), http_port=port,
                        log_json=False, log_level="WARNING")
    app, _ = make_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None,
                                           log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.05)
    try:
        yield Served(settings.base_url(), settings)
    finally:
        server.should_exit = True
        await serving


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    assert CHROMIUM_PRESENT, "Debian's chromium package is needed (deploy/os-packages.sh)"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900},
                                        locale="vi-VN")
    opened = await context.new_page()
    try:
        yield opened
    finally:
        await context.close()


async def shot(page: Page, name: str) -> None:
    """Saves a full-page screenshot as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def sign_in(page: Page, served: Served, persona: str, subject: str, name: str = "",
                  commune: str = "") -> None:
    await page.goto(served.at("/sign-in"))
    await page.check(f"#persona-{persona}")
    await page.fill("#f-subject", subject)
    await page.fill("#f-name", name or subject)
    if commune:
        await page.fill("#f-commune_code", commune)
    await page.click("button[type=submit]:has-text('Đăng nhập'), button[type=submit]:has-text('Sign in')")
    await page.wait_for_load_state()


async def reload_until(page: Page, url: str, selector: str, *, text: str | None = None,
                       gone: bool = False, seconds: float = 30.0) -> None:
    """Opens `url` again until `selector` (containing `text`) is there — or, with `gone`, until
    it is not: the platform's services reach each other through events, a moment later."""
    for _ in range(int(seconds / 0.5)):
        await page.goto(url)
        found = page.locator(selector)
        if text is not None:
            found = found.filter(has_text=text)
        if (await found.count() > 0) != gone:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"{url}: {selector} {text or ''} {'still there' if gone else 'never came'}")
