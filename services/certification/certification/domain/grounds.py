"""The six grounds for revoking a certificate (26/2026/QĐ-TTg, Article 8(1)).

The decision letters them a), b), c), d), đ), e); we number them 1-6 in that order
(the event contract ``CertificateRevoked.grounds`` uses the numbers). The Vietnamese
text is the decision's wording; the English is our translation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ocop_shared.i18n import said

from .errors import InvalidGrounds


@dataclass(frozen=True)
class Ground:
    number: int
    letter: str  # the point of Article 8(1) as printed: a, b, c, d, đ, e
    vi: str
    en: str

    @property
    def citation_vi(self) -> str:
        return f"điểm {self.letter} khoản 1 Điều 8 Quyết định 26/2026/QĐ-TTg"

    @property
    def citation_en(self) -> str:
        return f"Decision 26/2026/QĐ-TTg, Article 8(1)({self.letter})"


GROUNDS: dict[int, Ground] = {
    g.number: g
    for g in (
        Ground(1, "a",
               "Chủ thể OCOP bị phát hiện cung cấp thông tin, tài liệu không trung thực hoặc "
               "giả mạo hồ sơ trong quá trình đăng ký đánh giá, phân hạng sản phẩm OCOP.",
               "The OCOP entity was found to have provided dishonest information or documents, "
               "or forged its dossier, when registering the product for evaluation and ranking."),
        Ground(2, "b",
               "Sản phẩm OCOP không còn đáp ứng các tiêu chí theo Bộ tiêu chí OCOP theo kết luận "
               "kiểm tra, giám sát của cơ quan có thẩm quyền.",
               "The OCOP product no longer meets the OCOP criteria, per the inspection or "
               "monitoring conclusion of a competent authority."),
        Ground(3, "c",
               "Sản phẩm OCOP vi phạm quy định pháp luật về chất lượng sản phẩm, an toàn thực "
               "phẩm, bảo vệ môi trường, sở hữu trí tuệ, ghi nhãn hàng hóa hoặc các quy định "
               "pháp luật khác có liên quan theo kết luận của cơ quan có thẩm quyền.",
               "The OCOP product violates the law on product quality, food safety, environmental "
               "protection, intellectual property, goods labelling or other relevant law, per the "
               "conclusion of a competent authority."),
        Ground(4, "d",
               "Chủ thể OCOP sử dụng nhãn hiệu OCOP không đúng quy định, gây nhầm lẫn về sản "
               "phẩm được công nhận.",
               "The OCOP entity uses the OCOP mark improperly, causing confusion about which "
               "product was recognised."),
        Ground(5, "đ",
               "Chủ thể OCOP không còn hoạt động sản xuất sản phẩm OCOP.",
               "The OCOP entity no longer produces the OCOP product."),
        Ground(6, "e",
               "Trường hợp khác theo kết luận và đề nghị của cơ quan nhà nước có thẩm quyền về "
               "việc sản phẩm OCOP không đủ điều kiện tiếp tục được công nhận.",
               "Other cases where a competent state authority concludes and proposes that the "
               "OCOP product no longer qualifies for recognition."),
    )
}


def validate_grounds(grounds: Iterable[int]) -> tuple[int, ...]:
    """The grounds sorted and de-duplicated; a domain error if empty or outside 1-6."""
    items = list(grounds)
    if not items:
        raise InvalidGrounds(
            "Phải nêu ít nhất một căn cứ thu hồi theo khoản 1 Điều 8 Quyết định 26/2026/QĐ-TTg",
            "At least one revocation ground of Decision 26/2026/QĐ-TTg Article 8(1) is required",
        )
    unknown = [g for g in items if isinstance(g, bool) or not isinstance(g, int) or g not in GROUNDS]
    if unknown:
        shown = ", ".join(repr(g) for g in unknown)
        raise InvalidGrounds(
            *said("certification.invalid_revocation_ground_s_only_1", shown=shown),
        )
    return tuple(sorted(set(items)))


def describe_grounds(grounds: Iterable[int], language: str = "vi") -> str:
    """A one-line citation of the grounds, e.g. for a history reason or a decision."""
    picked = [GROUNDS[g] for g in validate_grounds(grounds)]
    if language == "en":
        return "; ".join(f"({g.letter}) {g.en}" for g in picked)
    return "; ".join(f"{g.letter}) {g.vi}" for g in picked)
