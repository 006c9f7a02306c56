"""What refusing a regulation or sheet data file says: where each problem is and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# ------------------------------------------------------------------------- errors


class RegulationError(Exception):
    """Base of the errors of this package; carries a Vietnamese and an English message."""

    def __init__(self, message_en: str, message_vi: str) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_vi = message_vi


class UnknownRegulation(RegulationError, LookupError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown regulation {code!r}", f"không có văn bản quy định {code!r}")
        self.code = code


class UnknownProductSet(RegulationError, LookupError):
    def __init__(self, code: str, set_no: int) -> None:
        super().__init__(
            f"regulation {code} has no product set {set_no}",
            f"văn bản {code} không có bộ sản phẩm số {set_no}",
        )
        self.code = code
        self.set_no = set_no


class NoPackagedSheets(RegulationError, LookupError):
    def __init__(self, code: str) -> None:
        super().__init__(
            f"regulation {code} has no packaged sheets: load the province's sheet file "
            "with load_sheet_file(path, regulation)",
            f"văn bản {code} không có sẵn phiếu đánh giá: cần nạp tệp phiếu của tỉnh",
        )
        self.code = code


@dataclass(frozen=True)
class Issue:
    """One problem found in a data file: where it is and why it is wrong."""

    place: str
    reason: str
    place_vi: str
    reason_vi: str

    def __str__(self) -> str:
        return f"{self.place}: {self.reason}" if self.place else self.reason

    @property
    def vi(self) -> str:
        return f"{self.place_vi}: {self.reason_vi}" if self.place_vi else self.reason_vi


class DataValidationError(RegulationError, ValueError):
    """A data file is refused; `issues` lists every problem found."""

    kind_en = "data"
    kind_vi = "dữ liệu"

    def __init__(self, issues: Sequence[Issue], source: str = "") -> None:
        self.issues = tuple(issues)
        self.source = source
        origin = f" ({source})" if source else ""
        en = f"invalid {self.kind_en}{origin}: " + "; ".join(str(i) for i in self.issues)
        vi = f"{self.kind_vi} không hợp lệ{origin}: " + "; ".join(i.vi for i in self.issues)
        super().__init__(en, vi)


class SheetValidationError(DataValidationError):
    kind_en = "sheet"
    kind_vi = "phiếu đánh giá"


class RegulationDataError(DataValidationError):
    kind_en = "regulation data"
    kind_vi = "dữ liệu văn bản quy định"


