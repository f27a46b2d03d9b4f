"""Assessment scores as a workbook that names its period and prints on one page width."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.utils import translation
from openpyxl import Workbook

from ducha.assessment.scores import counties, unranked_reason
from ducha.lib import clock
from ducha.lib.xlsx import A4, SCORE_FORMAT, note_rows, print_setup, title_row, write_table
from ducha.org.models import Jurisdiction
from ducha.ratings.marks import MARKS
from ducha.ratings.scoring import Score


def period_label(year: int, quarter: int | None = None) -> str:
    return f"{year}年第{quarter}季度" if quarter else f"{year}年度"


def scores_xlsx(
    result: Sequence[Score],
    output,
    *,
    year: int,
    quarter: int | None = None,
    label: str,
    whose: str | None = None,
    sheet_title: str = "考核得分",
    minimum: int | None = None,
    office: str | None = None,
) -> None:
    """`label` names what is scored: 牵头单位, 领域, 分管市领导 or 县市区; `whose` the
    jurisdiction assessing (the city by default). The counties' table is a workbook of its
    own (`sheet_title` 县市区考核得分), never rows among the departments'.

    With `minimum` (the minimum-count rule applied to `result`), the layout the assessment
    office files: the rated task-months beside each score, the unranked with the reason in
    备注, and under the table the rule and who made the table (`office`) on which day."""
    whose = settings.DUCHA_CITY if whose is None else whose
    title = f"{whose}{period_label(year, quarter)}改革任务“四色”督查考核得分（按{label}）"
    filing = minimum is not None
    columns = [("排名", 6), (label, 28), ("得分", 8)]
    columns += [("评定任务月数", 8)] if filing else []
    columns += [(m.name, 8) for m in MARKS.values()]
    # Accountability deductions (off by default) add their columns only when there are any.
    deducting = any(getattr(s, "deduction", 0) for s in result)
    if deducting:
        columns += [("问责扣分", 10), ("扣分前得分", 12)]
    if filing:
        columns += [("备注", 24)]
    rows = []
    for s in result:
        row = [s.rank, s.name, float(s.score)] + ([s.rated] if filing else [])
        row += [s.horse, s.ox, s.ostrich, s.snail]
        row += [float(s.deduction), float(s.before)] if deducting else []
        row += [_remark(s, minimum)] if filing else []
        rows.append(row)
    first_mark = 5 if filing else 4
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    title_row(sheet, 1, title, len(columns))
    last = write_table(
        sheet,
        2,
        columns,
        rows,
        number_formats={3: SCORE_FORMAT}
        | ({first_mark + 4: SCORE_FORMAT, first_mark + 5: SCORE_FORMAT} if deducting else {}),
    )
    if filing:
        made = clock.today()
        note_rows(
            sheet,
            last + 2,
            [
                f"注：评定任务月数不少于{minimum}个的参与排名；"
                "得分为各评定任务月分值的平均数（四舍五入保留一位小数）。",
                f"制表单位：{office or settings.DUCHA_OFFICE_NAME}　　"
                f"制表日期：{made.year}年{made.month}月{made.day}日",
            ],
            len(columns),
        )
    print_setup(sheet, paper=A4, landscape=False, repeat_rows="2:2", heading=title)
    workbook.save(output)


def _remark(s: Score, minimum: int | None) -> str:
    if s.rank is not None or minimum is None:
        return ""
    with translation.override(settings.LANGUAGE_CODE):  # a file's words are Chinese
        return unranked_reason(minimum)


def below_label(jurisdiction: Jurisdiction | None = None) -> str:
    """What the jurisdictions below are called, in Chinese (a file's words): 县市区 under a
    city, 市 under a province."""
    below = counties(jurisdiction)
    with translation.override(settings.LANGUAGE_CODE):
        return str(below[0].get_level_display() if below else Jurisdiction.Level.COUNTY.label)


def counties_xlsx(
    result: Sequence[Score],
    output,
    *,
    year: int,
    quarter: int | None = None,
    jurisdiction: Jurisdiction | None = None,
    minimum: int | None = None,
) -> None:
    """The league table of the jurisdictions below `jurisdiction` (None: the home one) as a
    workbook of its own, named after the jurisdiction assessing (the city's name for the
    home one)."""
    label = below_label(jurisdiction)
    named = jurisdiction is not None and not jurisdiction.home
    scores_xlsx(
        result,
        output,
        year=year,
        quarter=quarter,
        label=label,
        whose=jurisdiction.name if named else None,
        sheet_title=f"{label}考核得分",
        minimum=minimum,
        office=jurisdiction.reform_office if jurisdiction is not None else None,
    )
