"""The dashboards' numbers and charts: each chart carries its data as text (labels and
values), the marks' colours, and no style the site's Content-Security-Policy would refuse."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.boards.publication import publish
from ducha.ledger.importing import Options, import_ledger, import_progress
from ducha.ledger.models import Task
from ducha.org.models import Jurisdiction
from ducha.ratings import marks
from ducha.reports.models import Report
from ducha.stats import charts, figures
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_csv

NOVEMBER, DECEMBER = dt.date(2021, 11, 1), dt.date(2021, 12, 1)
DECEMBER_10 = dt.datetime(2021, 12, 10, 9, tzinfo=dt.UTC)
JANUARY_10 = dt.datetime(2022, 1, 10, 9, tzinfo=dt.UTC)
AREAS = ["强产业", "惠民生", "抓党建"]
SOURCES = ["省定", "市定"]
UNITS = ["发展和改革局", "财政局", "大数据局"]
# December's mark comes from node N2: its deadline and its December row (N1 was done in June).
DECEMBER_ROWS = {
    "horse": ("2022-03", ["已完成", "2021-12-15", "100"]),
    "ox": ("2022-06", ["推进中", "", "50"]),
    "ostrich": ("2021-11", ["推进中", "", "60"]),
    "snail": ("2022-06", None),  # not reported
}
ORDER = list(DECEMBER_ROWS)  # task i gets ORDER[i % 4]


def build(folder: Path, n: int, jurisdiction: Jurisdiction | None = None, prefix="市") -> None:
    """`n` tasks over three areas, two sources and three lead units, November 2021 reported
    by all (published on 10 December), December rated by ORDER (published on 10 January)."""
    options = Options(jurisdiction=jurisdiction, allow_new=True)
    ledger, november, december = [], [], []
    for i in range(n):
        mark = ORDER[i % 4]
        code, due = f"S-{i + 1}", DECEMBER_ROWS[mark][0]
        over = {
            "领域": AREAS[i % 3],
            "任务来源": SOURCES[i % 2],
            "牵头单位": prefix + UNITS[i % 3],
            "分管市领导": f"{prefix}领导",
            "配合单位": "",
            "任务名称": f"改革任务{i + 1}",
        }
        ledger += [
            ledger_row(code=code, node="N1", due="2021-06", **over),
            ledger_row(code=code, node="N2", due=due, **over),
        ]
        november += [
            [code, "N1", "2021-06", "已完成", "2021-06-20", "100", ""],
            [code, "N2", "2021-11", "推进中", "", "40", ""],
        ]
        if row := DECEMBER_ROWS[mark][1]:
            december.append([code, "N2", "2021-12", *row, ""])
    tag = jurisdiction.slug if jurisdiction else "city"
    kw = {"options": options}
    import_ledger(write_csv(folder / f"{tag}-l.csv", LEDGER_HEADER, ledger), **kw)
    import_progress(write_csv(folder / f"{tag}-n.csv", PROGRESS_HEADER, november), **kw)
    publish(NOVEMBER, jurisdiction=jurisdiction, now=DECEMBER_10)
    import_progress(write_csv(folder / f"{tag}-d.csv", PROGRESS_HEADER, december), **kw)
    publish(DECEMBER, jurisdiction=jurisdiction, now=JANUARY_10)


@pytest.fixture
def city(db, areas, tmp_path, settings):
    """Eight city tasks, two of each mark in December 2021; S-1's report came in late."""
    settings.DUCHA_TODAY = "2022-01-11"
    build(tmp_path, 8)
    late = Task.objects.get(code="S-1", jurisdiction__home=True)
    Report.objects.create(
        task=late, month=DECEMBER, unit=late.lead_unit, status=Report.Status.ACCEPTED, late=True
    )
    return tmp_path


def texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", svg)


def by_key(out: list[charts.Chart]) -> dict[str, charts.Chart]:
    return {c.key: c for c in out}


def has_the_four_colours(svg: str) -> bool:
    return all(m.hue.lower() in svg.lower() for m in marks.MARKS.values())


# The figures --------------------------------------------------------------------------


