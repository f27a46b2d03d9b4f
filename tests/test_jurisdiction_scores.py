"""`ducha scores` per jurisdiction, and the counties' league table (--by county): each county
scored by SPEC.md §2 on its own boards, apart from the city departments' table."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ducha.assessment.scores import scores
from ducha.ledger.importing import Options, import_ledger, import_progress
from ducha.org.models import Jurisdiction
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_csv


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def boards(db, areas, tmp_path, settings):
    """The city and two counties each lead T-1 by 市工业和信息化局, over January to March
    2021 (none published: the months count as they stand).

    德城区 finishes its node in February, a month early: ox, horse (March is not rated).
    陵城区 never reports: snail, snail, snail. The city reports every month: ox ×3."""
    settings.DUCHA_TODAY = "2021-04-02"
    home = Jurisdiction.objects.home()
    county = Jurisdiction.Level.COUNTY
    places = {
        "home": home,
        # Ordered against their names' order, so the table's order is the scores'.
        "lingcheng": Jurisdiction.objects.create(
            slug="lingcheng", name="陵城区", level=county, parent=home, order=1
        ),
        "decheng": Jurisdiction.objects.create(
            slug="decheng", name="德城区", level=county, parent=home, order=2
        ),
    }
    due = {"home": "2021-06", "decheng": "2021-03", "lingcheng": "2021-03"}
    progress = {
        "home": [
            ["T-1", "N1", "2021-01", "推进中", "", "10"],
            ["T-1", "N1", "2021-02", "推进中", "", "20"],
            ["T-1", "N1", "2021-03", "推进中", "", "30"],
        ],
        "decheng": [
            ["T-1", "N1", "2021-01", "推进中", "", "50"],
            ["T-1", "N1", "2021-02", "已完成", "2021-02-20", "100"],
        ],
        "lingcheng": [],
    }
    for slug, place in places.items():
        options = Options(jurisdiction=place)
        ledger = write_csv(
            tmp_path / f"{slug}.csv", LEDGER_HEADER, [ledger_row(code="T-1", due=due[slug])]
        )
        import_ledger(ledger, options=options)
        if progress[slug]:
            path = write_csv(tmp_path / f"{slug}-p.csv", PROGRESS_HEADER, progress[slug])
            import_progress(path, options=options)
    return places


def test_counties_are_ranked_by_the_ratings_of_their_own_tasks(boards):
    result = scores(2021, by="county")
    assert [(s.rank, s.name, str(s.score)) for s in result] == [
        (1, "德城区", "90.0"),
        (2, "陵城区", "0.0"),
    ]
    assert (result[0].horse, result[0].ox) == (1, 1)
    assert result[1].snail == 3


def test_the_county_table_as_json_keys_each_row_by_county(boards):
    out = json.loads(run("scores", "--year", "2021", "--by", "county", "--format", "json"))
    assert out == {
        "year": 2021,
        "counties": [
            {"county": "德城区", "score": 90.0, "rank": 1, "horse": 1, "ox": 1}
            | {"ostrich": 0, "snail": 0},
            {"county": "陵城区", "score": 0.0, "rank": 2, "horse": 0, "ox": 0}
            | {"ostrich": 0, "snail": 3},
        ],
    }


def test_a_quarter_limits_the_county_table_to_its_months(boards):
    out = json.loads(
        run("scores", "--year", "2021", "--quarter", "1", "--by", "county", "--format", "json")
    )
    assert out["quarter"] == 1
    assert [c["county"] for c in out["counties"]] == ["德城区", "陵城区"]
    with pytest.raises(ValueError):
        scores(2021, by="province")


def test_units_are_scored_inside_the_jurisdiction_chosen(boards):
    # The same unit name in three ledgers: three separate scores, never one mixed.
    city = json.loads(run("scores", "--year", "2021", "--format", "json"))["units"]
    decheng = json.loads(
        run("scores", "--year", "2021", "--format", "json", "--jurisdiction", "decheng")
    )
    assert [(u["unit"], u["score"]) for u in city] == [("市工业和信息化局", 80.0)]
    assert decheng["jurisdiction"] == "decheng"
    assert [(u["unit"], u["score"]) for u in decheng["units"]] == [("市工业和信息化局", 90.0)]
    lingcheng = scores(2021, by="leader", jurisdiction=boards["lingcheng"])
    assert [(s.name, str(s.score)) for s in lingcheng] == [("赵明", "0.0")]


def test_a_county_has_no_counties_below_it(boards):
    out = json.loads(
        run("scores", "--year", "2021", "--by", "county", "--format", "json", "--jurisdiction",
            "decheng")
    )  # fmt: skip
    assert out["counties"] == []


def test_the_county_table_is_a_workbook_of_its_own(boards, tmp_path):
    counties, departments = tmp_path / "counties.xlsx", tmp_path / "units.xlsx"
    run("scores", "--year", "2021", "--by", "county", "--format", "xlsx", "-o", str(counties))
    run("scores", "--year", "2021", "--format", "xlsx", "-o", str(departments))

    sheet = load_workbook(counties).active
    assert sheet.title == "县市区考核得分"
    assert sheet["A1"].value == "德州市2021年度改革任务“四色”督查考核得分（按县市区）"
    assert [c.value for c in sheet[2]][:3] == ["排名", "县市区", "得分"]
    assert [[c.value for c in row][:3] for row in sheet.iter_rows(min_row=3)] == [
        [1, "德城区", 90.0],
        [2, "陵城区", 0.0],
    ]
    units = load_workbook(departments).active
    assert units.title == "考核得分"
    assert [[c.value for c in row][:3] for row in units.iter_rows(min_row=3)] == [
        [1, "市工业和信息化局", 80.0]
    ]


def test_a_county_s_own_workbook_names_the_county(boards, tmp_path):
    path = tmp_path / "d.xlsx"
    run("scores", "--year", "2021", "--format", "xlsx", "-o", str(path), "--jurisdiction",
        "decheng")  # fmt: skip
    assert load_workbook(path).active["A1"].value.startswith("德城区2021年度")


def test_the_county_table_prints_as_a_table(boards):
    lines = run("scores", "--year", "2021", "--by", "county").splitlines()
    assert "县市区" in lines[0]
    assert lines[1].split()[:3] == ["1", "德城区", "90.0"]
    assert lines[2].split()[:3] == ["2", "陵城区", "0.0"]


def test_an_unknown_jurisdiction_is_refused(boards):
    with pytest.raises(CommandError, match="现有：city、lingcheng、decheng"):
        run("scores", "--year", "2021", "--jurisdiction", "nowhere")


def test_the_county_league_table_is_a_page_of_its_own_for_the_office(boards):
    from django.test import Client

    from ducha.org.models import User

    office = User.objects.create_user("office-city", password="x", role=User.Role.OFFICE)
    reporter = User.objects.create_user("clerk", password="x", role=User.Role.REPORTER)
    client = Client()
    client.force_login(reporter)
    assert client.get("/office/counties/", {"year": 2021}).status_code == 403
    client.force_login(office)
    assert client.get("/office/counties/", {"year": "20x1"}).status_code == 400
    page = client.get("/office/counties/", {"year": 2021}).content.decode()
    first, second = page.index("德城区"), page.index("陵城区")
    assert first < second  # ranked: 德城区 90.0 above 陵城区 0.0
    assert "90.0" in page and 'href="/j/decheng/"' in page
    # The departments are not in it: their table is the board's and the scores'.
    assert "市工业和信息化局" not in page
