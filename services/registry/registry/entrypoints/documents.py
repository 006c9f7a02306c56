"""Registry HTTP API: a product's documents (uploads checked before they are stored) and downloads."""


from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import FormData
from starlette.requests import ClientDisconnect

from ocop_shared.auth import Principal
from ocop_shared.http.dates import IsoDate
from ocop_shared.http.problems import Problem
from ocop_shared.http.text import RecordId
from ocop_shared.i18n import message
from ocop_shared.runtime import ServiceRuntime

from ..domain.documents import KINDS, Document, DocumentKind
from ..service_layer import services
from .api import today
from .deps import Caller, Runtime, router
from .schemas import (
    DocumentOut,
    DownloadOut,
)

UPLOAD_DESCRIPTION = """The file comes in one of two forms:

- `multipart/form-data` (browsers, the web console): the file in `file`, the other fields beside it.
- the file itself as the request body (`Content-Type` the file's type or
  `application/octet-stream`, with `Content-Length`), the fields in the query (`kind`
  required). With `sha256` (hex, of the whole file) a photo or video streams straight to object
  storage and is checked against it before anything is stored (422 if it differs); without
  it, it is spooled to a temporary file while hashed, then stored. Large files should use this
  form.

Either way the type is decided from the content (PDF, JPEG, PNG, WebP, MP4, Office and
OpenDocument files), not from the declared type; a name whose extension contradicts the content
is refused (415). Documents are then opened before they are accepted (415 otherwise), so they
are held until complete: a PDF must be readable by a PDF library, not password protected, with
no JavaScript, launch actions, attached programs or data after its end; an Office or
OpenDocument file (a zip archive) must open, hold at most 10,000 entries and no program, and
unpack to at most 512 MiB (and, above 16 MiB, to at most 100 times its size). The size limit is
checked before and while reading (413); a refused or interrupted upload stores nothing."""


class UploadForm(BaseModel):
    file: Annotated[UploadFile, Field(description="The document")]
    kind: DocumentKind
    valid_from: IsoDate | None = None
    valid_until: IsoDate | None = None
    replaces_id: RecordId | None = None


def upload_form(form: FormData) -> UploadForm:
    """The multipart fields validated as FastAPI validates forms (empty inputs count as absent)."""
    given = {key: value for key, value in form.items()
             if value != "" and not (isinstance(value, UploadFile) and not value.filename
                                     and not value.size)}
    try:
        return UploadForm.model_validate(given)
    except ValidationError as error:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])}
                                      for e in error.errors(include_url=False)]) from error


def upload_body() -> dict[str, Any]:
    """Both forms of the upload's request body, for the OpenAPI document."""
    form = UploadForm.model_json_schema(ref_template="#/components/schemas/{model}")
    form.pop("$defs", None)  # DocumentKind is among the document's schemas already
    return {"required": True, "content": {
        "multipart/form-data": {"schema": form},
        "application/octet-stream": {"schema": {"type": "string",
                                                "contentMediaType": "application/octet-stream"}},
    }}