def test_the_month_figures_count_what_the_board_posted(city):
    f = figures.month_figures(DECEMBER)
    assert f.published and f.key
    assert dict(f.distribution.counts) == {"horse": 2, "ox": 2, "ostrich": 2, "snail": 2}
    assert [s.label for s in f.trend] == ["11月", "12月"]
    assert sum(s.total for s in f.areas) == 8 and {s.label for s in f.areas} == set(AREAS)
    assert {s.label: s.total for s in f.sources} == {"省定": 4, "市定": 4}


def test_punctuality_counts_on_time_late_and_missing_reports_by_lead_unit(city):
    lines = {p.unit: p for p in figures.month_figures(DECEMBER).punctuality}
    # 发展和改革局 leads S-1 (horse, late), S-4 (snail, missing), S-7 (ostrich).
    assert lines["市发展和改革局"] == figures.Punctuality("市发展和改革局", 1, 1, 1)
    assert sum(p.missing for p in lines.values()) == 2  # the two snails
    assert sum(p.expected for p in lines.values()) == 8


def test_nodes_are_counted_against_plan_and_the_overdue_listed(city):
    f = figures.month_figures(DECEMBER)
    assert [n.month.month for n in f.nodes] == list(range(1, 13))
    june, november, december = f.nodes[5], f.nodes[10], f.nodes[11]
    assert (june.due, june.done) == (8, 8)  # every N1, done in June
    assert (november.due, december.due) == (10, 10)  # and the ostriches' N2 in November
    assert december.done == 8  # the horses' N2 is due next year: not in this year's plan
    assert [(o.task, o.node) for o in f.overdue] == [("S-3", "N2"), ("S-7", "N2")]


def test_movers_are_the_tasks_whose_mark_went_up_or_down(city):
    f = figures.month_figures(DECEMBER)
    before = figures.month_figures(NOVEMBER)
    assert before.movers == [] and not before.previous_published
    november = {r.task: r.move for r in f.movers}
    assert set(november.values()) <= {"up", "down"}
    moved = {v.task: (v.before, v.after) for v in f.movers}
    for code, (was, now) in moved.items():
        assert was != now
        assert (marks.mark(now).rank > marks.mark(was).rank) == (november[code] == "up")
    assert moved["S-4"][1] == "snail" and november["S-4"] == "down"


def test_the_figures_of_a_published_month_are_read_in_a_constant_number_of_queries(
    db, areas, tmp_path, settings
):
    settings.DUCHA_TODAY = "2022-01-11"
    home = Jurisdiction.objects.home()
    small, big = (
        Jurisdiction.objects.create(slug=slug, name=name, level="county", parent=home)
        for slug, name in (("small", "小县"), ("big", "大县"))
    )
    build(tmp_path, 4, jurisdiction=small, prefix="小县")
    build(tmp_path, 24, jurisdiction=big, prefix="大县")
    with CaptureQueriesContext(connection) as few:
        figures.month_figures(DECEMBER, small)
    with CaptureQueriesContext(connection) as many:
        figures.month_figures(DECEMBER, big)
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as warm:
        figures.month_figures(DECEMBER, big)
    assert len(warm) == 1  # the months' hashes; the rest from the cache


# The charts ---------------------------------------------------------------------------


def test_each_month_chart_carries_its_labels_values_and_title_as_text(city):
    out = by_key(charts.month_charts(DECEMBER))
    assert list(out) == [
        "distribution", "trend", "areas", "sources", "punctuality", "nodes", "overdue", "movers"
    ]  # fmt: skip
    for chart in out.values():
        assert chart.title in texts(chart.svg), chart.key
        assert chart.png.startswith(b"\x89PNG"), chart.key
    f = figures.month_figures(DECEMBER)
    words = {key: texts(c.svg) for key, c in out.items()}
    for m in marks.MARKS.values():
        assert m.name in words["distribution"] and m.name in words["trend"]
    assert words["distribution"].count("2") >= 4  # two of each mark, written on the bars
    assert {"11月", "12月", "8"} <= set(words["trend"])  # the months and their totals
    assert set(AREAS) <= set(words["areas"]) and {"省定", "市定", "4"} <= set(words["sources"])
    for p in f.punctuality:
        assert p.unit in words["punctuality"]
    assert {"按时报送", "逾期报送", "未报送"} <= set(words["punctuality"])
    assert {"计划完成（累计）", "实际完成（累计）", "10", "8", "12月"} <= set(words["nodes"])
    assert "市大数据局" in words["overdue"] or "市发展和改革局" in words["overdue"]
    assert {"评价上升", "评价下降"} <= set(words["movers"])
    up = sum(v.move == "up" for v in f.movers)
    assert str(up) in words["movers"]


