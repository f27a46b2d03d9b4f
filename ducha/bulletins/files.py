"""A Document as the bytes of a file, in the format asked for: what the commands write and
the office's page downloads."""

from ducha.bulletins import docx, pdf
from ducha.bulletins.content import Document
from ducha.supervision.documents import DOCX

FORMATS = {"docx": DOCX, "pdf": "application/pdf"}


def render(document: Document, fmt: str) -> bytes:
    """Raises boards.poster.PosterError when the PDF cannot be made (no CJK font, no Pango)."""
    if fmt == "docx":
        return docx.docx_bytes(document)
    if fmt == "pdf":
        return pdf.pdf_bytes(document)
    raise ValueError(f"unknown format {fmt!r}")
