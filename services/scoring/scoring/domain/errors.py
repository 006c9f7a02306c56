"""Domain errors of scoring: each carries a stable code and a Vietnamese and an English message.

The service layer maps them to problem+json (Vietnamese first); the domain does not import
any HTTP code.
"""

from __future__ import annotations


class ScoringDomainError(Exception):
    """A rule of the scoring domain was broken. `code` is stable, for clients and tests."""

    code = "scoring-error"

    def __init__(self, message_vi: str, message_en: str, **details: object) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
        self.details = details

    def pick(self, language: str) -> str:
        return self.message_en if language == "en" else self.message_vi


# --------------------------------------------------------------------- score sheets


class SheetError(ScoringDomainError):
    """A member's score sheet is refused."""

    code = "invalid-sheet"


class WrongProductSet(SheetError):
    code = "wrong-product-set"


class UnknownCriterion(SheetError):
    code = "unknown-criterion"


class NotALeafCriterion(SheetError):
    code = "not-a-leaf-criterion"


class UnknownOption(SheetError):
    code = "unknown-option"


class DuplicateChoice(SheetError):
    code = "duplicate-choice"


class MissingCriteria(SheetError):
    code = "missing-criteria"


class InconsistentCase(SheetError):
    code = "inconsistent-case"


class InvalidKnockOut(SheetError):
    code = "invalid-knockout"


# ------------------------------------------------------------------------- ranking


class RankingError(ScoringDomainError):
    code = "ranking-error"


class NotAScoringLevel(RankingError):
    code = "not-a-scoring-level"


# ------------------------------------------------------------------------- council


class CouncilError(ScoringDomainError):
    code = "council-error"


class InvalidComposition(CouncilError):
    code = "invalid-council-composition"


class UnknownMember(CouncilError):
    code = "unknown-member"


class NotAScorer(CouncilError):
    code = "not-a-scorer"


class NotPresent(CouncilError):
    code = "member-not-present"


class ConflictOfInterestError(CouncilError):
    code = "conflict-of-interest"


class SecondSheetRefused(CouncilError):
    code = "second-sheet-refused"


class NoSheet(CouncilError):
    code = "no-sheet"


class SheetAlreadySubmitted(CouncilError):
    code = "sheet-already-submitted"


class EvaluationClosed(CouncilError):
    code = "evaluation-closed"


class InvalidOverride(CouncilError):
    code = "invalid-override"


class FinalisationBlocked(CouncilError):
    code = "finalisation-blocked"
