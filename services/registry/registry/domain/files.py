"""What an uploaded file really is (from its first bytes, never its name), and a safe name for it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import DomainError


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
ACCEPTED = (PDF, JPEG, PNG, WEBP, MP4, OOXML)

_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")


def sniff(head: bytes) -> FileType | None:
    """The accepted type these leading bytes belong to, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        return MP4
    if head.startswith(b"PK\x03\x04") and b"[Content_Types].xml" in head[:2048]:
        return OOXML
    return None


def check_content(head: bytes, filename: str) -> FileType:
    """The file's real type; refuses executables, unknown types and names that lie."""
    if head.startswith(_EXECUTABLE_MAGIC):
        raise DomainError(
            f"Tệp '{filename}' là chương trình thực thi, không được phép tải lên",
            f"'{filename}' is an executable program and cannot be uploaded",
            field="file",
        )
    found = sniff(head)
    if found is None:
        allowed = ", ".join(t.name for t in ACCEPTED)
        raise DomainError(
            f"Không nhận ra loại tệp '{filename}' từ nội dung. Chấp nhận: {allowed}",
            f"The content of '{filename}' is not an accepted type ({allowed})",
            field="file",
        )
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension and extension not in found.extensions:
        raise DomainError(
            f"Tệp '{filename}' có đuôi {extension} nhưng nội dung là {found.name}",
            f"'{filename}' is named {extension} but its content is {found.name}",
            field="file",
        )
    return found


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_filename(raw: str, fallback: str = "tep") -> str:
    """A display name without paths, control characters or shell/HTML specials (diacritics kept)."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 140] + dot + extension[:9]) if dot else name[:150]
    return name or fallback
