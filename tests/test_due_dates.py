"""Due dates (完成时限) and the ledger's year, as offices write them."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ducha.lib.cells import Due, parse_due, parse_month, title_year
from ducha.lib.months import FIRST_YEAR, LAST_YEAR

NO_YEAR = "未写年份：请在标题行写明年度（如「2021年改革任务台账」）或使用 --year 2021"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # SPEC §4 forms, as parse_month reads them
        ("2021-06", (2021, 6)),
        ("2021-06-30", (2021, 6)),
        ("2021/6/30", (2021, 6)),
        ("2021年6月", (2021, 6)),
        ("2021年6月底", (2021, 6)),
        ("2021年6月底前", (2021, 6)),
        ("2021年底", (2021, 12)),
        ("2021年底前", (2021, 12)),
        (dt.date(2021, 6, 30), (2021, 6)),
        (dt.datetime(2021, 6, 30, 0, 0), (2021, 6)),
        # a day, then 前
        ("2021年12月31日前", (2021, 12)),
        ("2021年6月30日之前", (2021, 6)),
        ("2021年6月30日以前", (2021, 6)),
        ("2021-06-30前", (2021, 6)),
        ("2021/6/30前", (2021, 6)),
        ("2021年6月底前完成", (2021, 6)),
        # the reader gives the text Excel displays: 2021.1 formatted 0.00 is "2021.10"
        ("2021.10", (2021, 10)),
        ("2021.1", (2021, 1)),
        # a year before the half, the quarter, the year's end
        ("2021年上半年", (2021, 6)),
        ("2021年下半年", (2021, 12)),
        ("2021年第三季度", (2021, 9)),
        ("2021年一季度末", (2021, 3)),
        ("2021年年底前", (2021, 12)),
        ("2021年内", (2021, 12)),
        ("2021年度内", (2021, 12)),
        ("2022年全年", (2022, 12)),
        # spaces and full-width digits as typed
        ("２０２１年 ６ 月底", (2021, 6)),
        (" 2021 年上半年 ", (2021, 6)),
    ],
)
def test_forms_with_a_year_need_no_ledger_year(text, expected):
    assert parse_due(text) == Due(dt.date(*expected, 1))
    # The year written wins over the ledger's.
    assert parse_due(text, year=2030) == Due(dt.date(*expected, 1))


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("6月", 6),
        ("6月底", 6),
        ("6月底前", 6),
        ("12月底前", 12),
        ("12月末", 12),
        ("6月份", 6),
        ("6月内", 6),
        ("6月30日前", 6),
        ("6月30日", 6),
        ("上半年", 6),
        ("下半年", 12),
        ("上半年前", 6),
        ("第一季度", 3),
        ("一季度", 3),
        ("1季度", 3),
        ("第1季度", 3),
        ("一季度末", 3),
        ("第二季度底", 6),
        ("第三季度前", 9),
        ("三季度底", 9),
        ("四季度", 12),
        ("年底前", 12),
        ("年底", 12),
        ("年内", 12),
        ("年末", 12),
        ("全年", 12),
        ("年底前完成", 12),
        ("６月底", 6),
    ],
)
def test_year_less_forms_take_the_ledger_year(text, month):
    assert parse_due(text, year=2021) == Due(dt.date(2021, month, 1))
    assert parse_due(text, year=2022).month == dt.date(2022, month, 1)


@pytest.mark.parametrize("text", ["6月底", "12月底前", "上半年", "第三季度", "年底前", "6月30日前"])
def test_year_less_forms_without_a_ledger_year_are_refused_with_advice(text):
    with pytest.raises(ValueError) as refused:
        parse_due(text)
    assert str(refused.value) == f"「{text}」{NO_YEAR}"


@pytest.mark.parametrize("text", ["持续推进", "长期坚持", "长期", "常态化推进", "持续开展"])
def test_ongoing_work_is_due_at_the_year_end_with_a_warning(text):
    due = parse_due(text, year=2021)
    assert due.month == dt.date(2021, 12, 1)
    assert due.warning == f"「{text}」按年底（2021年12月）计"


def test_ongoing_work_needs_the_ledger_year():
    with pytest.raises(ValueError, match="「持续推进」未写年份"):
        parse_due("持续推进")


def test_only_ongoing_work_carries_a_warning():
    assert parse_due("2021年6月底").warning is None
    assert parse_due("上半年", year=2021).warning is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "不能为空"),
        (None, "不能为空"),
        ("尽快", "「尽快」不是可识别的完成时限，应写作 2021-06、2021年6月底、"),
        ("底", "「底」不是可识别的完成时限"),  # 底 of which year? not "年底"
        ("第五季度", "「第五季度」不是可识别的完成时限"),
        ("2021年", "「2021年」不是可识别的完成时限"),
        ("13月底", "月份 13 不存在"),
        ("2021年6月31日前", "2021年6月没有31日"),
        ("6月31日前", "2021年6月没有31日"),
        ("1800年上半年", "年份 1800 不合理"),
        ("2021-13-01前", "月份 13 不存在"),
    ],
)
def test_bad_due_dates_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_due(text, year=2021)


@given(
    st.integers(min_value=FIRST_YEAR, max_value=LAST_YEAR),
    st.integers(min_value=1, max_value=12),
)
def test_any_month_end_is_that_month(y, m):
    assert parse_due(f"{y}年{m}月底") == Due(dt.date(y, m, 1))
    assert parse_due(f"{m}月底前", year=y) == Due(dt.date(y, m, 1))


@given(st.text(max_size=20), st.none() | st.integers(min_value=FIRST_YEAR, max_value=LAST_YEAR))
def test_parse_due_either_returns_a_first_of_month_or_raises_value_error(text, year):
    try:
        due = parse_due(text, year)
    except ValueError as e:
        assert str(e)
    else:
        assert due.month.day == 1


def test_parse_month_takes_year_less_months_in_the_given_year():
    assert parse_month("6月", 2021) == dt.date(2021, 6, 1)
    assert parse_month("6月份", 2021) == dt.date(2021, 6, 1)
    assert parse_month("2022年1月", 2021) == dt.date(2022, 1, 1)


def test_parse_month_refuses_a_year_less_month_without_a_year():
    with pytest.raises(ValueError, match=f"「6月份」{NO_YEAR}"):
        parse_month("6月份")


def test_parse_month_does_not_take_halves_or_quarters():
    # A progress report is for one month: 上半年 is not one.
    for text in ("上半年", "第三季度", "年底前"):
        with pytest.raises(ValueError, match="不是可识别的月份"):
            parse_month(text, 2021)


@pytest.mark.parametrize(
    ("texts", "year"),
    [
        (["2021年全市重点改革任务台账"], 2021),
        (["德州市2021年度全面深化改革重点任务台账"], 2021),
        (["二〇二一年全市改革任务台账"], 2021),
        (["二零二二年改革任务"], 2022),
        (["２０２１年改革任务台账"], 2021),
        (["德州市改革任务台账", "（2021年）"], 2021),
        (["2021年改革任务台账", "填报日期：2021年7月5日"], 2021),
        (["二〇二一年改革任务", "2021年"], 2021),
        (["全市重点改革任务台账"], None),
        ([], None),
        (["2021年改革任务台账", "填报日期：2022年1月5日"], None),
        (["2021—2022年改革任务"], None),
        (["第20210号文件"], None),
        (["3000年规划"], None),
    ],
)
def test_the_title_rows_name_the_ledger_year(texts, year):
    assert title_year(texts) == year
