"""The representative's personal data: consent for criterion 3.2, its withdrawal, erasure.

Ethnic origin and health (disability) are sensitive personal data (Decree 13/2023/NĐ-CP,
Article 2(4); Personal Data Protection Law 2025). The registry holds them for one purpose
only: OCOP criterion 3.2 ("the legal representative is a woman, an ethnic-minority person or a
person with disability": 1 point). It records them only with the representative's consent for
that purpose, keeps only what the criterion needs (an ethnicity other than Kinh; the default
is "not declared"), and sends other services only the answer (`EntityFacts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from ocop_shared.i18n import said

from .errors import DomainError
from .model import Entity, declared_ethnicity

PURPOSE: Final = "ocop-criterion-3.2"
PURPOSE_VI = "Chấm điểm tiêu chí 3.2 của Bộ tiêu chí đánh giá, phân hạng sản phẩm OCOP"
PURPOSE_EN = "Scoring OCOP criterion 3.2"
CONSENT_FIELD = "sensitive_data_consent"


class DataKind(StrEnum):
    ETHNICITY = "ethnicity"
    DISABILITY = "disability"


def sensitive_kinds(ethnicity: str, disabled: bool) -> tuple[DataKind, ...]:
    """The sensitive data a registration or an update enters."""
    return ((DataKind.ETHNICITY,) if declared_ethnicity(ethnicity) else ()) + \
        ((DataKind.DISABILITY,) if disabled else ())


@dataclass(frozen=True)
class ConsentGiven:
    """The consent a request carries: given or not, by whom (the representative), when."""

    given: bool
    given_by: str
    given_at: datetime | None = None


@dataclass
class Consent:
    """A consent on record. Withdrawn: still on record (when, by whom). Erased: who gave it and
    what it covered are gone; that there was one, and its withdrawal, stay."""

    id: str
    entity_id: str
    data_kinds: tuple[DataKind, ...]
    given_by: str
    given_at: datetime
    recorded_by: str
    recorded_at: datetime
    purpose: str = PURPOSE
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    erased_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def withdraw(self, by: str, at: datetime) -> None:
        if not self.active:
            raise DomainError(*said("registry.consent_was_already_withdrawn", self_id=self.id,
                                    self_withdrawn_at=self.withdrawn_at))
        self.withdrawn_at, self.withdrawn_by = at, by

    def erase(self, by: str, at: datetime) -> None:
        if self.active:
            self.withdraw(by, at)
        self.given_by, self.data_kinds, self.erased_at = "", (), self.erased_at or at


class ConsentRequired(DomainError):
    def __init__(self, kinds: tuple[DataKind, ...]) -> None:
        vi = {DataKind.ETHNICITY: "dân tộc", DataKind.DISABILITY: "tình trạng khuyết tật"}
        super().__init__(
            f"{' và '.join(vi[k] for k in kinds).capitalize()} của người đại diện là dữ liệu cá "
            "nhân nhạy cảm: chỉ được ghi nhận khi người đại diện đồng ý cho mục đích "
            f"\"{PURPOSE_VI}\" ({CONSENT_FIELD}: given = true, given_by = họ tên người đại diện)",
            f"The representative's {' and '.join(kinds)} is sensitive personal data: it is "
            f"recorded only with the representative's consent for the purpose \"{PURPOSE_EN}\" "
            f"({CONSENT_FIELD}: given = true, given_by = the representative's name)",
            field=CONSENT_FIELD)


def consent_for(kinds: tuple[DataKind, ...], given: ConsentGiven | None, *, consent_id: str,
                entity_id: str, recorded_by: str, now: datetime) -> Consent | None:
    """The consent to record with sensitive data (none without any), or ConsentRequired."""
    if not kinds:
        return None
    if given is None or not given.given or not given.given_by.strip():
        raise ConsentRequired(kinds)
    given_at = (given.given_at or now).astimezone(UTC)  # what is stored is UTC
    if given_at > now:
        raise DomainError(*said("registry.given_at_future"),
                          field=f"{CONSENT_FIELD}.given_at")
    return Consent(id=consent_id, entity_id=entity_id, data_kinds=kinds,
                   given_by=given.given_by.strip(), given_at=given_at, recorded_by=recorded_by,
                   recorded_at=now)


def forget(entity: Entity, kinds: tuple[DataKind, ...]) -> None:
    """Erase the sensitive data of these kinds: ethnicity back to "not declared", disability
    to no."""
    if DataKind.ETHNICITY in kinds:
        entity.representative_ethnicity = ""
    if DataKind.DISABILITY in kinds:
        entity.representative_disabled = False


# -- the producer's rights: export and erasure -----------------------------------------------

@dataclass(frozen=True)
class Note:
    """An item of an export or erasure answer: what, who holds it, and why (Vietnamese, English)."""

    what: str
    holder: str
    vi: str
    en: str


RETAINED_ELSEWHERE = (
    Note("certificates", "certification",
         "Giấy chứng nhận OCOP của sản phẩm (số, sản phẩm, chủ thể, số sao, thời hạn) có hiệu lực "
         "36 tháng và được công khai để tra cứu; lưu trong thời hạn hiệu lực và theo quy định lưu "
         "trữ hồ sơ hành chính (Quyết định 26/2026/QĐ-TTg)",
         "The products' OCOP certificates (number, product, entity, stars, validity) are valid "
         "for 36 months and on the public register; kept while valid and then as administrative "
         "records (Decision 26/2026/QĐ-TTg)"),
    Note("evaluations", "scoring",
         "Kết quả đánh giá, phiếu chấm của thành viên hội đồng và biên bản họp: hồ sơ của thủ tục "
         "đánh giá, phân hạng (tên sản phẩm, tên chủ thể; không có dữ liệu về người đại diện)",
         "Evaluations, council members' sheets and minutes: records of the rating procedure "
         "(product and entity names; nothing about the representative)"),
    Note("catalog", "trade",
         "Danh mục sản phẩm tại điểm bán và hội chợ (tên sản phẩm, tên chủ thể, số giấy chứng nhận) "
         "trong thời hạn giấy chứng nhận còn hiệu lực",
         "Showroom catalogs and fair registrations (product and entity names, certificate number) "
         "while the certificate is valid"),
    Note("reports", "reporting",
         "Số liệu tổng hợp cho báo cáo 6 tháng và năm gửi cấp trên (tên chủ thể, loại hình, địa bàn)",
         "Figures of the half-year and annual reports to the central programme (entity name, "
         "legal form, commune)"),
    Note("audit", "every service",
         "Nhật ký thao tác (ai, khi nào, làm gì, địa chỉ IP) chỉ được ghi thêm, không sửa hay xóa: "
         "bảo đảm trách nhiệm giải trình và an toàn xử lý dữ liệu (Nghị định 13/2023/NĐ-CP)",
         "The audit trail (who did what, when, from which address) is append-only: "
         "accountability and security of processing (Decree 13/2023/NĐ-CP)"),
    Note("events", "event log",
         "Sự kiện đã phát hành nằm trên các topic đến hết thời hạn lưu của topic; các sự kiện "
         "ProductSubmitted v1 trước phiên bản này có ghi giới tính, dân tộc thiểu số, khuyết tật "
         "của người đại diện (dạng có/không)",
         "Events already published stay on their topics until the topic's retention ends; "
         "ProductSubmitted v1 events from before this version carry the representative's "
         "gender, ethnic-minority status and disability as yes/no"),
)

KEPT_HERE = (
    Note("entity", "registry",
         "Tên, loại hình, mã số đăng ký, địa chỉ, người đại diện theo pháp luật và chức vụ của chủ "
         "thể: chủ thể của hồ sơ và giấy chứng nhận OCOP",
         "The entity's name, legal form, registration number, address, legal representative and "
         "position: the holder of the OCOP dossiers and certificates"),
    Note("dossiers", "registry",
         "Hồ sơ (Mẫu 01, 02, 03) và tài liệu minh chứng: hồ sơ của thủ tục hành chính; hồ sơ "
         "chưa nộp chủ thể tự sửa hoặc rút",
         "Dossiers (Forms 01-03) and their evidence files: records of the administrative "
         "procedure; a dossier not yet filed the entity edits or withdraws itself"),
    Note("consents", "registry",
         "Việc đã có sự đồng ý và thời điểm rút: bằng chứng việc xử lý dữ liệu nhạy cảm là hợp pháp",
         "That a consent existed and when it was withdrawn: proof that processing the sensitive "
         "data was lawful"),
)

CONTACT_KEPT = Note(
    "contact", "registry",
    "Số điện thoại và e-mail của chủ thể: cần để liên hệ khi còn hồ sơ đang xử lý hoặc giấy chứng "
    "nhận còn hiệu lực (kiểm tra, thông báo đánh giá lại)",
    "The entity's phone and e-mail: needed to reach it while a dossier is in progress or a "
    "certificate is valid (inspections, re-rating notices)")


@dataclass(frozen=True)
class Erasure:
    erased: list[Note]
    kept: list[Note]


def erase(entity: Entity, consents: list[Consent], *, in_progress: bool, by: str,
          at: datetime) -> Erasure:
    """What an erasure request erases (changing `entity` and `consents`) and what it keeps.

    Erased: the criterion 3.2 facts (ethnicity, disability, and gender, held for nothing
    else), who gave each consent and what it covered (the withdrawal stays), and the contact
    data unless a dossier is in progress or a certificate is valid (`in_progress`)."""
    erased = []
    if entity.representative_ethnicity or entity.representative_disabled \
            or entity.representative_female:
        forget(entity, tuple(DataKind))
        entity.representative_female = False
        erased.append(Note("representative_facts", "registry",
                           "Thông tin về người đại diện dùng cho tiêu chí 3.2 (dân tộc, khuyết tật, "
                           "giới tính)",
                           "The representative's facts for criterion 3.2 (ethnicity, disability, "
                           "gender)"))
    held = [c for c in consents if c.erased_at is None]
    for consent in held:
        consent.erase(by, at)
    if held:
        erased.append(Note("consents", "registry",
                           f"Người đồng ý và loại dữ liệu của {len(held)} sự đồng ý (giữ lại thời "
                           "điểm rút)",
                           f"Who gave {len(held)} consent(s) and what they covered (their "
                           "withdrawal is kept)"))
    kept = list(KEPT_HERE)
    if in_progress:
        kept.append(CONTACT_KEPT)
    elif entity.phone or entity.email:
        entity.phone = entity.email = ""
        erased.append(Note("phone, email", "registry", "Số điện thoại và e-mail của chủ thể",
                           "The entity's phone and e-mail"))
    if erased:
        entity.version += 1
    return Erasure(erased=erased, kept=kept + list(RETAINED_ELSEWHERE))