def test_the_charts_stacked_by_mark_draw_the_four_colours(city):
    out = by_key(charts.month_charts(DECEMBER))
    for key in ("distribution", "trend", "areas", "sources"):
        assert has_the_four_colours(out[key].svg), key
    for chart in charts.year_charts(2021):
        if chart.key != "nodes":
            assert has_the_four_colours(chart.svg), chart.key


def test_the_svg_is_fit_to_be_inlined_under_the_sites_policy(city):
    out = charts.month_charts(DECEMBER) + charts.year_charts(2021)
    ids = []
    for chart in out:
        assert chart.svg.startswith("<svg") and 'width="100%"' in chart.svg
        assert "style=" not in chart.svg and "<style" not in chart.svg
        assert "Noto Sans CJK SC" in chart.svg  # the family browsers and WeasyPrint find
        ids += re.findall(r'\bid="([^"]+)"', chart.svg)
    assert len(ids) == len(set(ids))  # one page may hold them all


def test_the_year_charts_sum_the_published_months(city):
    out = by_key(charts.year_charts(2021))
    assert list(out) == ["months", "areas", "sources", "nodes"]
    words = texts(out["months"].svg)
    assert {"11月", "12月"} <= set(words)
    assert "8" in texts(out["sources"].svg)  # 4 task-months a month for each source, twice
    assert all(c.title.startswith("2021年") for c in out.values())


def test_a_published_months_charts_are_drawn_once(city, monkeypatch):
    first = charts.month_charts(DECEMBER)
    monkeypatch.setattr(charts, "_draw_month", lambda *a: pytest.fail("drawn again"))
    assert charts.month_charts(DECEMBER) == first


def test_a_correction_draws_the_month_again(city):
    first = by_key(charts.month_charts(DECEMBER))
    key = figures.month_figures(DECEMBER).key
    Task.objects.filter(code="S-4").update(title="改名后的任务")  # not in any chart
    publish(DECEMBER, correction="更正", now=JANUARY_10)
    assert figures.month_figures(DECEMBER).key != key
    assert by_key(charts.month_charts(DECEMBER))["distribution"].svg == first["distribution"].svg


def test_an_unpublished_month_is_drawn_as_it_stands(city, settings):
    settings.DUCHA_TODAY = "2022-02-11"
    f = figures.month_figures(dt.date(2022, 1, 1))
    assert not f.published and f.key is None
    assert [s.label for s in f.trend] == ["1月"]
    out = charts.charts_for(f, png=False)
    assert all(c.png == b"" for c in out)
    assert by_key(charts.charts_for(f))["trend"].png.startswith(b"\x89PNG")


def test_a_county_has_charts_of_its_own(city, tmp_path):
    county = Jurisdiction.objects.create(
        slug="dc", name="德城区", level="county", parent=Jurisdiction.objects.home()
    )
    build(tmp_path, 4, jurisdiction=county, prefix="德城区")
    out = by_key(charts.month_charts(DECEMBER, county))
    assert out["distribution"].title.startswith("「德城区」")
    assert "德城区财政局" in texts(out["punctuality"].svg)
    assert "市财政局" not in texts(out["punctuality"].svg)


def test_an_empty_month_draws_charts_that_say_so(db, areas, settings):
    settings.DUCHA_TODAY = "2021-08-10"
    out = by_key(charts.month_charts(dt.date(2021, 7, 1)))
    assert "暂无数据" in texts(out["punctuality"].svg)
    assert "无逾期未完成节点" in texts(out["overdue"].svg)
