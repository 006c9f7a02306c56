"""Evidence files of an inspection: what a file really is (from its first bytes) and a safe name."""

from __future__ import annotations

from ocop_shared.storage.filetypes import JPEG, PDF, PNG, WEBP, FileRejected, FileType, check_content
from ocop_shared.storage.filetypes import safe_filename as shared_safe_filename

from .errors import DomainError

__all__ = ["ACCEPTED", "JPEG", "PDF", "PNG", "SNIFF_BYTES", "WEBP", "UnsupportedFile", "check_evidence",
           "safe_filename"]

SNIFF_BYTES = 64
ACCEPTED = (PDF, JPEG, PNG, WEBP)


class UnsupportedFile(DomainError):
    code = "unsupported-file"


def check_evidence(head: bytes, filename: str) -> FileType:
    """The file's type from its content; refuses other types and names that lie about it."""
    try:
        return check_content(head, filename, ACCEPTED)
    except FileRejected as rejected:
        raise UnsupportedFile(rejected.vi, rejected.en) from rejected


def safe_filename(raw: str, fallback: str = "bang-chung") -> str:
    """A display name without folders, control characters or shell specials (diacritics kept)."""
    return shared_safe_filename(raw, fallback, max_length=200)
