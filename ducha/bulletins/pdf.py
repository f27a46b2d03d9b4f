"""A 通报 or a 盘点 as PDF (WeasyPrint, the house's one way to print: boards/poster.py), from
the same `Document` as the Word file, the charts drawn from their SVG (text stays text)."""

from __future__ import annotations

import base64

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from ducha.boards.poster import FONTS, weasyprint_html
from ducha.bulletins.content import Document, Figure, Table
from ducha.supervision.documents import PDF_FONTS


def document_html(doc: Document) -> str:
    sections = [
        {
            "heading": heading,
            "blocks": [
                {"table": b, "rows": _cells(b)}
                if isinstance(b, Table)
                else {"figure": b, "src": _svg_src(b)}
                if isinstance(b, Figure)
                else {"text": b}
                for b in part.blocks
            ],
        }
        for heading, part in doc.numbered
    ]
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "bulletins/document.html",
            {"doc": doc, "sections": sections, "fonts": PDF_FONTS, "heading_fonts": FONTS},
        )


# A cell this short (a code, a unit, a count) is kept on one line; longer ones wrap.
SHORT = 8


def _cells(table: Table) -> list[list[tuple[str, bool]]]:
    return [[(text, len(text) <= SHORT) for text in row] for row in table.rows]


def _svg_src(figure: Figure) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(figure.svg.encode()).decode()


def pdf_bytes(doc: Document) -> bytes:
    return weasyprint_html()(string=document_html(doc)).write_pdf()
