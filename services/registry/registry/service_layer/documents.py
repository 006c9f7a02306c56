"""Registry use cases: a product's documents (uploads checked before they are stored) and
the download links handed out for them."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from ocop_shared.auth import Principal
from ocop_shared.db.uow import UnitOfWork
from ocop_shared.errors import Invalid, Text, UnsupportedContent
from ocop_shared.i18n import message
from ocop_shared.storage import filetypes, uploads
from ocop_shared.storage.port import NotAsDeclared, ObjectStore, StoredObject
from ocop_shared.storage.streams import peek

from ..adapters.repository import DocumentRepository
from ..domain import files
from ..domain.documents import Document, DocumentKind
from ..domain.errors import DomainError
from .records import may_act_for, may_read, not_found, product_for

DOWNLOAD_SECONDS = 300


@dataclass(frozen=True)
class Upload:
    """A file: spooled already (a multipart form), or a request body still arriving in chunks,
    with the sha256 and size its sender declared, if any."""

    content: BinaryIO | AsyncIterator[bytes]
    filename: str
    kind: DocumentKind
    valid_from: date | None = None
    valid_until: date | None = None
    replaces_id: str | None = None
    sha256: str | None = None
    size: int | None = None


async def upload_document(uow: UnitOfWork, store: ObjectStore, product_id: str, upload: Upload,
                          principal: Principal) -> Document:
    """Store the file first (by content hash), then record it: a failure never leaves a row
    pointing at nothing, and a retry of a failed upload simply works. Everything is checked
    before the first byte is stored; a body cut off or not as declared stores nothing."""
    product, entity = await product_for(uow, product_id)
    may_act_for(principal, entity)
    name = files.safe_filename(upload.filename)
    if upload.valid_from and upload.valid_until and upload.valid_until < upload.valid_from:
        raise Invalid(message("registry.valid_until_must_not_before_valid"), field="valid_until")
    repo = uow.repository(DocumentRepository)
    if upload.replaces_id:
        replaced = await repo.get_document(upload.replaces_id)
        if replaced is None or replaced.product_id != product.id:
            raise Invalid(message("registry.document_not_one_product_s",
                                  upload_replaces_id=upload.replaces_id), field="replaces_id")
    if isinstance(upload.content, AsyncIterator):
        head, chunks = await peek(upload.content, filetypes.SNIFF_BYTES)
        kind = _file_type(head, name)
        stored = await _store_streamed(store, chunks, kind, name, upload)
    else:
        upload.content.seek(0)
        head = upload.content.read(filetypes.SNIFF_BYTES)
        kind = _file_type(head, name)
        await _check_inside(upload.content, kind, name)
        stored = await store.put(upload.content, kind.content_type)
    document = Document(
        id=str(uuid.uuid4()), product_id=product.id, kind=upload.kind, sha256=stored.sha256,
        size=stored.size, content_type=kind.content_type, filename=name,
        uploaded_at=uow.clock.now(), valid_from=upload.valid_from,
        valid_until=upload.valid_until, replaces_id=upload.replaces_id)
    await repo.add_document(document, principal.subject)
    await uow.commit()
    return document


async def _store_streamed(store: ObjectStore, chunks: AsyncIterator[bytes],
                          kind: filetypes.FileType, name: str, upload: Upload) -> StoredObject:
    """Photos and videos go straight on to storage as they arrive; documents are opened and
    checked first, so they are held (in a temporary file when large) until complete."""
    try:
        if not uploads.needs_opening(kind):
            return await store.put_stream(chunks, kind.content_type, sha256=upload.sha256,
                                          size=upload.size)
        with await uploads.spool(chunks) as whole:
            await _check_inside(whole, kind, name)
            return await store.put_stream(uploads.chunks_of(whole), kind.content_type,
                                          sha256=upload.sha256, size=upload.size)
    except NotAsDeclared as error:
        raise Invalid(message("registry.bytes_received_not_ones_declared_sha256"), field="sha256") from error


def _file_type(head: bytes, name: str) -> filetypes.FileType:
    if not head:
        raise Invalid(message("certification.file_empty"), field="file")
    try:
        return files.check_content(head, name)
    except DomainError as error:
        raise _unsupported(error.vi, error.en) from error


async def _check_inside(stream: BinaryIO, kind: filetypes.FileType, name: str) -> None:
    try:
        await asyncio.to_thread(uploads.check_inside, stream, kind, name)
    except filetypes.FileRejected as rejected:
        raise _unsupported(rejected.vi, rejected.en) from rejected


def _unsupported(vi: str, en: str) -> UnsupportedContent:
    return UnsupportedContent(Text(vi, en), field="file")


async def documents_of(uow: UnitOfWork, product_id: str, principal: Principal) -> list[Document]:
    """The product's documents, for whoever may read the product."""
    _, entity = await product_for(uow, product_id)
    may_read(principal, entity, product_id)
    return await uow.repository(DocumentRepository).documents_of(product_id)


async def download_link(uow: UnitOfWork, store: ObjectStore, document_id: str,
                        principal: Principal) -> str:
    """A short-lived link to the file (DOWNLOAD_SECONDS); who took it is on the audit trail."""
    document = await uow.repository(DocumentRepository).get_document(document_id)
    if document is None:
        raise not_found("tài liệu", "document", document_id)
    _, entity = await product_for(uow, document.product_id)
    may_read(principal, entity, document.product_id)
    url = await store.presigned_url(document.sha256, DOWNLOAD_SECONDS, document.filename)
    uow.record_change("document", document_id,
                      f"download link to {document.filename} ({document.kind.value})",
                      product_id=document.product_id, entity_id=entity.id,
                      document_id=document_id)
    await uow.commit()  # the audit record of who took the file
    return url
