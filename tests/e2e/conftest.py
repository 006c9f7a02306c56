"""The embedded platform served by uvicorn on a free port, and headless Chromium (Debian's
package, driven by Playwright through its executable path; no browser download)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from browser_support import PASSWORD, Served
from playwright.async_api import Browser, Page, async_playwright

from helpers import free_port, serving
from ocop_cli.people import OFFICE_LOGIN, OFFICE_NAME, InProcessPeople
from ocop_cli.platform import make_app
from ocop_shared.settings import Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_PRESENT = Path(CHROMIUM).exists()


@pytest.fixture(scope="module")
async def served(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    port = free_port()
    settings = Settings(data_dir=tmp_path_factory.mktemp("console"), http_port=port,
                        log_json=False, log_level="WARNING")
    app, runtimes = make_app(settings)
    async with serving(app, port):
        people = InProcessPeople(runtimes)
        await people.ensure(OFFICE_LOGIN, OFFICE_NAME, password=PASSWORD)  # `ocop accounts create-admin`
        await people.bootstrap_office(OFFICE_LOGIN, OFFICE_NAME)
        yield Served(settings.base_url(), settings, people)


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
