"""The report as titled tables with Vietnamese (or English) headers: what XLSX and PDF print."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ocop_shared.i18n import names_in, translate
from ocop_shared.provinces import named

from .rows import ENTITY_TYPES, LEVELS, STATUS, Report

Words = Callable[[str], str]  # a catalogue key -> its text in the report's language

CHANGE_KINDS: dict[str, tuple[str, str]] = names_in(
    "reporting.change", ("upgrade", "rerating", "expired", "revoked", "superseded", "extended"))

CASES: dict[str, tuple[str, str]] = names_in(
    "reporting.case", ("first", "upgrade", "rerating"))


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
    def t(key: str) -> str:
        return translate(lang, key)

    return [_summary(report, t), *_breakdowns(report, t, lang), *_movements(report, t, lang),
            *_plan_and_products(report, t, lang)]


def _summary(report: Report, t: Words) -> Sheet:
    s = report.summary
    return Sheet("summary", t("reporting.summary"), [t("reporting.figure"), t("reporting.value")], [
        [t("reporting.products_evaluated"), s.evaluated],
        [t("reporting.products_at_3_stars_more"), s.three_plus],
        [t("reporting.share_at_3_stars_more"), _percent(s.share_three_plus)],
        [t("reporting.participating_entities"), s.entities],
        [t("reporting.products_sent_national_evaluation"),
         s.national_evaluation],
        [t("reporting.products_upgraded"), s.upgrades],
        [t("reporting.products_re_rated"), s.reratings],
        [t("reporting.certificates_expired"), s.expiries],
        [t("reporting.certificates_revoked"), s.revocations],
        [t("reporting.certificates_superseded"), s.supersessions],
        [t("reporting.certificates_extended"), s.extensions],
        [t("reporting.products_showrooms"), s.products_in_showrooms],
        [t("reporting.fairs"), s.fairs],
        [t("reporting.products_at_fairs"), s.products_at_fairs],
    ])


def _breakdowns(report: Report, t: Words, lang: str) -> list[Sheet]:
    out = [Sheet("by_star", t("reporting.by_stars"),
                     [t("reporting.stars"), t("reporting.product_count"), t("reporting.status.recognised"),
                      t("reporting.status.awaiting_decision"), t("reporting.proposed_central")],
                     [[f"{r.stars}★", r.products, r.recognised, r.awaiting_decision, r.pending_central]
                      for r in report.by_star])]
    out.append(Sheet("by_group", t("reporting.by_product_group"),
                     [t("reporting.group"), t("reporting.name"), t("reporting.evaluated"),
                      t("reporting.three_stars_plus"), "1★", "2★", "3★", "4★", "5★"],
                     [[r.category, _t(lang, r.name_vi, r.name_en), r.evaluated, r.three_plus,
                       *(r.stars[str(n)] for n in range(1, 6))] for r in report.by_group]))
    out.append(Sheet("by_entity_type", t("reporting.by_entity_type"),
                     [t("reporting.entity_type"), t("reporting.entities"),
                      t("reporting.products_taking_part"), t("reporting.three_stars_plus")],
                     [[_t(lang, r.name_vi, r.name_en), r.entities, r.evaluated, r.three_plus]
                      for r in report.by_entity_type]))
    out.append(Sheet("by_district", t("reporting.by_district"),
                     [t("reporting.code"), t("reporting.district_town_city"),
                      t("reporting.entities"), t("reporting.products_taking_part"),
                      t("reporting.three_stars_plus")],
                     [[r.district_code, r.district_name, r.entities, r.evaluated, r.three_plus]
                      for r in report.by_district]))
    out.append(Sheet("by_commune", t("reporting.by_commune"),
                     [t("reporting.province_code"), t("reporting.commune_code"),
                      t("reporting.commune"), t("reporting.district_before_7_2025"),
                      t("reporting.entities"), t("reporting.products_taking_part"),
                      t("reporting.three_stars_plus")],
                     [[r.province_code, r.commune_code, r.commune_name, r.district_name, r.entities,
                       r.evaluated, r.three_plus] for r in report.by_commune]))
    out.append(Sheet("by_level", t("reporting.by_level"),
                     [t("reporting.level"), t("reporting.results"), t("reporting.recognised_three_plus"),
                      t("reporting.forwarded")],
                     [[_name(LEVELS, r.level, lang), r.results, r.recognised, r.forwarded]
                      for r in report.by_level]))
    out.append(Sheet("by_round", t("reporting.by_round"),
                     [t("reporting.round"), t("reporting.evaluated"), t("reporting.three_stars_plus")],
                     [[r.round_id, r.evaluated, r.three_plus] for r in report.by_round]))
    out.append(Sheet("trend", t("reporting.trend_by_round"),
                     [t("reporting.round"), t("reporting.evaluated"), t("reporting.three_stars_plus")],
                     [[r.round_id, r.evaluated, r.three_plus] for r in report.trend]))
    return out


def _movements(report: Report, t: Words, lang: str) -> list[Sheet]:
    out = [Sheet("changes", t("reporting.changes"),
                     [t("reporting.kind"), t("reporting.product"), t("reporting.date"), t("reporting.detail")],
                     [[_name(CHANGE_KINDS, r.kind, lang), r.product_name, r.on.strftime("%d/%m/%Y"), r.detail]
                      for r in report.changes])]
    out.append(Sheet("showrooms", t("reporting.showrooms"),
                     [t("reporting.catalog"), t("reporting.product_count"), "3★", "4★", "5★"],
                     [[r.catalog_id, r.products, r.three_star, r.four_star, r.five_star]
                      for r in report.showrooms]))
    out.append(Sheet("fairs", t("reporting.fairs"),
                     [t("reporting.fair"), t("reporting.place"), t("reporting.from"), t("reporting.message"),
                      t("reporting.product_count"), "3★", "4★", "5★"],
                     [[r.fair_name, r.place, r.starts_on.strftime("%d/%m/%Y"), r.ends_on.strftime("%d/%m/%Y"),
                       r.products, r.three_star, r.four_star, r.five_star] for r in report.fairs]))
    return out


def _plan_and_products(report: Report, t: Words, lang: str) -> list[Sheet]:
    out = [Sheet("targets", t("reporting.plan_targets"),
                     [t("reporting.target"), t("reporting.planned"), t("reporting.actual"),
                      t("reporting.met"), t("reporting.note")],
                     [[_t(lang, r.label_vi, r.label_en), _target(r.target_min, r.target_max, r.metric),
                       _percent(r.actual) if r.metric.startswith("share") else _number(r.actual),
                       t("reporting.yes") if r.met else t("reporting.no"), _t(lang, r.note_vi, r.note_en)]
                      for r in report.targets])]
    out.append(Sheet("products", t("reporting.products"),
                     [t("reporting.product"), t("reporting.entity"), t("reporting.entity_type_heading"),
                      t("reporting.commune_column"),
                      t("reporting.district"), t("reporting.group"), t("reporting.round"),
                      t("reporting.case"),
                      t("reporting.level"), t("reporting.score"), t("reporting.stars"), t("reporting.result")],
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
    return f"{name} {report.year} — Chương trình OCOP {named(report.province).in_text_vi}"
