"""Query parameters are read strictly (ducha.lib.params): what cannot be read is a 400 that
names the parameter, in the visitor's language; an absent one is the page's default."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.test import Client

from ducha.lib import params
from ducha.lib.months import parse_month


def query(**values) -> QueryDict:
    q = QueryDict(mutable=True)
    q.update(values)
    return q


@pytest.mark.parametrize(
    "text",
    [
        "①",  # str.isdigit() says yes, int() says no: the 500 of F9
        "٣",  # int() reads these two; no page of ours writes them
        "１",
        "-1",
        "1.0",
        "1e3",
        "0x1",
        "1 2",
        "99999999999999999999",  # past any integer column
    ],
)
def test_a_number_is_ascii_digits_of_bounded_length(text):
    with pytest.raises(params.BadParameter) as refused:
        params.number(query(page=text), "page")
    assert refused.value.name == "page" and text[:20] in refused.value.message


def test_a_number_present_is_read_and_an_absent_one_is_the_default():
    assert params.number(query(page=" 7 "), "page") == 7
    assert params.number(query(page=""), "page", 1) == 1
    assert params.number(query(), "page", 1) == 1
    with pytest.raises(params.BadParameter):
        params.number(query(page="0"), "page", least=1)


@pytest.mark.parametrize(
    "text", ["0001-01", "9999-12", "2021-13", "2021-00", "٢٠٢١-٠٦", "２０２１-０６", "2021-06-01"]
)
def test_a_month_is_strict_yyyy_mm_in_ascii_digits_within_the_years_ducha_knows(text):
    with pytest.raises(params.BadParameter) as refused:
        params.month(query(month=text))
    assert refused.value.name == "month"
    with pytest.raises(ValueError):
        parse_month(text)  # the one definition, which URLs and forms use too


def test_a_month_present_is_read_and_an_absent_one_is_the_default():
    default = dt.date(2021, 7, 1)
    assert params.month(query(month="2021-06"), default=default) == dt.date(2021, 6, 1)
    assert params.month(query(), default=default) == default
    assert params.month(query(month=" "), default=default) == default


def test_a_choice_is_one_of_its_values():
    assert params.choice(query(action="correct"), "action", ("publish", "correct")) == "correct"
    assert params.choice(query(), "action", ("publish",), "publish") == "publish"
    with pytest.raises(params.BadParameter):
        params.choice(query(action="hold"), "action", ("publish", "correct"))


def test_the_400_page_names_the_parameter_and_what_it_should_be(db):
    response = Client().get("/board/2021-06/", {"version": "①"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "网址中的参数有误" in html and "<code>version</code>" in html
    assert "不是可用的数字" in html and 'href="/board/2021-06/"' in html


def test_the_400_page_speaks_english_in_english_mode(db):
    client = Client()
    client.cookies["django_language"] = "en"
    html = client.get("/board/2021-06/", {"version": "①"}).content.decode()
    assert "<code>version</code>" in html
    assert "网址" not in html and "不是可用" not in html
