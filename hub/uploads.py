"""One uploaded file from a multipart request: size-capped, its type sniffed from the bytes.

The client's declared content type and file name are never trusted: the type comes from the
file's magic bytes (a `.pdf` that is really an executable is refused), and the name is cut down
to a safe base name kept for display only. Uploads handled here are documents and images of a
few MiB, so the file is held in memory.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from .errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from .keys import SETTINGS

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PNG = "image/png"
JPEG = "image/jpeg"
TEXT = "text/plain"
DOCUMENT_TYPES: frozenset[str] = frozenset({PDF, DOCX, PNG, JPEG, TEXT})
LETTER_TYPES: frozenset[str] = frozenset({PDF, DOCX})
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024  # bytes: attachments and letters; HUB_MAX_UPLOAD_BYTES caps it

SUFFIXES = {PDF: ".pdf", DOCX: ".docx", PNG: ".png", JPEG: ".jpg", TEXT: ".txt"}
_SHORT_NAMES = {PDF: "PDF", DOCX: "DOCX", PNG: "PNG", JPEG: "JPEG", TEXT: "plain text"}

MULTIPART_OVERHEAD = 16 * 1024  # bytes: headers and boundaries allowed on top of the file itself
MAX_SKIPPED_PARTS = 20  # other form fields tolerated before the file
CHUNK = 64 * 1024  # bytes read per step
MAX_FILENAME = 200  # characters kept of the client's file name
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Upload:
    filename: str  # a display name: base name only, no path, no control characters
    content_type: str  # sniffed from the bytes, one of the allowed types
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def suffix(self) -> str:
        return SUFFIXES.get(self.content_type, "")


async def read_upload(
    request: web.Request, field: str = "file", *, max_bytes: int, allowed: AbstractSet[str]
) -> Upload:
    """Read the form field `field`: 415 not multipart or a refused type, 413 too large, 400 missing.

    `max_bytes` is the limit for this kind of file; the hub-wide HUB_MAX_UPLOAD_BYTES caps it.
    """
    max_bytes = min(max_bytes, request.app[SETTINGS].max_upload_bytes)
    if request.content_type != "multipart/form-data":
        raise UnsupportedMediaType("Send the file as multipart/form-data")
    if request.content_length is not None and request.content_length > max_bytes + MULTIPART_OVERHEAD:
        raise PayloadTooLarge(f"File exceeds {max_bytes} bytes", details={"maxBytes": max_bytes})
    try:
        reader = await request.multipart()
        for _ in range(MAX_SKIPPED_PARTS + 1):
            part = await reader.next()
            if part is None:
                break
            if not isinstance(part, BodyPartReader):
                raise ValidationFailed("Nested multipart bodies are not accepted")
            if part.name != field:
                await part.release()
                continue
            data = await _read_capped(part, max_bytes)
            return _checked(part.filename, data, allowed)
    except (ValueError, RuntimeError, AssertionError):
        # aiohttp's reader raises these for broken boundaries and headers.
        raise ValidationFailed("Malformed multipart body") from None
    raise ValidationFailed(f"Missing file field '{field}'", details={"field": field})


async def _read_capped(part: BodyPartReader, max_bytes: int) -> bytes:
    buffer = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        buffer += chunk
        if len(buffer) > max_bytes:
            raise PayloadTooLarge(f"File exceeds {max_bytes} bytes", details={"maxBytes": max_bytes})
    return bytes(buffer)


def _checked(filename: str | None, data: bytes, allowed: AbstractSet[str]) -> Upload:
    if not data:
        raise ValidationFailed("The file is empty")
    detected = sniff_content_type(data)
    if detected is None or detected not in allowed:
        names = ", ".join(sorted(_SHORT_NAMES.get(t, t) for t in allowed))
        raise UnsupportedMediaType(
            f"Accepted file types: {names}", details={"allowed": sorted(allowed), "detected": detected}
        )
    return Upload(safe_filename(filename, SUFFIXES.get(detected, "")), detected, data)


def sniff_content_type(data: bytes) -> str | None:
    """The type the bytes really are, from their signature; None when not one we know."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"PK\x03\x04"):
        return DOCX if _is_docx(data) else None
    if _is_plain_text(data):
        return TEXT
    return None


def _is_docx(data: bytes) -> bool:
    """A ZIP is a Word document only with its content-types part and main document part."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


def _is_plain_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _TEXT_CONTROLS.search(text)


def safe_filename(raw: str | None, default_suffix: str) -> str:
    """Base name only, printable characters, bounded length; 'upload' + suffix when nothing is left.

    Percent-escapes are undone first (aiohttp and some browsers quote the name) so an escaped
    path separator cannot survive as part of the name.
    """
    name = unquote(raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_FILENAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:MAX_FILENAME]
    return name or f"upload{default_suffix}"
