"""Upload checks: the type comes from the bytes, the name is reduced to a safe display name."""

from __future__ import annotations

import pytest

from hub.uploads import DOCX, JPEG, PDF, PNG, TEXT, safe_filename, sniff_content_type
from tests.api.recruitment_helpers import EXE_BYTES, PDF_BYTES, PNG_BYTES, docx_bytes, zip_bytes


@pytest.mark.parametrize(
    "data,expected",
    [
        (PDF_BYTES, PDF),
        (PNG_BYTES, PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", JPEG),
        (docx_bytes(), DOCX),
        ("Plain notes, with ünïcödé.\n\tIndented.\r\n".encode(), TEXT),
        (EXE_BYTES, None),
        (zip_bytes(), None),  # a ZIP that is not a Word document
        (b"PK\x03\x04 truncated", None),
        (b"text with a \x00 NUL", None),
        (b"\xc3\x28 invalid utf-8", None),
        (b"\x1b[31m terminal escapes", None),
    ],
)
def test_sniff_content_type(data: bytes, expected: str | None) -> None:
    assert sniff_content_type(data) == expected


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("cv.pdf", "cv.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..%2F..%2Fsecret.pdf", "secret.pdf"),
        ("C:\\Users\\cora\\cv.docx", "cv.docx"),
        ("line\nbreak\x07.txt", "linebreak.txt"),
        (".hidden", "hidden"),
        ("", "upload.pdf"),
        (None, "upload.pdf"),
        ("...", "upload.pdf"),
    ],
)
def test_safe_filename(raw: str | None, expected: str) -> None:
    assert safe_filename(raw, ".pdf") == expected


def test_long_filename_keeps_its_extension() -> None:
    name = safe_filename("a" * 500 + ".docx", ".docx")
    assert len(name) == 200 and name.endswith(".docx")
