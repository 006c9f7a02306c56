"""What a finalised council result means for the evaluation: close, escalate or decide.

`decide` turns a council result at a level (and its `Routing`, from the regulation data) into
one of these, which the service layer carries out and publishes:

* **knocked out** - the evaluation ends without stars; the reason is the members' findings.
* **escalated** - the mean reaches the next level's threshold for stars this level may not
  recognise (26/2026: province >= 90 -> central; 1048: district >= 50 -> province). The
  result is published as not recognising, and the next level's evaluation opens.
* **recognised** - this level's authority recognises the stars (3★/4★ at the province, 5★
  at the central level).
* **fallback** - a higher level's result its authority may not recognise, which the sending
  level may recognise from it (26/2026 Art. 7 step 12: central < 90 -> the province
  recognises 3★/4★). The result is published as recognising, `recognised_by` the sender.
* **no certificate** - 1★/2★: a result, final at this level, with no decision or
  certificate.
* **not recognised** - certifiable stars that no level may recognise from this result and
  that go nowhere (1048 has no fallback: a product under 90 at the central level). Final,
  not recognising. (Reading of the data; the 1048 text does not say more.)

`recognising` keeps the meaning consumers rely on: the result is final and stands as this
evaluation's decision (certification issues a certificate when it is also 3★ or more).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .ranking import CouncilResult, Routing


class Decision(StrEnum):
    KNOCKED_OUT = "knocked_out"
    ESCALATED = "escalated"
    RECOGNISED = "recognised"
    FALLBACK = "fallback"
    NO_CERTIFICATE = "no_certificate"
    NOT_RECOGNISED = "not_recognised"


@dataclass(frozen=True)
class EvaluationOutcome:
    decision: Decision
    level: str
    stars: int | None
    recognising: bool  # the result is final and stands (see the module notes)
    recognised_by: str | None = None  # level whose authority recognises the stars
    escalate_to: str | None = None  # the level whose evaluation opens next
    fallback_from: str | None = None  # the higher level whose result the sender recognises

    @property
    def publishes_result(self) -> bool:
        """A knock-out has no stars, so it closes the evaluation instead of publishing one."""
        return self.decision is not Decision.KNOCKED_OUT

    @property
    def final(self) -> bool:
        return self.decision is not Decision.ESCALATED


def decide(result: CouncilResult, routing: Routing) -> EvaluationOutcome:
    level = routing.level
    if result.knocked_out or result.stars is None:
        return EvaluationOutcome(Decision.KNOCKED_OUT, level, None, recognising=False)
    stars = result.stars
    if routing.forward_to is not None:
        return EvaluationOutcome(Decision.ESCALATED, level, stars, recognising=False,
                                 escalate_to=routing.forward_to)
    if routing.fallback and routing.recognised_by is not None:
        return EvaluationOutcome(Decision.FALLBACK, level, stars, recognising=True,
                                 recognised_by=routing.recognised_by, fallback_from=level)
    if routing.recognised_by is not None:
        return EvaluationOutcome(Decision.RECOGNISED, level, stars, recognising=True,
                                 recognised_by=routing.recognised_by)
    if not routing.certifiable:
        return EvaluationOutcome(Decision.NO_CERTIFICATE, level, stars, recognising=True)
    return EvaluationOutcome(Decision.NOT_RECOGNISED, level, stars, recognising=False)
