"""The whole journey through the web console in headless Chromium: a producer submits a
product with its files, the commune signs Form 03, the council scores it and the chair
finalises, the certificate verifies publicly, and after a revocation the showroom's page no
longer lists the product."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import httpx
from browser_support import PASSWORD, Served, code_in_mailbox, reload_until, shot, sign_in
from playwright.async_api import Browser, Page, expect

from helpers import COMMUNE_CHAU_DOC, PDF, PNG, tax_code
from ocop_cli.api_client import band_of, choices_for_total, member_totals
from ocop_cli.people import OFFICE_LOGIN

ROUND = "AG-2026-E2E"
PRODUCT = "Mắm cá linh Châu Đốc"
COUNCIL = (("e2e-chu-tich", "Nguyễn Thị Hồng", "chair", "UBND tỉnh An Giang"),
           ("e2e-so-nnmt", "Trần Văn Bình", "member", "Sở Nông nghiệp và Môi trường"),
           ("e2e-so-ct", "Lê Thị Cúc", "member", "Sở Công Thương"),
           ("e2e-so-yt", "Phạm Văn Dũng", "member", "Sở Y tế"),
           ("e2e-thu-ky", "Võ Thị Em", "secretary", "Văn phòng Điều phối nông thôn mới tỉnh"))
EVIDENCE = (("business_registration", "giay-dkkd.pdf", None),
            ("food_safety_certificate", "giay-cn-attp.pdf", "2031-12-31"),
            ("quality_declaration", "ban-cong-bo.pdf", None),
            ("test_report", "phieu-kiem-nghiem.pdf", "2027-06-30"),
            ("label", "nhan-san-pham.pdf", None),
            ("product_photo", "anh-san-pham.png", None))


async def notice(page: Page, text: str) -> None:
    await expect(page.locator("#notice")).to_contain_text(text)


PRODUCER = "htx-mam-chau-doc@example.vn"
OFFICER = "can-bo-chau-doc@example.vn"


def login_of(member_id: str) -> str:
    return f"{member_id}@hoidong.example.vn"


async def office_opens_round(page: Page, served: Served) -> None:
    await sign_in(page, served, OFFICE_LOGIN)
    await page.goto(served.at("/office/rounds"))
    await page.fill("#f-id", ROUND)
    await page.fill("#f-name", "Đợt 2 năm 2026 (thử nghiệm giao diện)")
    await page.fill("#f-opens_on", str(date.today() - timedelta(days=10)))
    await page.fill("#f-closes_on", str(date.today() + timedelta(days=60)))
    await page.get_by_role("button", name="Mở đợt", exact=True).click()
    await notice(page, "Đã mở đợt đánh giá")
    await expect(page.locator("#rounds")).to_contain_text(ROUND)
    await shot(page, "01-office-rounds")


async def producer_signs_up(page: Page, served: Served) -> None:
    """A producer makes their own account: the code comes by message (the demo mailbox here)."""
    await page.context.clear_cookies()
    await page.goto(served.at("/account/sign-up"))
    await page.fill("#f-login", PRODUCER)
    await page.fill("#f-name", "Nguyễn Văn An")
    await page.fill("#f-password", "12345")
    await page.click("button:has-text('Tạo tài khoản')")
    await expect(page.locator("#e-password")).to_contain_text("10 ký tự")
    await page.fill("#f-password", PASSWORD)
    await page.click("button:has-text('Tạo tài khoản')")
    await notice(page, "Đã gửi mã xác nhận")
    await shot(page, "02a-producer-code")
    await page.fill("#f-code", await code_in_mailbox(page))
    await page.click("button:has-text('Xác nhận')")
    await notice(page, "Tài khoản đã được xác nhận")


# Over 60 lines: the producer's pages in the order a producer fills them.
async def producer_submits(page: Page, served: Served) -> str:
    await producer_signs_up(page, served)
    await sign_in(page, served, PRODUCER)
    await page.goto(served.at("/producer/entities/new"))
    await page.get_by_label("Tên chủ thể").fill("HTX Nông nghiệp Mắm Châu Đốc")
    await page.select_option("#f-legal_form", "cooperative")
    await page.fill("#f-registration_no", tax_code(7001))
    await page.fill("#f-commune_code", COMMUNE_CHAU_DOC)
    await page.fill("#f-address", "Khóm Vĩnh Tây 1, Phường Châu Đốc")
    await page.fill("#f-phone", "0912345678")
    await page.fill("#f-email", "htx@example.vn")
    await page.fill("#f-representative_name", "Nguyễn Văn An")
    await shot(page, "02-producer-entity")
    await page.click("button:has-text('Đăng ký')")
    await notice(page, "Đã đăng ký chủ thể")

    await page.fill("#f-name", PRODUCT)
    await page.select_option("#f-product_set_no", "9")
    await page.click("button:has-text('Đăng ký')")
    await notice(page, "Đã đăng ký sản phẩm")
    product_id = page.url.rstrip("/").split("/")[-1].split("?")[0]

    for kind, filename, until in EVIDENCE:
        await page.select_option("#f-kind", kind)
        content = (PNG if filename.endswith(".png") else PDF) + kind.encode()
        await page.set_input_files("#f-file", {"name": filename, "buffer": content,
                                               "mimeType": "application/octet-stream"})
        if until:
            await page.fill("#f-valid_until", until)
        await page.click("button:has-text('Tải lên')")
        await notice(page, "Đã tải tệp lên")
    await expect(page.locator("#documents tbody tr")).to_have_count(len(EVIDENCE))
    await shot(page, "03-producer-product")

    await page.select_option("#f-round_id", ROUND)
    await page.click("button:has-text('Lập hồ sơ')")
    await notice(page, "Đã lập hồ sơ")
    await expect(page.locator("#missing")).to_contain_text("Mẫu 01")

    await page.fill("#f-applicant", "HTX Nông nghiệp Mắm Châu Đốc")
    await page.fill("#f-representative", "Nguyễn Văn An")
    await page.fill("#f-address", "Phường Châu Đốc")
    await page.fill("#f-phone", "0912345678")
    await page.fill("#f-email", "htx@example.vn")
    await page.fill("#f-samples", "5")
    await page.check("#f-commitment")
    await page.click("button:has-text('Lưu Mẫu 01')")
    await notice(page, "Đã lưu")

    await page.fill("#f-specification", "Theo bản công bố chất lượng")
    criteria = page.locator("#form02 fieldset[data-criterion]")
    for i in range(await criteria.count()):
        await criteria.nth(i).locator("input[type=radio]").last.check()
    first = criteria.first
    await first.locator("summary").click()
    await first.locator("input[type=checkbox]").first.check()
    await page.click("button:has-text('Lưu Mẫu 02')")
    await notice(page, "Đã lưu")
    await expect(page.locator("#missing-none")).to_be_visible()
    await shot(page, "04-producer-dossier")
    await page.click("#file-dossier")
    await notice(page, "Đã nộp hồ sơ")
    await expect(page.locator("#dossier-status")).to_have_attribute("data-status",
                                                                    "awaiting_commune")
    return product_id


async def office_invites_commune_officer(page: Page, served: Served) -> None:
    await sign_in(page, served, OFFICE_LOGIN)
    await page.goto(served.at("/office/people"))
    await page.fill("#f-login", OFFICER)
    await page.fill("#f-name", "Cán bộ xã Châu Đốc")
    await page.select_option("#f-role", "commune_officer")
    await page.fill("#f-scope", COMMUNE_CHAU_DOC)
    await page.click("button:has-text('Giao quyền và gửi lời mời')")
    await notice(page, "Đã giao quyền")
    await expect(page.locator("#grants")).to_contain_text(OFFICER)
    await shot(page, "05a-office-people")
    # The officer has no account yet: the invitation comes by message, they set a password.
    await page.context.clear_cookies()
    await reload_until(page, served.at(f"/account/invitation?login={OFFICER}"), "#mailbox")
    await page.fill("#f-code", await code_in_mailbox(page))
    await page.fill("#f-password", PASSWORD)
    await page.click("button:has-text('Đặt mật khẩu và nhận lời mời')")
    await notice(page, "Đã nhận lời mời")


async def commune_signs_form03(page: Page, served: Served) -> None:
    await office_invites_commune_officer(page, served)
    await sign_in(page, served, OFFICER)
    await page.goto(served.at("/commune"))
    await shot(page, "05-commune-dossiers")
    await page.locator("#commune-dossiers tr", has_text=PRODUCT).get_by_role(
        "link", name="Lập Mẫu 03").click()
    await page.fill("#f-local_raw_materials", "Cá linh đầu mùa nước nổi tại địa phương")
    await page.fill("#f-local_labour", "12 lao động địa phương")
    await page.fill("#f-idea_origin", "Nghề làm mắm truyền thống")
    await page.fill("#f-local_identity", "Đặc sản vùng Bảy Núi")
    await page.fill("#f-signed_on", str(date.today()))
    await page.click("button:has-text('Lưu Mẫu 03')")
    await notice(page, "Đã gửi hồ sơ lên tỉnh")
    await expect(page.locator("#dossier-status")).to_have_attribute("data-status", "forwarded")


async def office_sets_up_council(page: Page, served: Served, product_id: str) -> str:
    await sign_in(page, served, OFFICE_LOGIN)
    await page.goto(served.at("/office/councils"))
    await page.select_option("#f-round_id", ROUND)
    await page.fill("#f-name", "Hội đồng đánh giá, phân hạng sản phẩm OCOP cấp tỉnh")
    await page.fill("#f-establishment_ref", "QĐ 2150/QĐ-UBND")
    for row, (member_id, name, role, department) in enumerate(COUNCIL):
        await page.fill(f"[id='f-members.{row}.member_id']", member_id)
        await page.fill(f"[id='f-members.{row}.name']", name)
        await page.fill(f"[id='f-members.{row}.login']", login_of(member_id))
        await served.people.ensure(login_of(member_id), name, password=PASSWORD)
        await page.select_option(f"[id='f-members.{row}.role']", role)
        await page.fill(f"[id='f-members.{row}.department']", department)
    await page.click("button:has-text('Thành lập')")
    await notice(page, "Đã thành lập hội đồng")
    await expect(page.locator("#members tbody tr")).to_have_count(len(COUNCIL))
    await shot(page, "06-office-council")

    row = f"tr[data-product='{product_id}']"
    await reload_until(page, served.at("/office/evaluations"), row)
    evaluation_id = (await page.locator(f"{row} a").first.get_attribute("href") or "").split("/")[-1]
    await page.locator(row).get_by_role("button", name="Giao").click()
    await notice(page, "Đã giao hội đồng")
    await expect(page.locator(row)).to_contain_text("Đã có hội đồng")
    await shot(page, "07-office-evaluations")
    return evaluation_id


async def members_score(page: Page, served: Served, evaluation_id: str) -> None:
    voters = [m for m in COUNCIL if m[2] != "secretary"]
    totals = member_totals("74.25", len(voters))
    band = band_of(Decimal(sum(totals)) / len(totals))
    async with httpx.AsyncClient(base_url=served.url) as api:
        for (member_id, _name, _role, _), total in zip(voters, totals, strict=True):
            headers = await served.people.headers(login_of(member_id))
            sheet = (await api.get(f"/scoring/evaluations/{evaluation_id}/sheet",
                                   headers=headers)).json()
            choices = choices_for_total(sheet, total, band)
            await sign_in(page, served, login_of(member_id))
            await page.goto(served.at("/council"))
            await page.get_by_role("link", name=f"Mở phiếu chấm {PRODUCT}").click()
            await expect(page.locator(".mark").first).to_contain_text("tối thiểu")
            for code, index in choices.items():
                await page.check(f"input[name='choices.{code}'][value='{index}']")
            if member_id == voters[0][0]:
                # Progress is saved as options are picked: it survives a reload.
                await expect(page.locator("#save-status")).to_have_text("Đã lưu nháp.")
                await expect(page.locator("#running-total")).to_have_text(str(total))
                await shot(page, "08-council-sheet")
                await page.reload()
                code, index = next(iter(choices.items()))
                await expect(page.locator(f"input[name='choices.{code}'][value='{index}']")
                             ).to_be_checked()
            await page.click("#submit-sheet")
            await notice(page, "Đã nộp phiếu chấm")
            await expect(page.locator("#sheet-state")).to_have_attribute("data-state", "submitted")


async def chair_finalises(page: Page, served: Served, evaluation_id: str) -> None:
    await sign_in(page, served, login_of(COUNCIL[0][0]))
    await page.goto(served.at(f"/council/evaluations/{evaluation_id}"))
    totals = sorted(int(t) for t in await page.locator(".member-total").all_inner_texts()
                    if t.strip().isdigit())
    assert totals == sorted(member_totals("74.25", 4))
    await expect(page.locator("#mean")).to_have_text("74.25")
    await shot(page, "09-chair-council-view")
    await page.fill("#f-decision_ref", "BB 12/HĐ-OCOP ngày 15/11/2026")
    await page.click("#finalise")
    await notice(page, "Đã kết thúc đánh giá")
    await expect(page.locator("#final-stars")).to_contain_text("4 sao")


async def office_records_the_signed_decision(page: Page, served: Served) -> None:
    """The council's result waits for the province's recognition decision: the office drafts
    it from the round and records it signed, with the signed PDF."""
    await sign_in(page, served, OFFICE_LOGIN)
    await reload_until(page, served.at("/office/decisions"), f"#awaiting-{ROUND} tr", text=PRODUCT)
    await page.click(f"#draft-{ROUND}")
    await notice(page, "Đã soạn dự thảo quyết định công nhận")
    draft = page.locator("form[action*='/signature']").first
    await draft.locator("input[name=number]").fill("2150/QĐ-UBND")
    await draft.locator("input[name=signer_name]").fill("Hồ Văn Mừng")
    await draft.locator("input[name=signer_title]").fill("KT. Chủ tịch, Phó Chủ tịch")
    await draft.locator("input[name=file]").set_input_files(
        {"name": "quyet-dinh-2150.pdf", "mimeType": "application/pdf", "buffer": PDF})
    await shot(page, "10a-office-decision")
    await draft.locator("button[type=submit]").click()
    await notice(page, "Đã ghi nhận quyết định đã ký")
    await expect(page.locator("#signed-decisions")).to_contain_text("2150/QĐ-UBND")


# Over 60 lines: the whole journey in one browser, each role after the other.
async def test_producer_to_revocation_through_the_console(served: Served, browser: Browser,
                                                          page: Page) -> None:
    await office_opens_round(page, served)
    product_id = await producer_submits(page, served)
    await commune_signs_form03(page, served)
    evaluation_id = await office_sets_up_council(page, served, product_id)
    await members_score(page, served, evaluation_id)
    await chair_finalises(page, served, evaluation_id)
    await office_records_the_signed_decision(page, served)

    # The office sees the certificate the decision issued.
    await reload_until(page, served.at("/office/certificates"), "#certificates tr", text=PRODUCT)
    number = (await page.locator("#certificates tr", has_text=PRODUCT).locator("a").first
              .inner_text()).strip()
    await shot(page, "10-office-certificates")

    # Anyone can verify it, without signing in.
    public = await browser.new_context(locale="vi-VN")
    visitor = await public.new_page()
    await visitor.goto(served.at("/verify"))
    await visitor.get_by_label("Số giấy chứng nhận").fill(number)
    await visitor.click("button:has-text('Tra cứu')")
    await expect(visitor.locator("#verdict")).to_have_attribute("data-status", "active")
    await expect(visitor.locator("#cert-product")).to_contain_text(PRODUCT)
    await shot(visitor, "11-public-verify")

    # A showroom that carries every OCOP product lists it.
    await page.goto(served.at("/office/showrooms"))
    await page.fill("#f-id", "cho-chau-doc")
    await page.fill("#f-name", "Điểm bán OCOP chợ Châu Đốc")
    await page.select_option("#f-location_type", "trade_centre")
    await page.fill("#f-address", "Chợ Châu Đốc, An Giang")
    await page.fill("#f-operator", "HTX Thương mại Châu Đốc")
    await page.check("#f-carries_all")
    await page.click("button:has-text('Đăng ký')")
    await expect(page.locator("#api-key")).to_contain_text("cho-chau-doc")
    await shot(page, "12-office-showrooms")
    await reload_until(visitor, served.at("/catalogs/cho-chau-doc"), "#catalog tr", text=PRODUCT)
    await shot(visitor, "13-showroom-catalog")

    # The office revokes it; the showroom page stops listing it and verification says so.
    await page.goto(served.at(f"/office/certificates/{number}"))
    await page.check("#ground-3")
    await page.fill("#f-decision_no", "QĐ 99/QĐ-UBND")
    await page.fill("#f-reason", "Kết luận thanh tra ATTP: vi phạm ghi nhãn hàng hóa")
    await page.click("button:has-text('Thu hồi')")
    await notice(page, "Đã thu hồi giấy chứng nhận")
    await expect(page.locator("#cert-status")).to_have_attribute("data-status", "revoked")
    await shot(page, "14-office-revoked")
    await reload_until(visitor, served.at("/catalogs/cho-chau-doc"), "#catalog tr",
                       text=PRODUCT, gone=True)
    await expect(visitor.locator("body")).not_to_contain_text(PRODUCT)
    await shot(visitor, "15-showroom-after-revocation")
    await visitor.goto(served.at(f"/verify/{number}"))
    await expect(visitor.locator("#verdict")).to_have_attribute("data-status", "revoked")

    for path, name in (("/office/revocation-cases", "16-office-revocation-cases"),
                       (f"/office/reports?year={date.today().year}&period=annual",
                        "17-office-reports"),
                       (f"/office/evaluations/{evaluation_id}", "18-office-evaluation"),
                       (f"/products/{product_id}", "19-product-timeline")):
        await page.goto(served.at(path))
        await expect(page.locator("h1")).to_be_visible()
        await shot(page, name)
    await expect(page.locator("#timeline")).to_contain_text("Bị thu hồi")
    await public.close()
