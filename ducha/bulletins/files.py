"""A Document as the bytes of a file, in the format asked for: what the commands write and
the office's page downloads.

The bytes are cached under a hash of the Document itself (every figure, line and date it
holds), never under the month alone: a notice issued or a report filed later makes another
Document, hence another key, so a cached file is never stale. Printing the PDF is what costs
(a second or two); asking again for the same draft costs the hash."""

import hashlib
import pickle

from django.core.cache import cache

from ducha.bulletins import docx, pdf
from ducha.bulletins.content import Document
from ducha.supervision.documents import DOCX

FORMATS = {"docx": DOCX, "pdf": "application/pdf"}
SECONDS = 24 * 3600


def render(document: Document, fmt: str) -> bytes:
    """Raises boards.poster.PosterError when the PDF cannot be made (no CJK font, no Pango)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    digest = hashlib.sha256(pickle.dumps(document, protocol=5)).hexdigest()
    key = f"bulletins:file:{fmt}:{digest}"
    data = cache.get(key)
    if data is None:
        data = docx.docx_bytes(document) if fmt == "docx" else pdf.pdf_bytes(document)
        cache.set(key, data, SECONDS)
    return data
