"""Certificate PDFs, rendered after the certificate is issued rather than on its way out.

Issuing records the certificate and publishes `Certified` in one transaction, so showrooms
and tills hear of it within milliseconds; the PDF (reportlab, about 20 ms of CPU, and an
upload to the object store) follows from `documents_job`, which yields to incoming results
for a moment so that certificates keep flowing under load. The download link renders a PDF
itself if the job has not reached it yet, so nobody ever waits for the job. A PDF is a pure
function of the certificate and its QR text (reportlab's invariant mode): two replicas
rendering the same certificate store the same object, and the first to record it wins.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time

from ocop_shared.jobs import BackgroundJob

from ..adapters.pdf import render_certificate_pdf
from ..adapters.repository import CertificateRecord, CertificateRepository
from .context import Context

log = logging.getLogger(__name__)

BATCH = 20
QUIET_SECONDS = 0.5  # results arrived this recently: issuing goes first...
LONGEST_WAIT_SECONDS = 30.0  # ...unless the oldest PDF has waited this long
POLL_SECONDS = 5.0  # a certificate issued by another replica is noticed this late at most


async def store_pdf(ctx: Context, record: CertificateRecord) -> str:
    """Render and store the certificate's PDF, record it, and return its sha256."""
    if record.pdf_sha256 is not None:
        return record.pdf_sha256
    if record.qr_text is None:
        raise ValueError(f"certificate {record.number} has no QR text to print")
    pdf = await asyncio.to_thread(render_certificate_pdf, record.certificate, record.qr_text)
    stored = await ctx.store.put(io.BytesIO(pdf), "application/pdf")
    async with ctx.uow() as uow:
        await uow.repository(CertificateRepository).keep_pdf(record.id, stored.sha256, stored.size)
        await uow.commit()
    record.pdf_sha256, record.pdf_size = stored.sha256, stored.size
    return stored.sha256


async def render_pending(ctx: Context, *, limit: int = BATCH) -> int:
    """Store the PDFs of up to `limit` certificates that have none; how many were stored."""
    async with ctx.uow() as uow:
        pending = await uow.repository(CertificateRepository).without_pdf(limit)
    for record in pending:
        await store_pdf(ctx, record)
    return len(pending)


def documents_job(ctx: Context) -> BackgroundJob:
    """The background loop: renders PDFs as certificates are issued (here or by a replica).
    While results keep arriving it holds back, but never more than LONGEST_WAIT_SECONDS."""
    documents = ctx.documents

    async def yield_to_issuing(pending_since: float) -> None:
        while True:
            now = time.monotonic()
            until_quiet = documents.last_issued + QUIET_SECONDS - now
            until_overdue = pending_since + LONGEST_WAIT_SECONDS - now
            if until_quiet <= 0 or until_overdue <= 0:
                return
            await asyncio.sleep(min(until_quiet, until_overdue))

    async def run(stop: asyncio.Event) -> None:
        while not stop.is_set():
            documents.due.clear()
            pending_since = time.monotonic()
            try:
                await yield_to_issuing(pending_since)
                while await render_pending(ctx) == BATCH and not stop.is_set():
                    await yield_to_issuing(pending_since)
            except Exception as error:  # the object store or the database may be away
                log.warning("certificate PDFs: %s", error)
            await _either(stop, documents.due, timeout=POLL_SECONDS)

    return run


async def _either(first: asyncio.Event, second: asyncio.Event, *, timeout: float) -> None:
    waits = [asyncio.ensure_future(first.wait()), asyncio.ensure_future(second.wait())]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
