"""Checking an uploaded file: its first bytes say what it is (the first gate), then documents
are opened as what they claim to be: PDFs by pypdf, Office and OpenDocument files as the
archives they are. Photos and videos need no second look; they are never opened server-side.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator
from typing import BinaryIO

from .archives import check_archive
from .filetypes import ARCHIVES, ODF, OOXML, PDF, FileType
from .pdfs import check_pdf

_SPOOL_IN_MEMORY = 8 * 1024 * 1024
_REQUIRED_ENTRY = {OOXML: "[Content_Types].xml", ODF: "mimetype"}


def needs_opening(kind: FileType) -> bool:
    """Whether this type is checked inside, so needs the whole file before it is stored."""
    return kind is PDF or kind in ARCHIVES


def check_inside(stream: BinaryIO, kind: FileType, filename: str) -> None:
    """Raises FileRejected if the whole file is not the document its first bytes promised."""
    if kind is PDF:
        check_pdf(stream, filename)
    elif kind in ARCHIVES:
        check_archive(stream, filename, required=_REQUIRED_ENTRY[kind])


async def spool(chunks: AsyncIterator[bytes]) -> BinaryIO:
    """A streamed body kept in memory while small, else in a temporary file (removed on close)."""
    spooled = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)
    try:
        async for chunk in chunks:
            await asyncio.to_thread(spooled.write, chunk)
    except BaseException:
        spooled.close()
        raise
    spooled.seek(0)
    return spooled  # type: ignore[return-value]


async def chunks_of(stream: BinaryIO, size: int = 1024 * 1024) -> AsyncIterator[bytes]:
    while block := await asyncio.to_thread(stream.read, size):
        yield block
