import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ducha.lib.cells import code_text, parse_date, parse_month, parse_percent
from ducha.lib.tabular import halfwidth

FULL = str.maketrans("0123456789-/", "０１２３４５６７８９－／")


@pytest.mark.parametrize(
    "text",
    [
        "2021-06",
        "2021-06-30",
        "2021/6/30",
        "2021年6月",
        "2021年6月底",
        " 2021-06 ",
        "２０２１年６月",
        "2021.6",
        "2021年6月30日",
        "202106",
        dt.date(2021, 6, 30),
        dt.datetime(2021, 6, 1, 0, 0),
    ],
)
def test_every_documented_due_form_parses_to_june(text):
    assert parse_month(text) == dt.date(2021, 6, 1)


def test_year_end_means_december():
    assert parse_month("2021年底") == dt.date(2021, 12, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2021-13", "月份 13 不存在"),
        ("2021年0月", "月份 0 不存在"),
        ("2021-02-30", "2021年2月没有30日"),
        ("下半年", "不是可识别的月份"),
        ("", "不能为空"),
    ],
)
def test_bad_months_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_month(text)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)))
def test_any_date_in_any_form_parses_to_its_month(day):
    forms = [
        f"{day.year}-{day.month:02d}",
        f"{day.year}-{day.month:02d}-{day.day:02d}",
        f"{day.year}/{day.month}/{day.day}",
        f"{day.year}年{day.month}月",
        f"{day.year}年{day.month}月底",
    ]
    for form in forms:
        assert parse_month(form) == day.replace(day=1)
        assert parse_month(form.translate(FULL)) == day.replace(day=1)
    assert parse_date(f"{day.year}/{day.month}/{day.day}") == day
    assert parse_date(f"{day.year}年{day.month}月{day.day}日") == day


@given(st.text(max_size=30))
def test_parse_month_either_returns_a_first_of_month_or_raises_value_error(text):
    try:
        month = parse_month(text)
    except ValueError as e:
        assert str(e)
    else:
        assert month.day == 1


def test_a_month_is_not_a_date():
    with pytest.raises(ValueError, match="不是可识别的日期"):
        parse_date("2021-06")


@pytest.mark.parametrize(
    ("value", "expected"),
    [("40%", 40), ("40", 40), ("４０％", 40), (" 5 % ", 5), ("", None), (None, None), (99.5, 100)],
)
def test_percents_accept_what_clerks_type(value, expected):
    assert parse_percent(value) == expected


@given(st.integers(min_value=0, max_value=100))
def test_percent_round_trips_with_and_without_the_sign(n):
    assert parse_percent(f"{n}%") == parse_percent(str(n)) == parse_percent(n) == n


def test_fullwidth_codes_fold_to_ascii():
    assert code_text(" ＨＸ－００１ ") == "HX-001"
    assert halfwidth("２０２１，Ａ；") == "2021,A;"
