"""Documents are opened before they are accepted: PDFs by pypdf, Office and OpenDocument files
as the archives they are (issue 20, item 4). Every file here is built for real."""

from __future__ import annotations

import io
import zipfile

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from ocop_shared.storage.filetypes import ODF, OOXML, PDF, FileRejected, check_content
from ocop_shared.storage.uploads import check_inside, needs_opening

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8
MiB = 1024 * 1024


def pdf(build=None) -> bytes:  # type: ignore[no-untyped-def]
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if build:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def office(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def opendocument(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), b"application/vnd.oasis.opendocument.text",
                         compress_type=zipfile.ZIP_STORED)
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def checked(data: bytes, filename: str) -> None:
    kind = check_content(data[:4096], filename)
    assert needs_opening(kind)
    check_inside(io.BytesIO(data), kind, filename)


def refused(data: bytes, filename: str) -> str:
    with pytest.raises(FileRejected) as caught:
        checked(data, filename)
    return caught.value.en


def test_real_documents_pass_both_gates() -> None:
    checked(pdf(), "ho-so.pdf")
    checked(pdf() + b"\r\n", "ho-so.pdf")  # a line end after %%EOF is usual
    checked(office({"word/document.xml": b"<w:document>" + b"<w:p>Kho ca loc</w:p>" * 5000 + b"</w:document>"}),
            "ke-hoach.docx")
    checked(opendocument({"content.xml": b"<office:document-content/>"}), "ke-hoach.odt")
    assert check_content(opendocument({}), "a.odt") is ODF
    assert check_content(office({}), "a.xlsx") is OOXML


def test_an_office_shaped_zip_bomb_is_refused_by_what_it_unpacks_to() -> None:
    bomb = office({"word/document.xml": b"\x00" * (200 * MiB)})
    assert len(bomb) < 300 * 1024, "a couple of hundred KB on the wire"
    assert "zip bomb" in refused(bomb, "plan.docx")


def test_an_archive_that_lies_about_its_sizes_is_refused_on_what_it_really_holds() -> None:
    bomb = bytearray(office({"xl/sharedStrings.xml": b"A" * (40 * MiB)}))
    entry = bomb.find(b"PK\x01\x02xl"[:4])
    while bomb[entry + 46: entry + 49] != b"xl/":
        entry = bomb.find(b"PK\x01\x02", entry + 4)
    bomb[entry + 24: entry + 28] = (1024).to_bytes(4, "little")  # "unpacks to 1 KiB"
    assert "damaged" in refused(bytes(bomb), "bang-tinh.xlsx")


def test_too_many_entries_a_missing_manifest_a_program_inside_are_refused() -> None:
    many = office({f"customXml/item{i}.xml": b"<a/>" for i in range(10_001)})
    assert "entries" in refused(many, "a.docx")
    lookalike = io.BytesIO()
    with zipfile.ZipFile(lookalike, "w") as archive:
        archive.writestr("[Content_Types].xml.bak", b"<Types/>")  # looks like Office at first sight
    assert "missing" in refused(lookalike.getvalue(), "a.docx")
    assert "executable" in refused(office({"word/embeddings/oleObject1.bin": ELF}), "a.docx")
    assert "damaged" in refused(office({"word/document.xml": b"<w:document/>"})[:-40], "cut.docx")


def test_a_pdf_header_before_a_program_is_not_a_pdf() -> None:
    assert "cannot be read as a PDF" in refused(b"%PDF-1.4\n" + ELF, "bao-cao.pdf")
    assert "after the end" in refused(pdf() + ELF, "bao-cao.pdf")
    assert "after the end" in refused(pdf() + b"x" * 4096, "bao-cao.pdf")


def test_pdfs_with_scripts_launch_actions_or_programs_attached_are_refused() -> None:
    def javascript(writer: PdfWriter) -> None:  # in the catalogue's name tree, run on opening
        script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                   NameObject("/JS"): TextStringObject("app.alert('OCOP');")})
        tree = DictionaryObject({NameObject("/Names"): ArrayObject([TextStringObject("mo"),
                                                                     writer._add_object(script)])})
        writer._root_object[NameObject("/Names")] = DictionaryObject(
            {NameObject("/JavaScript"): writer._add_object(tree)})

    def link_script(writer: PdfWriter) -> None:  # a link on the page that runs a script
        action = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                                   NameObject("/JS"): TextStringObject("this.print();")})
        writer.add_annotation(0, DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4), NameObject("/A"): action}))

    def launch(writer: PdfWriter) -> None:
        action = DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                   NameObject("/F"): TextStringObject("cmd.exe")})
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)

    def program(writer: PdfWriter) -> None:
        writer.add_attachment("huong-dan.pdf", ELF)

    def named_program(writer: PdfWriter) -> None:
        writer.add_attachment("setup.exe", b"not even a program")

    def table(writer: PdfWriter) -> None:
        writer.add_attachment("bang-diem.csv", "tiêu chí,điểm\n1.1,5\n".encode())

    assert "scripts" in refused(pdf(javascript), "a.pdf")
    assert "scripts" in refused(pdf(link_script), "a.pdf")
    assert "scripts" in refused(pdf(launch), "a.pdf")
    assert "executable" in refused(pdf(program), "a.pdf")
    assert "executable" in refused(pdf(named_program), "a.pdf")
    checked(pdf(table), "co-dinh-kem.pdf")  # an attached table is fine


def test_a_password_protected_pdf_is_refused_one_with_only_an_owner_password_accepted() -> None:
    def locked(writer: PdfWriter) -> None:
        writer.encrypt(user_password="bi-mat", owner_password="chu", algorithm="AES-128")

    def restricted(writer: PdfWriter) -> None:
        writer.encrypt(user_password="", owner_password="chu", algorithm="AES-128")

    assert "password" in refused(pdf(locked), "a.pdf")
    checked(pdf(restricted), "a.pdf")


def test_photos_and_videos_are_not_opened() -> None:
    from ocop_shared.storage.filetypes import JPEG, MP4, PNG
    assert not any(needs_opening(kind) for kind in (JPEG, PNG, MP4))
    assert needs_opening(PDF)
