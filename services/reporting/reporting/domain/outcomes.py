"""Which result each product reached in a period: a product is *evaluated* in the period when a
council scored it then (any level); its result is that of its latest dossier in the period, and
within a dossier a recognising result wins over a forwarded one, then the higher level, then the
later one. A recognising result reads "recognised" once the authority's decision names it, and
"awaiting_decision" until then (it already counts among the 3★+ evaluated); a result under 3★
reads "not_recognised" (no decision lists it: there is nothing to certify)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from .facts import LEVEL_ORDER, Facts, ScoreFact
from .targets import Period


@dataclass(frozen=True)
class Outcome:
    """The result a product's dossier reached."""

    score: ScoreFact
    status: str

    @property
    def three_plus(self) -> bool:
        return self.score.stars >= 3 and self.status in (
            "recognised", "awaiting_decision", "pending_central")


def _status(best: ScoreFact, facts: Facts) -> str:
    if best.recognising and best.stars < 3:
        return "not_recognised"
    if best.recognising:
        return "recognised" if best.evaluation_id in facts.recognitions else "awaiting_decision"
    if best.escalated_to == "central":
        return "pending_central"
    if best.escalated_to:
        return "forwarded"
    return "not_recognised"


def _best(scores: list[ScoreFact]) -> ScoreFact:
    return max(scores, key=lambda s: (s.recognising, LEVEL_ORDER.get(s.level, -1), s.at,
                                      s.evaluation_id))


def outcomes(facts: Facts, period: Period) -> dict[str, Outcome]:
    """Per product evaluated in the period: the result of its latest dossier."""
    by_submission: dict[tuple[str, str], list[ScoreFact]] = defaultdict(list)
    for score in facts.scores:
        if period.covers(score.on):
            by_submission[(score.product_id, score.submission_id)].append(score)
    latest: dict[str, Outcome] = {}
    for scores in by_submission.values():
        best = _best(scores)
        outcome = Outcome(best, _status(best, facts))
        current = latest.get(best.product_id)
        last_at = max(s.at for s in scores)
        if current is None or (last_at, best.submission_id) > (current.score.at, current.score.submission_id):
            latest[best.product_id] = outcome
    return latest


def stars_before(facts: Facts, product_id: str, moment: datetime, on: date) -> int:
    """The most stars the product held before `moment` (results) or `on` (certificates)."""
    best = 0
    for score in facts.scores:
        if score.product_id == product_id and score.recognising and score.at < moment:
            best = max(best, score.stars)
    for cert in facts.certificates:
        if cert.product_id == product_id and cert.kind == "certified" and cert.stars and cert.on < on:
            best = max(best, cert.stars)
    return best
