"""What an uploaded file really is (from its first bytes, never its name), and a safe name."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..i18n import said

SNIFF_BYTES = 4096


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileType("PDF", "application/pdf", (".pdf",))
JPEG = FileType("JPEG", "image/jpeg", (".jpg", ".jpeg"))
PNG = FileType("PNG", "image/png", (".png",))
WEBP = FileType("WebP", "image/webp", (".webp",))
MP4 = FileType("MP4", "video/mp4", (".mp4", ".m4v", ".mov"))
OOXML = FileType("Office", "application/vnd.openxmlformats-officedocument",
                 (".docx", ".xlsx", ".pptx"))
# OpenDocument: the format Vietnam's public bodies are asked to use (TT 39/2017/TT-BTTTT)
ODF = FileType("OpenDocument", "application/vnd.oasis.opendocument", (".odt", ".ods", ".odp"))
DOCUMENTS_AND_MEDIA = (PDF, JPEG, PNG, WEBP, MP4, OOXML, ODF)
ARCHIVES = (OOXML, ODF)

EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")


class FileRejected(Exception):
    """The content is not acceptable; the messages say why (Vietnamese, English)."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


def sniff(head: bytes, accepted: Sequence[FileType] = DOCUMENTS_AND_MEDIA) -> FileType | None:
    """The accepted type these leading bytes belong to, or None."""
    found: FileType | None = None
    if head.startswith(b"%PDF-"):
        found = PDF
    elif head.startswith(b"\xff\xd8\xff"):
        found = JPEG
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        found = PNG
    elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        found = WEBP
    elif head[4:8] == b"ftyp":
        found = MP4
    elif head.startswith(b"PK\x03\x04") and b"[Content_Types].xml" in head[:2048]:
        found = OOXML
    elif head.startswith(b"PK\x03\x04") and head[30:38] == b"mimetype" and \
            head[38:72].startswith(b"application/vnd.oasis.opendocument"):
        found = ODF
    return found if found in accepted else None


def check_content(head: bytes, filename: str,
                  accepted: Sequence[FileType] = DOCUMENTS_AND_MEDIA) -> FileType:
    """The file's real type; refuses executables, other types and names that lie."""
    if head.startswith(EXECUTABLE_MAGIC):
        raise FileRejected(
            *said("common.executable_program_cannot_uploaded", filename=filename))
    found = sniff(head, accepted)
    if found is None:
        allowed = ", ".join(t.name for t in accepted)
        raise FileRejected(
            *said("common.content_not_accepted_type", filename=filename, allowed=allowed))
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension and extension not in found.extensions:
        raise FileRejected(
            *said("common.named_but_content", filename=filename, extension=extension, found_name=found.name))
    return found


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_filename(raw: str, fallback: str = "tep", max_length: int = 150) -> str:
    """A display name without folders, control characters or shell/HTML specials
    (diacritics kept), shortened but keeping its extension."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")
    if len(name) > max_length:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: max_length - 10] + dot + extension[:9]) if dot else name[:max_length]
    return name or fallback
