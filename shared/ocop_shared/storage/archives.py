"""Office documents are zip archives: open one only after measuring what it would unpack to.

The sizes an archive declares can lie, so every entry is decompressed as a stream and counted
as it comes, stopping at the first limit crossed; nothing is written anywhere. The standard
library's zipfile does the reading (no maintained package checks zip bombs better: the known
ones only compare declared sizes).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from ..i18n import said
from .filetypes import EXECUTABLE_MAGIC, FileRejected

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    max_entries: int = 10_000
    max_total_bytes: int = 512 * 1024 * 1024
    # XML compresses 10-30x; a bomb 1000x and more. Small archives may compress as they like.
    max_ratio: int = 100
    ratio_applies_above: int = 16 * 1024 * 1024


def check_archive(stream: BinaryIO, filename: str, *, required: str | None = None,
                  limits: ArchiveLimits = ArchiveLimits()) -> None:
    """Refuses an archive that does not open, has too many entries, unpacks to too much, or
    carries a program; `required` names an entry the format must have."""
    stream.seek(0, 2)
    packed = max(stream.tell(), 1)
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            if len(entries) > limits.max_entries:
                raise FileRejected(
                    *said("common.holds_entries_at_most", filename=filename, entries=len(entries),
                          limits_max_entries=limits.max_entries))
            if required and required not in archive.namelist():
                raise FileRejected(*said("common.not_valid_office_document_missing", filename=filename,
                                         required=required))
            total = 0
            for entry in entries:
                total = _unpack_counting(archive, entry, filename, total, packed, limits)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, ValueError,
            RuntimeError) as error:
        # RuntimeError: an encrypted entry; NotImplementedError: an unknown compression method
        raise FileRejected(*said("common.cannot_opened_damaged_encrypted_archive", filename=filename)) from error
    finally:
        stream.seek(0)


def _unpack_counting(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, filename: str, total: int,
                     packed: int, limits: ArchiveLimits) -> int:
    with archive.open(entry) as member:
        first = True
        while chunk := member.read(_CHUNK):
            if first and chunk.startswith(EXECUTABLE_MAGIC):
                raise FileRejected(
                    *said("common.carries_executable_program", filename=filename, entry_filename=entry.filename))
            first = False
            total += len(chunk)
            if total > limits.max_total_bytes or (
                    total > limits.ratio_applies_above and total > packed * limits.max_ratio):
                raise FileRejected(
                    *said("common.unpacks_too_much_over_mib_from", filename=filename, total=total // (1024 * 1024),
                          packed=packed // 1024))
    return total
