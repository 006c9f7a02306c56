"""In-memory scoring repository for service-layer unit tests (cosmicpython's fakes; not a test
module). It keeps copies, as a database would: a change reaches it only when a use case saves;
the evaluation's version is checked on save like the real optimistic lock."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from scoring.adapters.repository import (
    CouncilRecord,
    Declaration,
    ResultRecord,
    RoundRecord,
    SheetFileRecord,
    SheetRecord,
    StaleRecord,
)
from scoring.domain.evaluation import Evaluation, EvaluationStatus


def _copy(evaluation: Evaluation) -> Evaluation:
    """A stored copy: no pending events, its own attendance list."""
    return replace(evaluation, present=list(evaluation.present))


class FakeScoringRepository:
    def __init__(self) -> None:
        self.rounds: dict[str, RoundRecord] = {}
        self.councils: dict[str, CouncilRecord] = {}
        self.evaluations: dict[str, Evaluation] = {}
        self.sheet_records: dict[tuple[str, str], SheetRecord] = {}
        self.sheet_history: list[tuple[SheetRecord, str, datetime]] = []
        self.results: dict[str, ResultRecord] = {}
        self.conflicts: list[Declaration] = []
        self._versions: dict[str, int] = {}

    def _loaded(self, stored: Evaluation) -> Evaluation:
        self._versions[stored.id] = stored.version
        return _copy(stored)

    # -- rounds -----------------------------------------------------------------------
    async def get_round(self, round_id: str) -> RoundRecord | None:
        return self.rounds.get(round_id)

    async def add_round(self, r: RoundRecord) -> None:
        self.rounds[r.id] = r

    async def save_round(self, r: RoundRecord) -> None:
        self.rounds[r.id] = r

    async def regulations_used_in_round(self, round_id: str) -> set[str]:
        return {e.regulation for e in self.evaluations.values() if e.round_id == round_id}

    # -- councils ---------------------------------------------------------------------
    async def get_council(self, council_id: str) -> CouncilRecord | None:
        found = self.councils.get(council_id)
        return replace(found, members=list(found.members)) if found else None

    async def councils_for(self, round_id: str, level: str) -> list[CouncilRecord]:
        return [c for c in self.councils.values() if (c.round_id, c.level) == (round_id, level)]

    async def add_council(self, council: CouncilRecord) -> None:
        self.councils[council.id] = replace(council, members=list(council.members))

    async def save_council(self, council: CouncilRecord, expected_version: int) -> None:
        if self.councils[council.id].version != expected_version:
            raise StaleRecord(council.id)
        self.councils[council.id] = replace(council, members=list(council.members))

    async def delete_council(self, council_id: str) -> None:
        del self.councils[council_id]

    async def declarations(self, council_id: str, product_id: str | None = None
                           ) -> list[Declaration]:
        return [d for d in self.conflicts if d.council_id == council_id
                and (product_id is None or d.product_id == product_id)]

    async def add_declaration(self, declaration: Declaration) -> bool:
        key = (declaration.council_id, declaration.member_id, declaration.product_id)
        if any((d.council_id, d.member_id, d.product_id) == key for d in self.conflicts):
            return False
        self.conflicts.append(declaration)
        return True

    # -- evaluations ------------------------------------------------------------------
    async def get_evaluation(self, evaluation_id: str, *, for_update: bool = False
                             ) -> Evaluation | None:
        found = self.evaluations.get(evaluation_id)
        return self._loaded(found) if found else None

    async def evaluation_at(self, submission_id: str, level: str) -> Evaluation | None:
        return next((self._loaded(e) for e in self.evaluations.values()
                     if (e.submission_id, e.level) == (submission_id, level)), None)

    async def evaluations_of_submission(self, submission_id: str) -> list[Evaluation]:
        return [self._loaded(e) for e in self.evaluations.values()
                if e.submission_id == submission_id]

    async def add_evaluation(self, evaluation: Evaluation) -> None:
        assert evaluation.id not in self.evaluations, "an evaluation is added once"
        self.evaluations[evaluation.id] = _copy(evaluation)
        self._versions[evaluation.id] = evaluation.version

    async def save_evaluation(self, evaluation: Evaluation) -> None:
        stored = self.evaluations[evaluation.id]
        if stored.version != self._versions.get(evaluation.id, evaluation.version):
            raise StaleRecord(evaluation.id)
        self.evaluations[evaluation.id] = _copy(evaluation)
        self._versions[evaluation.id] = evaluation.version

    async def unassigned(self, round_id: str, level: str) -> list[Evaluation]:
        return [self._loaded(e) for e in self.evaluations.values()
                if (e.round_id, e.level) == (round_id, level) and e.council_id is None
                and e.status is EvaluationStatus.OPEN]

    async def list_evaluations_for_council(self, council_id: str) -> list[Evaluation]:
        return [self._loaded(e) for e in self.evaluations.values() if e.council_id == council_id]

    async def has_sheets_for_council(self, council_id: str) -> bool:
        return any(self.evaluations[e].council_id == council_id for e, _ in self.sheet_records)

    async def open_sheets_of_member(self, council_id: str, member_id: str) -> int:
        return sum(1 for (e, m) in self.sheet_records if m == member_id
                   and self.evaluations[e].council_id == council_id
                   and self.evaluations[e].status is EvaluationStatus.OPEN)

    # -- sheets -----------------------------------------------------------------------
    async def sheets(self, evaluation_id: str) -> list[SheetRecord]:
        return [replace(s) for (e, _), s in self.sheet_records.items() if e == evaluation_id]

    async def put_sheet(self, sheet: SheetRecord, *, new: bool) -> None:
        key = (sheet.evaluation_id, sheet.member_id)
        if new == (key in self.sheet_records) or (
                not new and self.sheet_records[key].status != "draft"):
            raise StaleRecord(f"{sheet.evaluation_id}/{sheet.member_id}")
        self.sheet_records[key] = replace(sheet)

    async def reopen_sheet(self, sheet: SheetRecord) -> None:
        self.sheet_records[(sheet.evaluation_id, sheet.member_id)] = replace(sheet)

    async def add_sheet_version(self, sheet: SheetRecord, saved_by: str, at: datetime) -> None:
        self.sheet_history.append((replace(sheet), saved_by, at))

    # -- results and sheet files ------------------------------------------------------
    async def add_result(self, result: ResultRecord) -> None:
        assert result.evaluation_id not in self.results, "one result per evaluation"
        self.results[result.evaluation_id] = result

    async def get_result(self, evaluation_id: str) -> ResultRecord | None:
        return self.results.get(evaluation_id)

    async def get_sheet_file(self, file_id: str) -> SheetFileRecord | None:
        return None  # the tests score under 26/2026, whose sheets are packaged

    async def newest_sheet_file_with(self, regulation: str, set_no: int) -> SheetFileRecord | None:
        return None
