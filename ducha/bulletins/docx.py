"""A 通报 or a 盘点 in Word, as the office prints its documents (the faces and margins of a
督办通知, supervision/documents.py): the 红头 — the issuing office in red over a red rule —,
the number, the title, the addressee, the numbered sections in 黑体 with their paragraphs,
tables and figures (the charts' PNGs, captioned with their titles), the office and the date.
The office edits this file if it wishes and issues it."""

from __future__ import annotations

import io

from ducha.bulletins.content import Document, Figure, Table
from ducha.supervision.documents import BODY_FACE, TITLE_FACE, official_document, set_face

HEADING_FACE = "黑体"
RED = "C00000"
TEXT_WIDTH_MM = 156  # A4 less the margins


def _widths(table: Table, total: float) -> list[float]:
    """Columns as wide as their longest text (a long one capped), so that codes and counts
    stay on one line and the reasons take the room."""
    longest = [
        min(max(len(row[i]) for row in [table.header, *table.rows]), 24) + 1
        for i in range(len(table.header))
    ]
    return [total * n / sum(longest) for n in longest]


def docx_bytes(doc: Document) -> bytes:
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    word, paragraph = official_document(doc.title, doc.office)

    def red_rule(p) -> None:
        borders = OxmlElement("w:pBdr")
        bottom = OxmlElement("w:bottom")
        for key, value in (("val", "single"), ("sz", "18"), ("space", "6"), ("color", RED)):
            bottom.set(qn(f"w:{key}"), value)
        borders.append(bottom)
        p._p.get_or_add_pPr().append(borders)

    def table(t: Table) -> None:
        grid = word.add_table(rows=1 + len(t.rows), cols=len(t.header))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        grid.autofit = False
        widths = _widths(t, TEXT_WIDTH_MM)
        for i, row in enumerate([t.header, *t.rows]):
            for cell, text, width in zip(grid.rows[i].cells, row, widths, strict=True):
                cell.width = Mm(width)
                p = cell.paragraphs[0]
                p.paragraph_format.space_after = Pt(0)
                set_face(p.add_run(text), HEADING_FACE if i == 0 else BODY_FACE, 10.5, i == 0)
        paragraph()

    def figure(f: Figure) -> None:
        p = paragraph(align=center)
        p.paragraph_format.line_spacing = None  # an exact line height would clip the picture
        p.add_run().add_picture(io.BytesIO(f.png), width=Mm(150))
        paragraph(f.caption, face=HEADING_FACE, size=12, align=center)
        paragraph()

    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    head = paragraph(align=center)
    head.paragraph_format.line_spacing = Pt(44)
    run = head.add_run(doc.masthead)
    set_face(run, TITLE_FACE, 24)
    run.font.color.rgb = RGBColor.from_string(RED)
    red_rule(paragraph(doc.number, align=center))
    paragraph()
    paragraph(doc.title, face=TITLE_FACE, size=22, align=center)
    paragraph()
    paragraph(doc.addressee)
    for text in doc.opening:
        paragraph(text, indent=True)
    for heading, part in doc.numbered:
        paragraph(heading, face=HEADING_FACE, indent=True)
        for block in part.blocks:
            if isinstance(block, Table):
                table(block)
            elif isinstance(block, Figure):
                figure(block)
            else:
                paragraph(block, indent=True)
    for text in doc.closing:
        paragraph(text, indent=True)
    paragraph()
    paragraph(doc.office, align=right)
    paragraph(doc.date, align=right)
    out = io.BytesIO()
    word.save(out)
    return out.getvalue()
