"""The report as titled tables with Vietnamese (or English) headers: what XLSX and PDF print."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .rows import ENTITY_TYPES, LEVELS, STATUS, Report

Words = Callable[[str, str], str]  # (Vietnamese, English) -> the one of the report's language

CHANGE_KINDS: dict[str, tuple[str, str]] = {
    "upgrade": ("Nâng hạng sao", "Upgrade"),
    "rerating": ("Đánh giá lại", "Re-rating"),
    "expired": ("Hết hiệu lực", "Expired"),
    "revoked": ("Thu hồi", "Revoked"),
    "superseded": ("Thay thế", "Superseded"),
    "extended": ("Gia hạn chờ đánh giá lại", "Extended pending re-rating"),
}

CASES: dict[str, tuple[str, str]] = {
    "first": ("Đánh giá lần đầu", "First evaluation"),
    "upgrade": ("Nâng hạng", "Upgrade"),
    "rerating": ("Đánh giá lại", "Re-rating"),
}


@dataclass(frozen=True)
class Sheet:
    key: str
    title: str
    headers: list[str]
    rows: list[list[object]]


def _t(lang: str, vi: str, en: str) -> str:
    return en if lang == "en" else vi


def _name(names: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    vi, en = names.get(key, (key, key))
    return _t(lang, vi, en)


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def sheets(report: Report, lang: str = "vi") -> list[Sheet]:
    def t(vi: str, en: str) -> str:
        return _t(lang, vi, en)

    return [_summary(report, t), *_breakdowns(report, t, lang), *_movements(report, t, lang),
            *_plan_and_products(report, t, lang)]


def _summary(report: Report, t: Words) -> Sheet:
    s = report.summary
    return Sheet("summary", t("Tổng hợp", "Summary"), [t("Chỉ tiêu", "Figure"), t("Giá trị", "Value")], [
        [t("Sản phẩm tham gia đánh giá, phân hạng", "Products evaluated"), s.evaluated],
        [t("Sản phẩm đạt từ 3 sao trở lên", "Products at 3 stars or more"), s.three_plus],
        [t("Tỷ lệ đạt từ 3 sao trở lên", "Share at 3 stars or more"), _percent(s.share_three_plus)],
        [t("Chủ thể tham gia", "Participating entities"), s.entities],
        [t("Sản phẩm đề xuất đánh giá cấp quốc gia", "Products sent to the national evaluation"),
         s.national_evaluation],
        [t("Sản phẩm nâng hạng sao", "Products upgraded"), s.upgrades],
        [t("Sản phẩm đánh giá lại", "Products re-rated"), s.reratings],
        [t("Giấy chứng nhận hết hiệu lực", "Certificates expired"), s.expiries],
        [t("Giấy chứng nhận bị thu hồi", "Certificates revoked"), s.revocations],
        [t("Giấy chứng nhận được thay thế", "Certificates superseded"), s.supersessions],
        [t("Giấy chứng nhận gia hạn chờ đánh giá lại", "Certificates extended"), s.extensions],
        [t("Sản phẩm bày bán tại điểm bán, showroom", "Products in showrooms"), s.products_in_showrooms],
        [t("Hội chợ, triển lãm", "Fairs"), s.fairs],
        [t("Sản phẩm tham gia hội chợ", "Products at fairs"), s.products_at_fairs],
    ])


def _breakdowns(report: Report, t: Words, lang: str) -> list[Sheet]:
    out = [Sheet("by_star", t("Theo hạng sao", "By stars"),
                     [t("Hạng sao", "Stars"), t("Số sản phẩm", "Products"), t("Được công nhận", "Recognised"),
                      t("Đề xuất trung ương", "Proposed to central")],
                     [[f"{r.stars}★", r.products, r.recognised, r.pending_central] for r in report.by_star])]
    out.append(Sheet("by_group", t("Theo nhóm sản phẩm", "By product group"),
                     [t("Nhóm", "Group"), t("Tên nhóm", "Name"), t("Tham gia", "Evaluated"),
                      t("Từ 3 sao", "3★+"), "1★", "2★", "3★", "4★", "5★"],
                     [[r.category, t(r.name_vi, r.name_en), r.evaluated, r.three_plus,
                       *(r.stars[str(n)] for n in range(1, 6))] for r in report.by_group]))
    out.append(Sheet("by_entity_type", t("Theo loại hình chủ thể", "By entity type"),
                     [t("Loại hình chủ thể", "Entity type"), t("Số chủ thể", "Entities"),
                      t("Sản phẩm tham gia", "Products evaluated"), t("Từ 3 sao", "3★+")],
                     [[t(r.name_vi, r.name_en), r.entities, r.evaluated, r.three_plus]
                      for r in report.by_entity_type]))
    out.append(Sheet("by_district", t("Theo huyện, thị xã, thành phố", "By district"),
                     [t("Mã", "Code"), t("Huyện, thị xã, thành phố", "District, town or city"),
                      t("Số chủ thể", "Entities"), t("Sản phẩm tham gia", "Products evaluated"),
                      t("Từ 3 sao", "3★+")],
                     [[r.district_code, r.district_name, r.entities, r.evaluated, r.three_plus]
                      for r in report.by_district]))
    out.append(Sheet("by_commune", t("Theo xã, phường", "By commune"),
                     [t("Mã tỉnh", "Province code"), t("Mã xã, phường", "Commune code"),
                      t("Xã, phường", "Commune"), t("Huyện (trước 7/2025)", "District (before 7/2025)"),
                      t("Số chủ thể", "Entities"), t("Sản phẩm tham gia", "Products evaluated"),
                      t("Từ 3 sao", "3★+")],
                     [[r.province_code, r.commune_code, r.commune_name, r.district_name, r.entities,
                       r.evaluated, r.three_plus] for r in report.by_commune]))
    out.append(Sheet("by_level", t("Theo cấp đánh giá", "By level"),
                     [t("Cấp", "Level"), t("Kết quả", "Results"), t("Công nhận từ 3 sao", "Recognised 3★+"),
                      t("Chuyển cấp trên", "Forwarded")],
                     [[_name(LEVELS, r.level, lang), r.results, r.recognised, r.forwarded]
                      for r in report.by_level]))
    out.append(Sheet("by_round", t("Theo đợt đánh giá", "By round"),
                     [t("Đợt", "Round"), t("Tham gia", "Evaluated"), t("Từ 3 sao", "3★+")],
                     [[r.round_id, r.evaluated, r.three_plus] for r in report.by_round]))
    out.append(Sheet("trend", t("Diễn biến qua các đợt", "Trend by round"),
                     [t("Đợt", "Round"), t("Tham gia", "Evaluated"), t("Từ 3 sao", "3★+")],
                     [[r.round_id, r.evaluated, r.three_plus] for r in report.trend]))
    return out


def _movements(report: Report, t: Words, lang: str) -> list[Sheet]:
    out = [Sheet("changes", t("Biến động", "Changes"),
                     [t("Loại", "Kind"), t("Sản phẩm", "Product"), t("Ngày", "Date"), t("Chi tiết", "Detail")],
                     [[_name(CHANGE_KINDS, r.kind, lang), r.product_name, r.on.strftime("%d/%m/%Y"), r.detail]
                      for r in report.changes])]
    out.append(Sheet("showrooms", t("Điểm bán", "Showrooms"),
                     [t("Điểm bán", "Catalog"), t("Số sản phẩm", "Products"), "3★", "4★", "5★"],
                     [[r.catalog_id, r.products, r.three_star, r.four_star, r.five_star]
                      for r in report.showrooms]))
    out.append(Sheet("fairs", t("Hội chợ, triển lãm", "Fairs"),
                     [t("Hội chợ", "Fair"), t("Địa điểm", "Place"), t("Từ ngày", "From"), t("Đến ngày", "To"),
                      t("Số sản phẩm", "Products"), "3★", "4★", "5★"],
                     [[r.fair_name, r.place, r.starts_on.strftime("%d/%m/%Y"), r.ends_on.strftime("%d/%m/%Y"),
                       r.products, r.three_star, r.four_star, r.five_star] for r in report.fairs]))
    return out


def _plan_and_products(report: Report, t: Words, lang: str) -> list[Sheet]:
    out = [Sheet("targets", t("Chỉ tiêu kế hoạch", "Plan targets"),
                     [t("Chỉ tiêu", "Target"), t("Kế hoạch", "Planned"), t("Thực hiện", "Actual"),
                      t("Đạt", "Met"), t("Ghi chú", "Note")],
                     [[t(r.label_vi, r.label_en), _target(r.target_min, r.target_max, r.metric),
                       _percent(r.actual) if r.metric.startswith("share") else _number(r.actual),
                       t("Đạt", "Yes") if r.met else t("Chưa đạt", "No"), t(r.note_vi, r.note_en)]
                      for r in report.targets])]
    out.append(Sheet("products", t("Danh sách sản phẩm", "Products"),
                     [t("Sản phẩm", "Product"), t("Chủ thể", "Entity"), t("Loại hình", "Entity type"),
                      t("Mã xã", "Commune"), t("Huyện", "District"), t("Nhóm", "Group"), t("Đợt", "Round"),
                      t("Trường hợp", "Case"),
                      t("Cấp", "Level"), t("Điểm", "Score"), t("Hạng sao", "Stars"), t("Kết quả", "Result")],
                     [[r.product_name, r.entity_name, _name(ENTITY_TYPES, r.entity_type, lang), r.commune_code,
                       r.district_name, r.category, r.round_id, _name(CASES, r.case, lang),
                       _name(LEVELS, r.level, lang),
                       float(r.mean_score), r.stars, _name(STATUS, r.status, lang)] for r in report.products]))
    return out


def _number(value: float) -> object:
    return int(value) if float(value).is_integer() else value


def _target(low: float, high: float | None, metric: str) -> str:
    if metric.startswith("share"):
        return f"≥ {low * 100:.0f}%"
    if high is not None:
        return f"{low:.0f}–{high:.0f}"
    return f"≥ {low:.0f}"


def title(report: Report, lang: str = "vi") -> str:
    if lang == "en":
        return f"OCOP {report.period_name_en} {report.year} — {report.province}"
    name = report.period_name_vi if report.period_name_vi.endswith(" năm") else f"{report.period_name_vi} năm"
    return f"{name} {report.year} — Chương trình OCOP tỉnh {report.province}"
