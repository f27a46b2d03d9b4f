"""Assessment scores as a workbook that names its period and prints on one page width."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.utils import translation
from openpyxl import Workbook

from ducha.assessment.scores import counties
from ducha.lib.xlsx import A4, SCORE_FORMAT, print_setup, title_row, write_table
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
) -> None:
    """`label` names what is scored: 牵头单位, 领域, 分管市领导 or 县市区; `whose` the
    jurisdiction assessing (the city by default). The counties' table is a workbook of its
    own (`sheet_title` 县市区考核得分), never rows among the departments'."""
    whose = settings.DUCHA_CITY if whose is None else whose
    title = f"{whose}{period_label(year, quarter)}改革任务“四色”督查考核得分（按{label}）"
    columns = [("排名", 6), (label, 28), ("得分", 8), *((m.name, 8) for m in MARKS.values())]
    # Accountability deductions (off by default) add their columns only when there are any.
    deducting = any(getattr(s, "deduction", 0) for s in result)
    if deducting:
        columns += [("问责扣分", 10), ("扣分前得分", 12)]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    title_row(sheet, 1, title, len(columns))
    write_table(
        sheet,
        2,
        columns,
        [
            [s.rank, s.name, float(s.score), s.horse, s.ox, s.ostrich, s.snail]
            + ([float(s.deduction), float(s.before)] if deducting else [])
            for s in result
        ],
        number_formats={3: SCORE_FORMAT}
        | ({8: SCORE_FORMAT, 9: SCORE_FORMAT} if deducting else {}),
    )
    print_setup(sheet, paper=A4, landscape=False, repeat_rows="2:2", heading=title)
    workbook.save(output)


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
    )
