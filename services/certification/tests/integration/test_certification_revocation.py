"""Inspections and revocation: a confirmed finding opens a case for the competent authority with its
15-day deadline; the decision revokes the certificate, on the public page and on the topic."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

from cert_platform import START, finding, platform
from PIL import Image

from ocop_shared.clock import ManualClock
from ocop_shared.contracts import topics


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, format="PNG")
    return buffer.getvalue()


async def test_an_inspector_s_finding_over_http_leads_to_a_revocation(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        cert = await p.issue(stars=4)
        number = cert["number"]
        clock.advance(timedelta(days=300))  # 11/04/2027

        upload = await p.client.post("/certification/evidence", headers=p.inspector,
                                     files={"file": ("bien-ban/kiem-tra.png", png())})
        assert upload.status_code == 201, upload.text
        evidence = upload.json()
        assert evidence["content_type"] == "image/png" and evidence["filename"] == "kiem-tra.png"
        assert await p.runtime().store.exists(evidence["sha256"])

        report = await p.client.post("/certification/inspections", headers=p.inspector, json={
            "certificate_number": number, "grounds": [3, 2], "confirmed": True,
            "conclusion": "Kết luận thanh tra: nhãn hàng hóa sai quy định, vượt ngưỡng histamine",
            "concluded_by": "Sở Y tế tỉnh An Giang", "concluded_on": "2027-04-09",
            "evidence": [evidence["sha256"]]})
        assert report.status_code == 201, report.text
        case_id = report.json()["case_id"]
        assert report.json()["outcome"] == "violation" and case_id

        case = (await p.client.get(f"/certification/revocation-cases/{case_id}", headers=p.office)).json()
        assert case["deadline"] == "2027-04-24" and case["days_left"] == 13 and not case["overdue"]
        assert case["competent_authority"] == "Chủ tịch UBND tỉnh An Giang"
        assert [g["letter"] for g in case["grounds"]] == ["b", "c"] and case["status"] == "open"
        opened = (await p.wait_for_event("RevocationCaseOpened"))[0]
        assert opened.payload.deadline == date(2027, 4, 24) and opened.payload.grounds == [2, 3]
        page = await p.verify(number)
        assert page["status"] == "active" and page["revocation_case_open"] is True

        inspections = (await p.client.get("/certification/inspections", headers=p.inspector,
                                          params={"certificate_number": number})).json()
        assert inspections["total"] == 1
        assert inspections["items"][0]["evidence"][0]["sha256"] == evidence["sha256"]

        decided = await p.client.post(f"/certification/revocation-cases/{case_id}/decision", headers=p.office,
                                      json={"decision_no": "456/QĐ-UBND"})
        assert decided.status_code == 200, decided.text
        assert decided.json()["status"] == "decided" and decided.json()["decided_on"] == "2027-04-11"

        page = await p.verify(number)
        assert page["status"] == "revoked" and page["status_label"] == "Đã bị thu hồi"
        assert page["revocation"]["decision_no"] == "456/QĐ-UBND"
        assert [g["number"] for g in page["revocation"]["grounds"]] == [2, 3]
        assert [h["status"] for h in page["history"]] == ["active", "revoked"]
        assert "456/QĐ-UBND" in page["history"][1]["reason"] and "điểm b, c khoản 1 Điều 8" in \
            page["history"][1]["reason"]
        revoked = (await p.wait_for_event("CertificateRevoked"))[0]
        assert revoked.payload.number == number and revoked.payload.grounds == [2, 3]
        assert revoked.payload.decision_no == "456/QĐ-UBND" and revoked.topic == topics.CERTIFICATE
        assert [e.aggregate_version for e in await p.events()] == [1, 2, 3]

        again = await p.client.post(f"/certification/revocation-cases/{case_id}/decision", headers=p.office,
                                    json={"decision_no": "457/QĐ-UBND"})
        assert again.status_code == 409


async def test_department_findings_on_the_topic(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        cert = await p.issue(stars=5, level="central", mean_score="93.00")
        number = cert["number"]
        clock.advance(timedelta(days=30))

        # reported, not yet confirmed: recorded, no case
        suspected = finding(number, confirmed=False, finding_id="SYT-2026-0042", clock=clock)
        await p.inject(suspected)
        listed = (await p.client.get("/certification/inspections", headers=p.office)).json()["items"]
        assert [(i["finding_id"], i["outcome"], i["case_id"], i["source"]) for i in listed] == [
            ("SYT-2026-0042", "open", None, "topic")]
        assert (await p.client.get("/certification/revocation-cases", headers=p.office)).json()["total"] == 0

        # the same finding, now confirmed by the authority: a case for the ministry (5★)
        await p.inject(finding(number, confirmed=True, finding_id="SYT-2026-0042", clock=clock))
        cases = (await p.client.get("/certification/revocation-cases", headers=p.office,
                                    params={"status": "open"})).json()
        assert cases["total"] == 1
        case = cases["items"][0]
        assert case["competent_authority"] == "Bộ trưởng Bộ Nông nghiệp và Môi trường"
        assert case["authority_level"] == "ministry" and case["deadline"] == "2026-07-30"

        # delivered again: nothing new
        await p.inject(finding(number, confirmed=True, finding_id="SYT-2026-0042", clock=clock))
        assert (await p.client.get("/certification/revocation-cases", headers=p.office)).json()["total"] == 1

        # a second confirmed finding joins the open case instead of opening another
        await p.inject(finding(number, grounds=[4], clock=clock))
        assert (await p.client.get("/certification/revocation-cases", headers=p.office)).json()["total"] == 1

        # the deadline passes: the case shows as overdue
        clock.advance(timedelta(days=16))
        overdue = (await p.client.get("/certification/revocation-cases", headers=p.office,
                                      params={"overdue": "true"})).json()
        assert overdue["total"] == 1 and overdue["items"][0]["overdue"] is True
        assert overdue["items"][0]["days_left"] == -1

        # an unknown certificate on the topic is recorded as rejected, with the reason
        await p.inject(finding("91-2026-99999", clock=clock, finding_id="SCT-7"))
        items = (await p.client.get("/certification/inspections", headers=p.office)).json()["items"]
        rejected = next(i for i in items if i["finding_id"] == "SCT-7")
        assert rejected["outcome"] == "rejected" and "91-2026-99999" in rejected["note"]

        # dismissed: the certificate stands, and subscribers hear it
        dismissed = await p.client.post(f"/certification/revocation-cases/{case['id']}/dismissal",
                                        headers=p.office, json={"reason": "Cơ sở đã khắc phục, tái kiểm đạt"})
        assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
        assert (await p.verify(number))["status"] == "active"
        await p.wait_for_event("RevocationCaseDismissed")


async def test_a_finding_without_grounds_is_refused_or_dead_lettered(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        cert = await p.issue()
        body = {"certificate_number": cert["number"], "grounds": [], "confirmed": True,
                "conclusion": "Vi phạm ghi nhãn", "concluded_by": "Sở Công Thương"}
        r = await p.client.post("/certification/inspections", headers=p.inspector, json=body)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "grounds"
        r = await p.client.post("/certification/inspections", headers=p.inspector, json={**body, "grounds": [7]})
        assert r.status_code == 422 and r.json()["type"].endswith("/invalid-grounds")
        assert "1 đến 6" in r.json()["detail"]
        r = await p.client.post("/certification/inspections", headers=p.inspector,
                                json={**body, "grounds": [3], "certificate_number": "91-2026-424242"})
        assert r.status_code == 404 and r.json()["type"].endswith("/unknown-certificate")
        r = await p.client.post("/certification/inspections", headers=p.inspector,
                                json={**body, "grounds": [3], "evidence": ["b" * 64]})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "evidence"

        # on the topic, a finding without grounds breaks the contract: parked on the DLQ
        raw = finding(cert["number"]).model_dump(mode="json")
        raw["payload"]["grounds"] = []
        await p.inject(raw=json.dumps(raw).encode(), topic=topics.INSPECTION_FINDING)
        letters = await p.log.read(topics.dead_letter_topic("certification"), 0)
        assert len(letters) == 1 and letters[0].headers["ocop-dlq-error-kind"] == "malformed"
        assert "grounds" in letters[0].headers["ocop-dlq-error"]
        items = (await p.client.get("/certification/inspections", headers=p.office)).json()
        assert items["total"] == 0


async def test_revoking_unknown_revoked_or_expired_certificates(tmp_path: Path) -> None:
    clock = ManualClock(START)
    async with platform(tmp_path, clock=clock) as p:
        first = await p.issue(stars=3)
        second = await p.issue(stars=4)
        decision = {"grounds": [5], "decision_no": "99/QĐ-UBND", "reason": "Chủ thể ngừng sản xuất"}

        unknown = await p.client.post("/certification/certificates/91-2026-77777/revocation",
                                      headers=p.office, json=decision)
        assert unknown.status_code == 404 and "91-2026-77777" in unknown.json()["detail"]

        ok = await p.client.post(f"/certification/certificates/{first['number']}/revocation",
                                 headers=p.office, json=decision)
        assert ok.status_code == 204
        twice = await p.client.post(f"/certification/certificates/{first['number']}/revocation",
                                    headers=p.office, json=decision)
        assert twice.status_code == 409 and "thu hồi" in twice.json()["detail"]
        cases = (await p.client.get("/certification/revocation-cases", headers=p.office,
                                    params={"status": "decided"})).json()
        assert cases["total"] == 1 and cases["items"][0]["certificate_number"] == first["number"]

        no_grounds = await p.client.post(f"/certification/certificates/{second['number']}/revocation",
                                         headers=p.office, json={**decision, "grounds": []})
        assert no_grounds.status_code == 422

        clock.set(START + timedelta(days=3 * 366))  # past the 36 months
        expired = await p.client.post(f"/certification/certificates/{second['number']}/revocation",
                                      headers=p.office, json=decision, params={"lang": "en"})
        assert expired.status_code == 409 and "expired" in expired.json()["detail"]
        # a confirmed finding on an expired certificate opens no case either
        r = await p.client.post("/certification/inspections", headers=p.inspector, json={
            "certificate_number": second["number"], "grounds": [3], "confirmed": True,
            "conclusion": "Vi phạm ghi nhãn", "concluded_by": "Sở Công Thương"})
        assert r.status_code == 409 and r.json()["type"].endswith("/certificate-not-valid")
        await p.wait_for_event("CertificateRevoked")
        assert [e.type for e in await p.events()] == [
            "Certified", "Certified", "CertificateRevoked"]
        revoked = (await p.events())[2]
        assert revoked.payload.grounds == [5] and revoked.payload.reason == "Chủ thể ngừng sản xuất"


async def test_evidence_is_checked_by_content(tmp_path: Path) -> None:
    async with platform(tmp_path) as p:
        fake = await p.client.post("/certification/evidence", headers=p.inspector,
                                   files={"file": ("bien-ban.pdf", b"MZ\x90\x00 not a pdf at all")})
        assert fake.status_code == 415 and fake.json()["errors"][0]["field"] == "file"
        lying = await p.client.post("/certification/evidence", headers=p.inspector,
                                    files={"file": ("anh.pdf", png())})
        assert lying.status_code == 415 and "PNG" in lying.json()["detail"]
        empty = await p.client.post("/certification/evidence", headers=p.inspector,
                                    files={"file": ("x.pdf", b"")})
        assert empty.status_code == 422
        assert (await p.client.post("/certification/evidence", files={"file": ("x.png", png())})).status_code == 401
