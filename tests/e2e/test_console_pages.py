"""Console pages in headless Chromium: API errors next to their field, the English switch,
the public verification page on a phone-width screen."""

from __future__ import annotations

import asyncio

import httpx
from browser_support import PASSWORD, Served, shot, sign_in
from playwright.async_api import Browser, Page, expect

from helpers import COMMUNE_CHAU_DOC, api, run_chain, tax_code, use_people


async def test_an_api_error_shows_next_to_its_field(served: Served, page: Page) -> None:
    await served.people.ensure("co-so-sau-tam@example.vn", "Lê Văn Tâm", password=PASSWORD)
    await sign_in(page, served, "co-so-sau-tam@example.vn")
    await page.goto(served.at("/producer/entities/new"))
    await page.fill("#f-name", "HTX Gạo sạch Tịnh Biên")
    await page.select_option("#f-legal_form", "cooperative")
    await page.fill("#f-registration_no", "1234567")
    await page.fill("#f-commune_code", COMMUNE_CHAU_DOC)
    await page.fill("#f-address", "Tịnh Biên, An Giang")
    await page.fill("#f-phone", "0912345678")
    await page.fill("#f-email", "gao@example.vn")
    await page.fill("#f-representative_name", "Nguyễn Thị Lan")
    await page.click("button:has-text('Đăng ký')")

    field = page.get_by_label("Mã số doanh nghiệp / số đăng ký")
    await expect(field).to_have_attribute("aria-invalid", "true")
    described = (await field.get_attribute("aria-describedby") or "").split()
    assert "e-registration_no" in described
    message = page.locator("#e-registration_no")
    await expect(message).to_contain_text("không phải mã số doanh nghiệp")
    await expect(page.locator("#e-phone")).to_have_text("")
    await expect(page.locator("#f-name")).to_have_value("HTX Gạo sạch Tịnh Biên")
    await shot(page, "20-field-error")

    # Fixing the field clears the error and registers the entity.
    await page.fill("#f-registration_no", tax_code(7101))
    await page.click("button:has-text('Đăng ký')")
    await expect(page.locator("#notice")).to_contain_text("Đã đăng ký chủ thể")


async def test_english_switch_is_remembered(served: Served, page: Page) -> None:
    await page.goto(served.at("/verify"))
    await expect(page.locator("html")).to_have_attribute("lang", "vi")
    await expect(page.locator("h1")).to_have_text("Tra cứu giấy chứng nhận OCOP")
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("h1")).to_have_text("Verify an OCOP certificate")

    await page.goto(served.at("/sign-in"))  # no ?lang: the choice is kept in a cookie
    await expect(page.locator("h1")).to_have_text("Sign in")
    await expect(page.get_by_label("E-mail or phone number")).to_be_visible()
    await page.goto(served.at("/verify/91-2026-99999"))
    await expect(page.locator("#e-number")).to_contain_text("No certificate")  # the API's English
    await shot(page, "21-english")

    await page.get_by_role("link", name="Tiếng Việt").click()
    await expect(page.locator("h1")).to_have_text("Tra cứu giấy chứng nhận OCOP")


async def test_verification_fits_a_phone_screen(served: Served, browser: Browser) -> None:
    async with httpx.AsyncClient(base_url=served.url, timeout=30) as client:
        use_people(client, served.people)
        await run_chain(client, served.settings, registration_no=tax_code(7201))
        office = await api(client).office()
        for _ in range(100):
            listed = (await client.get("/certification/certificates", headers=office)).json()
            if listed["items"]:
                break
            await asyncio.sleep(0.2)
        number = listed["items"][0]["number"]

    phone = await browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True,
                                      has_touch=True, device_scale_factor=2, locale="vi-VN")
    page = await phone.new_page()
    try:
        await page.goto(served.at("/verify"))
        await page.get_by_label("Số giấy chứng nhận").fill(number)
        await page.get_by_role("button", name="Tra cứu").click()
        await expect(page.locator("#verdict")).to_have_attribute("data-status", "active")
        await expect(page.locator("#cert-number")).to_have_text(number)
        widths = await page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1], f"the page scrolls sideways on a phone: {widths}"
        box = await page.locator("#f-number").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
        await shot(page, "22-phone-verify")

        # The QR on the certificate holds the API's verification URL: a phone's browser
        # lands on the page, while an API client still gets JSON.
        await page.goto(f"{served.url}/certification/verify/{number}")
        assert page.url.startswith(served.at(f"/verify/{number}"))
        await expect(page.locator("#verdict")).to_have_attribute("data-status", "active")
        async with httpx.AsyncClient(base_url=served.url) as client:
            as_api = await client.get(f"/certification/verify/{number}", headers={"accept": "application/json"})
        assert as_api.status_code == 200 and as_api.json()["number"] == number

        # What a QR code holds is checked too; a forged one is refused next to the field.
        await page.get_by_label("Nội dung mã QR").fill("OCOP1.gia-mao.khong-hop-le")
        await page.get_by_role("button", name="Kiểm tra mã QR").click()
        await expect(page.locator("#f-text")).to_have_attribute("aria-invalid", "true")
        await expect(page.locator("#e-text")).not_to_be_empty()
        await shot(page, "23-phone-qr-refused")
    finally:
        await phone.close()
