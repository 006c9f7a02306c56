"""A ruled table drawn straight onto the page, for the report's lists (a national product list
has 20,000 rows of 12 cells).

reportlab's platypus `Table` lays every cell out as a flowable and measures the rows again at
each page break: about 4 ms a row, 80 s for a national report. This table wraps each cell once
when it is built, keeps every row whole on one page, repeats the header on each page, and draws
a page's text with one text object and its rules with one path.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from reportlab.lib.colors import Color, black
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

ELLIPSIS = "…"


@dataclass(frozen=True)
class TableStyle:
    font: str
    header_font: str
    size: float
    leading: float
    padding: float  # left and right of a cell's text
    rule: Color
    header_fill: Color
    rule_width: float = 0.4
    padding_top: float = 3
    padding_bottom: float = 3
    max_lines: int = 30  # a row never outgrows a page; the XLSX has every character


@dataclass(frozen=True)
class Row:
    cells: tuple[tuple[str, ...], ...]  # the lines of each cell
    height: float


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]], available: float,
                  style: TableStyle) -> list[float]:
    """Widths filling `available` in proportion to each column's longest text (bounded). No
    column is narrower than its widest word when all of them fit, so words stay whole."""
    columns = range(len(header))
    weights = [min(max(len(header[i]), *(len(row[i]) for row in rows), 5), 40) for i in columns]
    widths = [available * weight / sum(weights) for weight in weights]
    needs = [max(_widest_word([header[i]], style.header_font, style.size),
                 _widest_word([row[i] for row in rows], style.font, style.size)) + 2 * style.padding
             for i in columns]
    if sum(needs) > available:
        return widths  # too many columns for whole words: long ones are cut (see _broken)
    missing = sum(need - width for need, width in zip(needs, widths, strict=True) if width < need)
    slack = [max(width - need, 0.0) for need, width in zip(needs, widths, strict=True)]
    spare_total = sum(slack)  # >= missing, since the needs fit
    return [max(need, width - missing * spare / spare_total) if spare else need
            for need, width, spare in zip(needs, widths, slack, strict=True)]


def _widest_word(texts: Sequence[str], font: str, size: float) -> float:
    """Measured among the longest words only: a national list has 20,000 rows."""
    words = {word for text in texts for word in text.split()}
    if not words:
        return 0.0
    longest = max(map(len, words))
    return max(float(stringWidth(word, font, size)) for word in words if len(word) >= longest - 3)


def lay_out(texts: Sequence[str], widths: Sequence[float], font: str, style: TableStyle) -> Row:
    """One row: each text broken into lines that fit its column."""
    cells = tuple(_lines(text, width - 2 * style.padding, font, style)
                  for text, width in zip(texts, widths, strict=True))
    most = max((len(lines) for lines in cells), default=1)
    return Row(cells, style.padding_top + most * style.leading + style.padding_bottom)


def _lines(text: str, room: float, font: str, style: TableStyle) -> tuple[str, ...]:
    if "\n" not in text and stringWidth(text, font, style.size) <= room:
        return (text,)
    lines = [piece for paragraph in text.split("\n")
             for line in (simpleSplit(paragraph, font, style.size, room) or [""])
             for piece in _broken(line, room, font, style.size)]
    if len(lines) > style.max_lines:
        lines = [*lines[:style.max_lines - 1], lines[style.max_lines - 1] + ELLIPSIS]
    return tuple(lines)


def _broken(line: str, room: float, font: str, size: float) -> list[str]:
    """`line` as it is, or cut between letters where a word alone is wider than the column."""
    if stringWidth(line, font, size) <= room:
        return [line]
    pieces, current = [], ""
    for letter in line:
        if current and stringWidth(current + letter, font, size) > room:
            pieces.append(current)
            current = letter.lstrip()
        else:
            current += letter
    return [*pieces, current] if current else pieces


class RuledTable(Flowable):  # type: ignore[misc]
    """`header` and `rows` (already laid out) in columns of `widths`; split between pages by rows."""

    def __init__(self, header: Row, rows: Sequence[Row], widths: Sequence[float], style: TableStyle,
                 start: int = 0, stop: int | None = None, ends: Sequence[float] | None = None) -> None:
        """`ends[i]`: the height of rows[:i], counted once and shared by the parts of a split."""
        super().__init__()
        self.header, self.rows, self.widths, self.style = header, rows, list(widths), style
        self.start, self.stop = start, len(rows) if stop is None else stop
        self.ends = list(accumulate((r.height for r in rows), initial=0.0)) if ends is None else ends
        self.width = sum(self.widths)
        self.height = header.height + self.ends[self.stop] - self.ends[self.start]

    @classmethod
    def of(cls, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float],
           style: TableStyle) -> RuledTable:
        return cls(lay_out(header, widths, style.header_font, style),
                   [lay_out(row, widths, style.font, style) for row in rows], widths, style)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """The rows that fit under the header here, and the rest; nothing if not even one fits."""
        room = available_height - self.header.height
        end = bisect_right(self.ends, self.ends[self.start] + room, self.start, self.stop + 1) - 1
        if end <= self.start:
            return []
        if end == self.stop:
            return [self]
        return [self._part(self.start, end), self._part(end, self.stop)]

    def _part(self, start: int, stop: int) -> RuledTable:
        return RuledTable(self.header, self.rows, self.widths, self.style, start, stop, self.ends)

    def draw(self) -> None:
        canvas, style = self.canv, self.style
        rows = [self.header, *self.rows[self.start:self.stop]]
        canvas.setFillColor(style.header_fill)
        canvas.rect(0, self.height - self.header.height, self.width, self.header.height, stroke=0, fill=1)
        canvas.setFillColor(black)
        text = canvas.beginText()
        top = self.height
        rules: list[tuple[float, float, float, float]] = []
        for index, row in enumerate(rows):
            if index < 2:  # the header's font, then the body's
                text.setFont(style.header_font if index == 0 else style.font, style.size, style.leading)
            x = 0.0
            for lines, width in zip(row.cells, self.widths, strict=True):
                baseline = top - style.padding_top - style.size
                for line in lines:
                    text.setTextOrigin(x + style.padding, baseline)
                    text.textOut(line)
                    baseline -= style.leading
                x += width
            rules.append((0.0, top, self.width, top))
            top -= row.height
        rules.append((0.0, top, self.width, top))
        x = 0.0
        for width in [0.0, *self.widths]:
            x += width
            rules.append((x, 0.0, x, self.height))
        canvas.drawText(text)
        canvas.setStrokeColor(style.rule)
        canvas.setLineWidth(style.rule_width)
        canvas.lines(rules)