async def body_of(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The request body as it arrives: 413 past `limit` bytes, and 400 if the client goes
    away (it will not see the answer, but a dropped connection is not a server error)."""
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit:
                raise too_large(limit)
            yield chunk
    except ClientDisconnect as error:
        raise Problem(message("registry.upload_was_cut_off"),
                      status=400, slug="upload-interrupted") from error


def document_out(document: Document, today: IsoDate) -> DocumentOut:
    return DocumentOut(
        id=document.id, kind=document.kind, kind_vi=KINDS[document.kind].vi,
        filename=document.filename, sha256=document.sha256, size=document.size,
        content_type=document.content_type, valid_from=document.valid_from,
        valid_until=document.valid_until, expired=document.expired_on(today),
        replaces_id=document.replaces_id, uploaded_at=document.uploaded_at)



# -- documents ----------------------------------------------------------------------------
@router.post("/products/{product_id}/documents", status_code=201, response_model=DocumentOut,
             summary="Upload an evidence file (streamed to object storage, stored by sha256)",
             description=UPLOAD_DESCRIPTION, openapi_extra={"requestBody": upload_body()})
async def upload(
    product_id: RecordId, request: Request, principal: Caller,
    runtime: Runtime, kind: Annotated[DocumentKind | None, Query(
        description="Raw body: the document's kind (required)")] = None,
    filename: Annotated[str | None, Query(max_length=255,
                                          description="Raw body: the file's name")] = None,
    sha256: Annotated[str | None, Query(
        pattern=r"^[0-9a-fA-F]{64}$",
        description="Raw body: the file's sha256 (hex); lets it stream straight to storage, "
                    "checked before anything is stored")] = None,
    valid_from: Annotated[IsoDate | None, Query(description="Raw body")] = None,
    valid_until: Annotated[IsoDate | None, Query(description="Raw body")] = None,
    replaces_id: Annotated[RecordId | None, Query(description="Raw body")] = None,
) -> DocumentOut:
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media == "multipart/form-data":
        async with request.form(max_files=1, max_fields=10) as form:
            fields = upload_form(form)
            spooled = fields.file.size
            if (spooled if spooled is not None else _size_of(fields.file)) > runtime.settings.max_upload_bytes:
                raise too_large(runtime.settings.max_upload_bytes)
            return await save(runtime, product_id, services.Upload(
                content=fields.file.file, filename=fields.file.filename or "tep",
                kind=fields.kind, valid_from=fields.valid_from, valid_until=fields.valid_until,
                replaces_id=fields.replaces_id or None), principal)
    if media == "application/x-www-form-urlencoded":
        raise Problem(message("registry.send_file_as_multipart_form_data"), status=415, slug="unsupported-file")
    if kind is None:
        raise RequestValidationError([{"type": "missing", "loc": ("query", "kind"),
                                       "msg": "Field required", "input": None}])
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        raise Problem(message("registry.content_length_required_with_file_as"),
                      status=411, slug="length-required")
    if int(declared) > runtime.settings.max_upload_bytes:
        raise too_large(runtime.settings.max_upload_bytes)
    return await save(runtime, product_id, services.Upload(
        content=body_of(request, runtime.settings.max_upload_bytes), filename=filename or "tep", kind=kind,
        valid_from=valid_from, valid_until=valid_until, replaces_id=replaces_id or None,
        sha256=sha256.lower() if sha256 else None, size=int(declared)), principal)


async def save(runtime: ServiceRuntime, product_id: str, upload: services.Upload, principal: Principal) -> DocumentOut:
    async with runtime.uow() as uow:
        document = await services.upload_document(uow, runtime.store, product_id, upload,
                                                  principal)
    return document_out(document, today(runtime))


@router.get("/products/{product_id}/documents", response_model=list[DocumentOut],
            summary="The product's documents, flagged when expired")
async def documents(product_id: RecordId, principal: Caller, runtime: Runtime) -> list[DocumentOut]:
    async with runtime.uow() as uow:
        found = await services.documents_of(uow, product_id, principal)
    return [document_out(d, today(runtime)) for d in found]


@router.get("/documents/{document_id}/download", response_model=DownloadOut,
            summary="A short-lived download link (council members, the office, the owner)")
async def download(document_id: RecordId, principal: Caller, runtime: Runtime) -> DownloadOut:
    async with runtime.uow() as uow:
        url = await services.download_link(uow, runtime.store, document_id, principal)
    return DownloadOut(url=url, expires_in=services.DOWNLOAD_SECONDS)



def _size_of(file: UploadFile) -> int:
    file.file.seek(0, 2)
    size = file.file.tell()
    file.file.seek(0)
    return size


def too_large(limit: int) -> Problem:
    mib = limit // (1024 * 1024)
    return Problem(message("certification.file_exceeds_mb_limit", mib=mib),
                   status=413, slug="file-too-large", field="file")
