"""Parsing and checking `regulations.json`: bands, procedures, levels, escalations, windows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Any

from .errors import RegulationDataError
from .model import (
    Band,
    Escalation,
    Level,
    Procedure,
    Regulation,
    ReratingWindow,
)
from .reading import Issues, Place, Reader

# -------------------------------------------------------------- regulation parsing

_REG_KEYS = ("code", "name_vi", "name_en", "signed_on", "effective_from", "ceases_on", "replaces",
             "part_max", "star_bands", "certifiable_from_stars", "procedures",
             "certificate_validity_months", "rerating_window_days_before_expiry", "rerating_max_days",
             "revocation_deadline_days", "sheets", "notes")
_PROC_KEYS = ("effective_from", "ceases_on", "amended_by", "levels", "escalations", "notes")
_LEVEL_KEYS = ("code", "name_vi", "name_en", "scores", "recognises")
_ESC_KEYS = ("from", "to", "min_score", "fallback_recognition")
_BAND_KEYS = ("stars", "min", "max_exclusive", "max_inclusive")


def parse_bands(raw: Any, place: Place, issues: Issues) -> tuple[Band, ...] | None:
    if not isinstance(raw, list) or not raw:
        issues.add(place, "'star_bands' must be a non-empty array", "'star_bands' phải là mảng không rỗng")
        return None
    bands: list[Band] = []
    for i, item in enumerate(raw):
        bplace = place.at(f"band {i}", f"dải {i}")
        if not isinstance(item, dict):
            issues.add(bplace, "must be an object", "phải là đối tượng")
            return None
        r = Reader(item, bplace, issues, _BAND_KEYS)
        stars, minimum = r.integer("stars"), r.number("min")
        below, maximum = r.number("max_exclusive", False), r.number("max_inclusive", False)
        if (below is None) == (maximum is None):
            r._bad("needs exactly one of 'max_exclusive' and 'max_inclusive'",
                   "cần đúng một trong 'max_exclusive' và 'max_inclusive'")
        if not r.ok or minimum is None:
            return None
        bands.append(Band(stars=stars, minimum=minimum, below=below, maximum=maximum))
    return tuple(bands)


def _validate_bands(bands: tuple[Band, ...], total: int, place: Place, issues: Issues) -> None:
    for i, band in enumerate(bands):
        bplace = place.at(f"band {i}", f"dải {i}")
        if band.stars != i + 1:
            issues.add(bplace, f"stars {band.stars}, expected {i + 1}", f"số sao {band.stars}, cần {i + 1}")
        expected_min = Decimal(0) if i == 0 else bands[i - 1].below
        if band.minimum != expected_min:
            issues.add(bplace,
                       f"starts at {band.minimum}, expected {expected_min} (bands must be contiguous)",
                       f"bắt đầu từ {band.minimum}, cần {expected_min} (các dải phải liền nhau)")
        last = i == len(bands) - 1
        if last and band.maximum != Decimal(total):
            issues.add(bplace, f"the top band must end at {total} inclusive",
                       f"dải cao nhất phải kết thúc ở {total} (bao gồm)")
        if not last and band.below is None:
            issues.add(bplace, "only the top band may be closed", "chỉ dải cao nhất được đóng")
        upper = band.below if band.below is not None else band.maximum
        if upper is not None and upper <= band.minimum:
            issues.add(bplace, "empty band", "dải rỗng")


def _parse_levels(r: Reader, place: Place, issues: Issues, stars: frozenset[int],
                  certifiable_from: int) -> list[Level]:
    levels: list[Level] = []
    for i, lv in enumerate(r.array("levels")):
        lplace = place.at(f"level {i}", f"cấp {i}")
        if not isinstance(lv, dict):
            issues.add(lplace, "must be an object", "phải là đối tượng")
            continue
        lr = Reader(lv, lplace, issues, _LEVEL_KEYS)
        recognises = lr.array("recognises")
        bad = [s for s in recognises
               if isinstance(s, bool) or not isinstance(s, int) or s not in stars or s < certifiable_from]
        if bad:
            lr._bad(f"recognises stars {bad} that are not certifiable",
                    f"công nhận số sao {bad} không hợp lệ")
        level = Level(code=lr.text("code"), name_vi=lr.text("name_vi"), name_en=lr.text("name_en"),
                      scores=lr.flag("scores"), recognises=frozenset(recognises) if not bad else frozenset())
        if lr.ok:
            if not level.scores and level.recognises:
                issues.add(lplace, "a level that does not score cannot recognise stars",
                           "cấp không chấm điểm thì không công nhận được số sao")
            if any(level.code == other.code for other in levels):
                issues.add(lplace, f"level {level.code} appears twice", f"cấp {level.code} bị lặp")
            levels.append(level)
        else:
            r.ok = False
    if not levels:
        r._bad("no levels", "không có cấp đánh giá nào")
    return levels


def _parse_escalations(r: Reader, place: Place, issues: Issues,
                       levels: list[Level]) -> list[Escalation]:
    order = [lv.code for lv in levels]
    escalations: list[Escalation] = []
    for i, esc in enumerate(r.array("escalations", False)):
        eplace = place.at(f"escalation {i}", f"chuyển cấp {i}")
        if not isinstance(esc, dict):
            issues.add(eplace, "must be an object", "phải là đối tượng")
            r.ok = False
            continue
        er = Reader(esc, eplace, issues, _ESC_KEYS)
        e = Escalation(from_level=er.text("from"), to_level=er.text("to"),
                       min_score=er.number("min_score", False),
                       fallback_recognition=er.flag("fallback_recognition"))
        if not er.ok:
            r.ok = False
            continue
        if e.from_level not in order or e.to_level not in order:
            issues.add(eplace, f"unknown level in {e.from_level} -> {e.to_level}",
                       f"cấp không xác định trong {e.from_level} -> {e.to_level}")
        elif order.index(e.to_level) <= order.index(e.from_level):
            issues.add(eplace, f"{e.from_level} -> {e.to_level} does not go up",
                       f"{e.from_level} -> {e.to_level} không lên cấp trên")
        else:
            sender = levels[order.index(e.from_level)]
            if sender.scores and e.min_score is None:
                issues.add(eplace, "a scoring level needs min_score", "cấp có chấm điểm cần min_score")
            if any(x.from_level == e.from_level for x in escalations):
                issues.add(eplace, f"two escalations from {e.from_level}",
                           f"hai lần chuyển từ {e.from_level}")
        escalations.append(e)
    return escalations


def _parse_procedure(raw: Any, place: Place, issues: Issues, stars: frozenset[int],
                     certifiable_from: int) -> Procedure | None:
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    r = Reader(raw, place, issues, _PROC_KEYS)
    start, end = r.day("effective_from"), r.day("ceases_on", required=False)
    amended_by = r.texts("amended_by")
    levels = _parse_levels(r, place, issues, stars, certifiable_from)
    escalations = _parse_escalations(r, place, issues, levels)
    if start is not None and end is not None and end <= start:
        r._bad("ceases_on must be after effective_from", "ceases_on phải sau effective_from")
    if not r.ok or start is None:
        return None
    return Procedure(effective_from=start, ceases_on=end, amended_by=amended_by, levels=tuple(levels),
                     escalations=tuple(escalations))


def _parse_part_max(r: Reader) -> dict[str, int]:
    part_max_raw = r.mapping("part_max")
    part_max: dict[str, int] = {}
    if part_max_raw is not None:
        for key, value in part_max_raw.items():
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                r._bad(f"part_max[{key!r}] must be a positive integer",
                       f"part_max[{key!r}] phải là số nguyên dương")
            else:
                part_max[key] = value
        if not part_max:
            r._bad("part_max is empty", "part_max rỗng")
    return part_max


def _parse_window(r: Reader, place: Place, issues: Issues) -> ReratingWindow | None:
    window_raw = r.mapping("rerating_window_days_before_expiry", required=False)
    window: ReratingWindow | None = None
    if window_raw is not None:
        wr = Reader(window_raw, place.at("rerating window", "thời hạn nộp hồ sơ đánh giá lại"), issues,
                     ("earliest", "latest"))
        window = ReratingWindow(earliest_days=wr.integer("earliest"), latest_days=wr.integer("latest"))
        if wr.ok and not window.earliest_days > window.latest_days >= 0:
            wr._bad("earliest must be more days before expiry than latest",
                    "earliest phải trước hạn nhiều ngày hơn latest")
    return window


def _parse_regulation(raw: Any, index: int, issues: Issues) -> Regulation | None:
    code = raw.get("code") if isinstance(raw, dict) else None
    place = Place().at(f"regulation {code if isinstance(code, str) else f'#{index}'}",
                        f"văn bản {code if isinstance(code, str) else f'#{index}'}")
    if not isinstance(raw, dict):
        issues.add(place, "must be an object", "phải là đối tượng")
        return None
    before = len(issues.items)
    r = Reader(raw, place, issues, _REG_KEYS)
    part_max = _parse_part_max(r)
    total = sum(part_max.values())
    if part_max and total != 100:
        issues.add(place, f"part maxima add up to {total}, not 100",
                   f"tổng điểm các phần là {total}, không phải 100")
    bands = parse_bands(raw.get("star_bands"), place, issues)
    if bands is not None:
        _validate_bands(bands, total, place, issues)
    stars = frozenset(b.stars for b in bands or ())
    certifiable_from = r.integer("certifiable_from_stars")
    if bands is not None and certifiable_from not in stars:
        r._bad(f"certifiable_from_stars {certifiable_from} is not a star of the bands",
               f"certifiable_from_stars {certifiable_from} không phải số sao của các dải")
    procedures: list[Procedure] = []
    for i, proc in enumerate(r.array("procedures")):
        parsed = _parse_procedure(proc, place.at(f"procedure {i}", f"quy trình {i}"), issues, stars,
                                  certifiable_from)
        if parsed is not None:
            procedures.append(parsed)
    if not raw.get("procedures"):
        r._bad("no procedures", "không có quy trình")
    for prev, cur in pairwise(procedures):
        if prev.ceases_on != cur.effective_from:
            issues.add(place, f"procedure starting {cur.effective_from} does not follow the previous one",
                       f"quy trình bắt đầu {cur.effective_from} không tiếp nối quy trình trước")
    window = _parse_window(r, place, issues)
    sheets = r.opt_text("sheets")
    effective_from, ceases_on = r.day("effective_from"), r.day("ceases_on", required=False)
    if effective_from and ceases_on and ceases_on <= effective_from:
        r._bad("ceases_on must be after effective_from", "ceases_on phải sau effective_from")
    if procedures and effective_from and procedures[0].effective_from != effective_from:
        r._bad("the first procedure must start when the regulation does",
               "quy trình đầu tiên phải bắt đầu cùng ngày hiệu lực của văn bản")
    regulation = Regulation(
        code=r.text("code"), name_vi=r.text("name_vi"), name_en=r.text("name_en"),
        signed_on=r.day("signed_on") or date.min, effective_from=effective_from or date.min,
        ceases_on=ceases_on, part_max=part_max, bands=bands or (), certifiable_from_stars=certifiable_from,
        procedures=tuple(procedures), certificate_validity_months=r.integer("certificate_validity_months"),
        rerating_window=window, rerating_max_days=r.opt_integer("rerating_max_days"),
        revocation_deadline_days=r.opt_integer("revocation_deadline_days"), sheets_file=sheets,
        replaces=r.texts("replaces"),
    )
    if regulation.certificate_validity_months <= 0:
        r._bad("certificate_validity_months must be positive", "certificate_validity_months phải dương")
    return regulation if len(issues.items) == before else None


def parse_regulations(data: Any, source: str = "") -> tuple[Regulation, ...]:
    """Regulations from parsed JSON ``{"regulations": [...]}``. Raises RegulationDataError."""
    issues = Issues()
    raw = data.get("regulations") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        issues.add(Place(), "expected a non-empty 'regulations' array", "cần mảng 'regulations' không rỗng")
        raise RegulationDataError(issues.items, source)
    regs = [_parse_regulation(item, i, issues) for i, item in enumerate(raw)]
    codes = [r.code for r in regs if r is not None]
    for code in sorted({c for c in codes if codes.count(c) > 1}):
        issues.add(Place().at(f"regulation {code}", f"văn bản {code}"), "code used twice", "mã bị trùng")
    if issues.items:
        raise RegulationDataError(issues.items, source)
    return tuple(r for r in regs if r is not None)



