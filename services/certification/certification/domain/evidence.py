"""Evidence files of an inspection: what a file really is (from its first bytes) and a safe name."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import DomainError

SNIFF_BYTES = 64


@dataclass(frozen=True)
class FileKind:
    name: str
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("PDF", "application/pdf", (".pdf",))
JPEG = FileKind("JPEG", "image/jpeg", (".jpg", ".jpeg"))
PNG = FileKind("PNG", "image/png", (".png",))
WEBP = FileKind("WebP", "image/webp", (".webp",))
ACCEPTED = (PDF, JPEG, PNG, WEBP)


class UnsupportedFile(DomainError):
    code = "unsupported-file"


def sniff(head: bytes) -> FileKind | None:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


def check_evidence(head: bytes, filename: str) -> FileKind:
    """The file's type from its content; refuses other types and names that lie about it."""
    found = sniff(head)
    if found is None:
        allowed = ", ".join(k.name for k in ACCEPTED)
        raise UnsupportedFile(
            f"Tệp '{filename}' không phải loại được chấp nhận ({allowed})",
            f"'{filename}' is not an accepted type ({allowed})",
        )
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension and extension not in found.extensions:
        raise UnsupportedFile(
            f"Tệp '{filename}' có đuôi {extension} nhưng nội dung là {found.name}",
            f"'{filename}' is named {extension} but its content is {found.name}",
        )
    return found


_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def safe_filename(raw: str, fallback: str = "bang-chung") -> str:
    """A display name without folders, control characters or shell specials (diacritics kept)."""
    name = unicodedata.normalize("NFC", raw).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")
    return name[:200] or fallback
