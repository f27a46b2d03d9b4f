"""A 督办通知 as Chinese offices print it, in Word (python-docx) and PDF (WeasyPrint), both
from the same content: the title 督办通知 with its number under it, the addressee line ending
in ：, the body naming the task and the marks that triggered it, the requirements and the
answer's deadline, the issuing office and the date at the bottom right over the seal's
place (盖章处), and the copy to the task's leaders. Always in Chinese: it is the record."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from ducha.boards.poster import FONTS, weasyprint_html
from ducha.lib.months import format_day_zh
from ducha.org.models import Jurisdiction
from ducha.supervision import wording

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SEAL = "盖章处"
# The faces offices print official documents in; Word substitutes its own when absent.
TITLE_FACE, BODY_FACE, LATIN_FACE = "方正小标宋简体", "仿宋_GB2312", "Times New Roman"
# The PDF's: a Song (serif) face first, as printed documents are set, then the site's.
PDF_FONTS = f'"Noto Serif CJK SC", "Source Han Serif SC", {FONTS}'
NUMERALS = "一二三四五六七八九十"


def issuing_office(jurisdiction: Jurisdiction) -> str:
    """Who issues a notice: the jurisdiction's own reform office."""
    return jurisdiction.reform_office


@dataclass(frozen=True)
class Content:
    title: str
    number: str
    addressee: str
    body: list[str]
    items: list[str]
    office: str
    date: str
    copy_to: str
    deadline: str
    task: str
    seal: str = SEAL


def content(notice) -> Content:
    """What the notice says, in Chinese, whoever reads the site in English."""
    with translation.override(settings.LANGUAGE_CODE):
        return _content(notice)


def _content(notice) -> Content:
    task = notice.task
    jurisdiction = notice.jurisdiction
    office = notice.office_name or issuing_office(jurisdiction)
    deadline = format_day_zh(notice.due_on)
    # Quotes inside quotes are single, as printed documents write them.
    title = task.title.replace("“", "‘").replace("”", "’")
    named = f"“{task.code} {title}”"
    reasons = wording.reasons(notice.reason_list())
    body = [f"你单位牵头的改革任务{named}" + (f"，{'；'.join(reasons)}" if reasons else "") + "。"]
    triggers = notice.trigger_list()
    if triggers:
        body.append(f"依据月度“四色”督查公示结果：{wording.marks(triggers)}。")
    body.append("为压紧压实改革责任、推动任务落地见效，现予督办。请你单位按以下要求抓好整改：")
    items = [
        f"整改要求。{notice.requirements.strip()}",
        f"反馈时限。请于{deadline}前将整改落实情况（整改反馈）及佐证材料通过改革任务督查系统"
        f"报送{office}。逾期未反馈的，将予以催办并按有关规定追责问责。",
    ]
    leaders = task.leader_names()
    role = "分管市领导" if jurisdiction.home else "分管领导"
    return Content(
        title="督办通知",
        number=notice.document_number
        or f"{settings.DUCHA_NOTICE_PREFIX}〔　　〕　号（签发时编号）",
        addressee=f"{notice.unit.name}：",
        body=body,
        items=[f"{NUMERALS[i]}、{text}" for i, text in enumerate(items)],
        office=office,
        date=format_day_zh(notice.issued_on) if notice.issued_on else "　　年　月　日",
        copy_to=f"抄送：{'、'.join(f'{name}同志' for name in leaders)}（{role}）",
        deadline=deadline,
        task=f"{task.code} {task.title}",
    )


def filename(notice, suffix: str) -> str:
    name = notice.document_number or f"督办通知（草稿）{notice.pk}"
    return f"{name} {notice.task.code}.{suffix}"


# Word ------------------------------------------------------------------------------------------


def set_face(run, east_asian: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = LATIN_FACE
    run.font.size = Pt(size)
    run.font.bold = bold
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def official_document(title: str, author: str):
    """A blank Word document on the page of an official document (A4, GB/T 9704's margins),
    and the way to write its paragraphs: 28 pt lines, a face and a size, indented by two
    characters or aligned. A 督办通知 and a 通报 are both written on it."""
    from docx import Document
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    document.core_properties.title = title
    document.core_properties.author = author

    def paragraph(text="", *, face=BODY_FACE, size=16, align=None, indent=False, bold=False):
        p = document.add_paragraph()
        p.paragraph_format.line_spacing = Pt(28)
        p.paragraph_format.space_after = Pt(0)
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        if align is not None:
            p.alignment = align
        if text:
            set_face(p.add_run(text), face, size, bold)
        return p

    return document, paragraph


def docx_bytes(notice) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    c = content(notice)
    document, paragraph = official_document(f"{c.title} {c.number}", c.office)

    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    paragraph(c.title, face=TITLE_FACE, size=22, align=center)
    paragraph(c.number, align=center)
    paragraph()
    paragraph(c.addressee)
    for text in c.body + c.items:
        paragraph(text, indent=True)
    paragraph()
    paragraph()
    paragraph(c.office, align=right)
    paragraph(c.date, align=right)
    paragraph(f"（{c.seal}）", align=right)
    paragraph()
    paragraph(c.copy_to, size=14)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# PDF -------------------------------------------------------------------------------------------


def notice_html(notice) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            "supervision/notice_print.html", {"c": content(notice), "fonts": PDF_FONTS}
        )


def pdf_bytes(notice) -> bytes:
    return weasyprint_html()(string=notice_html(notice)).write_pdf()
