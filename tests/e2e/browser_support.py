"""What the browser tests share: where the platform is served, signing in, screenshots, and
waiting for what events bring a moment later. (Kept out of conftest.py: test modules import it
by name, and two conftest modules in one pytest run would shadow each other.)"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from playwright.async_api import Page

from helpers import ROOT
from ocop_cli.people import InProcessPeople
from ocop_shared.settings import Settings

SCREENSHOTS = ROOT / "artifacts" / "screenshots"


PASSWORD = "mat-khau-thu-nghiem-2026"


@dataclass
class Served:
    url: str
    settings: Settings
    people: InProcessPeople  # the platform's account store, as an administrator reaches it

    def at(self, path: str) -> str:
        return f"{self.url}/console{path}"



async def shot(page: Page, name: str) -> None:
    """Saves a full-page screenshot as a test artifact."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def sign_in(page: Page, served: Served, login: str, password: str = PASSWORD) -> None:
    """Signs out whoever is signed in, then signs in with the form."""
    await page.context.clear_cookies()
    await page.goto(served.at("/sign-in"))
    await page.fill("#f-login", login)
    await page.fill("#f-password", password)
    await page.click("button[type=submit]:has-text('Đăng nhập'), button[type=submit]:has-text('Sign in')")
    await page.wait_for_load_state()


async def code_in_mailbox(page: Page) -> str:
    """The six-digit code of the newest message the demo mailbox shows on the page."""
    text = await page.locator("#mailbox p").first.inner_text()
    found = re.search(r"\b(\d{6})\b", text)
    assert found, text
    return found.group(1)


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
