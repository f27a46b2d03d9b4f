"""Assessment scores as a workbook that names its period and prints on one page width."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from openpyxl import Workbook

from ducha.lib.xlsx import A4, SCORE_FORMAT, print_setup, title_row, write_table
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
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    title_row(sheet, 1, title, len(columns))
    write_table(
        sheet,
        2,
        columns,
        [[s.rank, s.name, float(s.score), s.horse, s.ox, s.ostrich, s.snail] for s in result],
        number_formats={3: SCORE_FORMAT},
    )
    print_setup(sheet, paper=A4, landscape=False, repeat_rows="2:2", heading=title)
    workbook.save(output)
