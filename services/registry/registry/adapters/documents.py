"""Loading and saving the records of a product's documents (the files are in object storage)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from ..domain.documents import Document, DocumentKind
from . import tables
from .sql import SqlRepository, utc


def _document(row: Any) -> Document:
    return Document(
        id=row.id, product_id=row.product_id, kind=DocumentKind(row.kind), sha256=row.sha256,
        size=row.size, content_type=row.content_type, filename=row.filename,
        uploaded_at=utc(row.uploaded_at), valid_from=row.valid_from,
        valid_until=row.valid_until, replaces_id=row.replaces_id,
    )


class DocumentRepository(SqlRepository):
    async def add_document(self, document: Document, uploaded_by: str) -> None:
        await self.session.execute(insert(tables.documents).values(
            id=document.id, product_id=document.product_id, kind=document.kind.value,
            sha256=document.sha256, size=document.size, content_type=document.content_type,
            filename=document.filename, valid_from=document.valid_from,
            valid_until=document.valid_until, replaces_id=document.replaces_id,
            uploaded_at=document.uploaded_at, uploaded_by=uploaded_by))

    async def documents_of(self, product_id: str) -> list[Document]:
        rows = (await self.session.execute(
            select(tables.documents).where(tables.documents.c.product_id == product_id)
            .order_by(tables.documents.c.uploaded_at))).all()
        return [_document(r) for r in rows]

    async def get_document(self, document_id: str) -> Document | None:
        row = (await self.session.execute(
            select(tables.documents).where(tables.documents.c.id == document_id))).first()
        return _document(row) if row else None
