"""A PDF is accepted only when a real PDF library (pypdf) can read it, and it carries neither
scripts, launch actions nor embedded programs.

The object graph is walked from the document catalogue through pages, annotations, outlines,
forms and name trees; page contents, resources and appearance streams (the images and fonts
that make a scanned 500-page dossier large) are never loaded.
"""

from __future__ import annotations

import logging
from typing import Any, BinaryIO

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from ..i18n import said
from .filetypes import EXECUTABLE_MAGIC, FileRejected

_NOT_WALKED = frozenset({"/Contents", "/Resources", "/AP", "/DR", "/Thumb", "/Parent", "/P",
                         "/StructTreeRoot", "/StructParent", "/Metadata", "/PieceInfo"})
_ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch"})
_PROGRAM_NAMES = (".exe", ".dll", ".bat", ".cmd", ".com", ".scr", ".msi", ".ps1", ".vbs", ".js",
                  ".jar", ".sh", ".apk", ".elf")
MAX_OBJECTS = 500_000
# Writers leave a line end or a few bytes after %%EOF; anything longer is another file riding
# along (a PDF with a program appended still opens in a viewer).
MAX_AFTER_END = 1024

logging.getLogger("pypdf").setLevel(logging.ERROR)  # repairs it makes are not our log's business


def check_pdf(stream: BinaryIO, filename: str) -> None:
    """Refuses a file that is not a readable PDF, is password protected, or is active content."""
    stream.seek(0)
    try:
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileRejected(*said("common.password_protected_upload_without_password", filename=filename))
        catalogue = reader.trailer["/Root"].get_object()
        if not isinstance(catalogue, DictionaryObject) or len(reader.pages) == 0:
            raise _unreadable(filename)
        _walk(catalogue, filename)
        _refuse_trailing_data(stream, filename)
    except FileRejected:
        raise
    except (PyPdfError, KeyError, ValueError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, NotImplementedError) as error:
        raise _unreadable(filename) from error
    finally:
        stream.seek(0)


def _refuse_trailing_data(stream: BinaryIO, filename: str) -> None:
    stream.seek(0, 2)
    stream.seek(max(stream.tell() - MAX_AFTER_END - 5, 0))
    tail = stream.read()
    end = tail.rfind(b"%%EOF")
    after = tail[end + 5:].strip() if end >= 0 else tail
    if end < 0 or after.startswith(EXECUTABLE_MAGIC):
        raise FileRejected(*said("common.carries_other_data_after_end_pdf", filename=filename))


def _unreadable(filename: str) -> FileRejected:
    return FileRejected(*said("common.cannot_read_as_pdf_damaged_not", filename=filename))


def _walk(root: DictionaryObject, filename: str) -> None:
    seen: set[tuple[int, int]] = set()
    pending: list[Any] = [root]
    visited = 0
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            raise FileRejected(*said("common.pdf_too_complex_check", filename=filename))
        if isinstance(item, DictionaryObject):
            _refuse_active(item, filename)
            pending.extend(value for key, value in item.items() if key not in _NOT_WALKED)
        elif isinstance(item, ArrayObject):
            pending.extend(item)


def _refuse_active(node: DictionaryObject, filename: str) -> None:
    if "/JS" in node or "/JavaScript" in node or node.get("/S") in _ACTIVE_ACTIONS:
        raise FileRejected(
            *said("common.pdf_carries_scripts_javascript_launch_action", filename=filename))
    if node.get("/Type") == "/EmbeddedFile" and isinstance(node, StreamObject):
        if node.get_data()[:8].startswith(EXECUTABLE_MAGIC):
            raise _program(filename)
    if node.get("/Type") == "/Filespec" or "/EF" in node:
        names = [str(node.get(key, "")) for key in ("/F", "/UF")]
        if any(name.lower().endswith(_PROGRAM_NAMES) for name in names):
            raise _program(filename)


def _program(filename: str) -> FileRejected:
    return FileRejected(*said("common.pdf_has_executable_program_attached", filename=filename))
