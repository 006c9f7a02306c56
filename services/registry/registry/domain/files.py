"""Dossier files: the registry accepts documents, photos, videos and Office files."""

from __future__ import annotations

from ocop_shared.storage.filetypes import (
    DOCUMENTS_AND_MEDIA,
    FileRejected,
    FileType,
    safe_filename,
)
from ocop_shared.storage.filetypes import check_content as _check

from .errors import DomainError

__all__ = ["check_content", "safe_filename"]


def check_content(head: bytes, filename: str) -> FileType:
    try:
        return _check(head, filename, DOCUMENTS_AND_MEDIA)
    except FileRejected as rejected:
        raise DomainError(rejected.vi, rejected.en, field="file") from rejected
