"""佐证材料: accept PDF, images and Office documents by what they contain, not their name."""

from __future__ import annotations

import hashlib
import re
import tempfile
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import storages
from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ducha.lib.storage import FOLDER
from ducha.lib.xlsx import CONTENT_TYPE

MB = 1024 * 1024

KINDS = {
    # kind: (content type, extensions)
    "pdf": ("application/pdf", {".pdf"}),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        {".docx"},
    ),
    "xlsx": (CONTENT_TYPE, {".xlsx"}),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        {".pptx"},
    ),
    "ole": ("application/octet-stream", {".doc", ".xls", ".ppt", ".wps", ".et"}),
}
ALLOWED = gettext_noop("PDF、PNG/JPEG 图片、Word/Excel/PowerPoint 文档")
# Markup that a browser would run if it ever sniffed the file as HTML.
MARKUP = re.compile(rb"<\s*(html|script|iframe|svg|body|object|embed|!doctype)", re.IGNORECASE)
OFFICE_PARTS = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


class EvidenceRefused(Exception):
    pass


@dataclass(frozen=True)
class Checked:
    kind: str
    content_type: str
    size: int
    sha256: str


def _sniff(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    return None


def _png_is_clean(data: bytes) -> bool:
    """Walk the chunks: the file must end at IEND, with nothing smuggled after it."""
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        pos += 12 + length
        if kind == b"IEND":
            return pos == len(data)
    return False


def _office_kind(path: Path, name: str) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if len(names) > 5000 or sum(i.file_size for i in z.infolist()) > 200 * MB:
                raise EvidenceRefused(_("%(name)s：压缩内容过大，已拒绝") % {"name": name})
    except zipfile.BadZipFile:
        raise EvidenceRefused(_("%(name)s：文件已损坏") % {"name": name}) from None
    if "[Content_Types].xml" in names:
        for kind, prefix in OFFICE_PARTS.items():
            if any(n.startswith(prefix) for n in names):
                return kind
    raise EvidenceRefused(
        _("%(name)s：是压缩包而不是 Office 文档；只接受%(allowed)s")
        % {"name": name, "allowed": _(ALLOWED)}
    )


def check(path: Path, name: str) -> Checked:
    """Refuse anything but the allowed kinds; the extension must agree with the content."""
    size = path.stat().st_size
    limit = settings.DUCHA_EVIDENCE_MAX_MB * MB
    if size == 0:
        raise EvidenceRefused(_("%(name)s：文件是空的") % {"name": name})
    if size > limit:
        raise EvidenceRefused(
            _("%(name)s：文件 %(size).1f MB，超过 %(limit)s MB 的上限")
            % {"name": name, "size": size / MB, "limit": settings.DUCHA_EVIDENCE_MAX_MB}
        )
    data = path.read_bytes()
    kind = _sniff(data[:16])
    if kind == "zip":
        kind = _office_kind(path, name)
    if kind is None:
        raise EvidenceRefused(
            _("%(name)s：文件内容不是允许的类型；只接受%(allowed)s")
            % {"name": name, "allowed": _(ALLOWED)}
        )
    content_type, extensions = KINDS[kind]
    suffix = Path(name).suffix.lower()
    if suffix not in extensions:
        raise EvidenceRefused(
            _("%(name)s：扩展名 %(suffix)s 与文件内容（%(kind)s）不符")
            % {"name": name, "suffix": suffix or _("（无）"), "kind": kind}
        )
    if kind in ("png", "jpeg") and MARKUP.search(data):
        raise EvidenceRefused(_("%(name)s：图片中夹带了网页代码，已拒绝") % {"name": name})
    if kind == "png" and not _png_is_clean(data):
        raise EvidenceRefused(
            _("%(name)s：PNG 结构不完整或末尾附加了其他数据，已拒绝") % {"name": name}
        )
    if kind == "pdf" and b"%%EOF" not in data[-2048:]:
        raise EvidenceRefused(_("%(name)s：PDF 文件不完整") % {"name": name})
    return Checked(kind, content_type, size, hashlib.sha256(data).hexdigest())


def storage():
    """Where stored files are kept: the shared folder or the S3 bucket (ducha/lib/storage.py)."""
    return storages[FOLDER]


def storage_dir() -> Path:
    """The stored files' folder, when they are kept on a filesystem (the tests look there)."""
    folder = Path(storage().path(""))
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # files are written 0600 in it
    return folder


def new_stored_name() -> str:
    return uuid.uuid4().hex


def _checked_name(stored_name: str) -> str:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise ValueError("bad stored name")
    return stored_name


def stored_path(stored_name: str) -> Path:
    """A stored file's path, when they are kept on a filesystem."""
    return storage_dir() / _checked_name(stored_name)


def store_upload(upload) -> tuple[Checked, str]:
    """Check an uploaded file (its size, then its content) and keep it under a generated
    name: (what it is, its stored name). A refused file leaves nothing behind.

    The upload is checked in a private temporary file on this machine, and only a file
    that passed goes to the shared storage."""
    if upload.size > settings.DUCHA_EVIDENCE_MAX_MB * MB:
        raise EvidenceRefused(
            _("%(name)s：超过 %(mb)s MB 的上限")
            % {"name": upload.name, "mb": settings.DUCHA_EVIDENCE_MAX_MB}
        )
    with tempfile.NamedTemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:  # 0600
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        checked = check(Path(tmp.name), upload.name)
        tmp.seek(0)
        stored = storage().save(new_stored_name(), File(tmp))
    return checked, stored


def discard(stored_name: str) -> None:
    """Remove a stored file (one refused after it was stored, or whose row was deleted);
    one already gone is no error."""
    storage().delete(_checked_name(stored_name))


def download(item):
    """A stored file (evidence, a 整改反馈's file, an attribution's) as an attachment under
    its original name, with its checked type, never sniffed and never run in the page."""
    response = FileResponse(
        storage().open(_checked_name(item.stored_name), "rb"),
        as_attachment=True,
        filename=item.original_name,
        content_type=KINDS[item.kind][0],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
