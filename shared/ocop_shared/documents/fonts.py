"""TrueType fonts with Vietnamese glyphs for reportlab (DejaVu, from Debian's
fonts-dejavu-core). reportlab's font registry is process-global, hence the lock."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_PACKAGE = "fonts-dejavu-core"
FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),  # Debian, Ubuntu
    Path("/usr/share/fonts/dejavu"),  # Alpine, Fedora
    Path("/usr/share/fonts/TTF"),  # Arch
)

LOCK = threading.Lock()
_registered: dict[str, Path] = {}


class FontsMissing(RuntimeError):
    """The DejaVu TrueType fonts needed for Vietnamese text are not installed."""


def find_font_dir(files: Iterable[str], font_dir: Path | str | None = None) -> Path:
    """The folder holding every file: `font_dir`, else $OCOP_FONT_DIR, else the usual places."""
    wanted = list(files)
    if font_dir is not None:
        candidates: tuple[Path, ...] = (Path(font_dir),)
    elif os.environ.get("OCOP_FONT_DIR"):
        candidates = (Path(os.environ["OCOP_FONT_DIR"]),)
    else:
        candidates = FONT_DIRS
    for folder in candidates:
        if all((folder / name).is_file() for name in wanted):
            return folder
    raise FontsMissing(
        f"Vietnamese fonts not found ({', '.join(wanted)}) in "
        f"{', '.join(str(c) for c in candidates)}. Install the Debian package {FONT_PACKAGE} "
        f"(apt-get install -y {FONT_PACKAGE}) or set OCOP_FONT_DIR to a folder that has these files.")


def register(fonts: Mapping[str, str], font_dir: Path | str | None = None) -> None:
    """Register each font name -> file once per folder."""
    folder = find_font_dir(fonts.values(), font_dir)
    for name, file in fonts.items():
        if _registered.get(name) == folder:
            continue
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
        _registered[name] = folder
