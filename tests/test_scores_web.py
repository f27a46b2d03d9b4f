"""Scores on the web: /scores/ and its workbook equal `ducha scores --min-rated`, the
minimum-count rule shown, a unit's year, who may read and set what, and the public table."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ducha.assessment.models import ScorePolicy
from ducha.assessment.scores import scores
from ducha.audit.models import AuditEntry
from ducha.boards.publication import publish, unit_ratings
from ducha.ledger.importing import import_ledger
from ducha.org.models import Jurisdiction, Leader, Unit, User
from ducha.ratings import marks
from ducha.ratings.scoring import Score, ranked, score
from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

LUCKY = "市交通运输局"  # the sample's one rated task-month, a horse: first by score alone
UNRANKED = "评定任务月数不足6个，不参与排名"


def client_of(user=None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    return client


def person(username, role, **over) -> User:
    return User.objects.create_user(username, password="pw-12345678", role=role, **over)


@pytest.fixture
def people(db, areas):
    Role = User.Role
    return {
        "office": person("office", Role.OFFICE),
        "auditor": person("auditor", Role.AUDITOR),
        "leader": person("leader", Role.LEADER),
        "reporter": person("reporter", Role.REPORTER),
        "head": person("head", Role.HEAD),
    }


@pytest.fixture
def year_2021(sample_ledger, people, settings):
    """The sample ledger (tests/data), its year over; the leader is one of its leaders and
    the units' people are of one of its units."""
    settings.DUCHA_TODAY = "2022-01-11"
    people["leader"].leader = Leader.objects.first()
    people["leader"].save()
    unit = Unit.objects.get(name="市财政局")
    for role in ("reporter", "head"):
        people[role].unit = unit
        people[role].save()
    return people


def command_json(capsys, *args) -> dict:
    capsys.readouterr()
    call_command("scores", "--format", "json", *args)
    return json.loads(capsys.readouterr().out)


def as_rows(units: list[dict], key: str = "unit") -> list[tuple]:
    return [
        (u["rank"], u[key], u["score"], u["rated"], *(u[k] for k in marks.MARKS)) for u in units
    ]


def page_rows(response) -> list[tuple]:
    return [
        (s.rank, s.name, float(s.score), s.rated, *(getattr(s, k) for k in marks.MARKS))
        for s in (r["s"] for r in response.context["rows"])
    ]


def sheet_rows(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = []
    for row in sheet.iter_rows(min_row=3, values_only=True):
        if row[1] is None:  # the notes under the table
            break
        rows.append((row[0], row[1], row[2], row[3], *row[4:8]))
    return rows


# The rule itself ------------------------------------------------------------------------


def _score(name, points, horse=0, ox=0, ostrich=0, snail=0):
    return Score(name, points, 0, horse, ox, ostrich, snail)


def test_the_rule_ranks_only_those_with_enough_rated_task_months_among_themselves():
    from decimal import Decimal as D

    rows = [
        _score("甲", D(100), horse=1),
        _score("乙", D(80), ox=6),
        _score("丙", D(80), ox=7),
        _score("丁", D(50), ostrich=6),
        _score("戊", D("66.7"), horse=1, snail=1, ox=1),
    ]
    out = ranked(rows, 6)
    assert [(s.name, s.rank) for s in out] == [
        ("丙", 1),  # 80.0, 0 horses, 0 snails: equal merit with 乙, so the same rank
        ("乙", 1),
        ("丁", 3),
        ("甲", None),  # 100 on one task-month: listed after, unranked
        ("戊", None),
    ]
    assert [s.rank for s in ranked(rows)] == [1, 2, 2, 4, 5]  # no minimum: SPEC §2 alone


def test_with_no_minimum_the_ranks_are_those_of_the_score_itself(sample_ledger, settings):
    settings.DUCHA_TODAY = "2022-01-11"
    assert scores(2021, minimum=0) == scores(2021)
    assert [s.rank for s in ranked(scores(2021))] == [s.rank for s in scores(2021)]


# The command ------------------------------------------------------------------------------


def test_the_command_without_the_minimum_is_exactly_as_before(year_2021, samples, capsys):
    expected = json.loads((samples / "expected.json").read_text())["scores"]
    assert command_json(capsys, "--year", "2021") == {"year": 2021, "units": expected}


def test_the_command_with_the_minimum_adds_the_count_and_leaves_the_few_unranked(
    year_2021, samples, capsys
):
    units = command_json(capsys, "--year", "2021", "--min-rated", "6")["units"]
    by_name = {u["unit"]: u for u in units}
    assert by_name[LUCKY]["rank"] is None
    assert by_name[LUCKY]["rated"] == 1 and by_name[LUCKY]["score"] == 100.0
    assert by_name["市商务局"]["rank"] is None and by_name["市商务局"]["rated"] == 5
    assert by_name["市农业农村局"]["rated"] == 6 and by_name["市农业农村局"]["rank"] == 6
    assert units[0]["unit"] == "市工业和信息化局" and units[0]["rank"] == 1
    assert [u["rank"] for u in units] == [1, 2, 3, 4, 5, 6, 7, 8, 9, None, None]
    assert all(u["rated"] == sum(u[k] for k in marks.MARKS) for u in units)


def test_the_command_prints_the_count_and_the_rule_in_its_table(year_2021, capsys):
    capsys.readouterr()
    call_command("scores", "--year", "2021", "--min-rated", "6")
    out = capsys.readouterr().out
    assert "评定月数" in out and UNRANKED in out
    line = next(x for x in out.splitlines() if LUCKY in x)
    assert line.startswith(" ") and " 1 " in line


def test_the_command_files_the_same_workbook_as_the_page(year_2021, tmp_path, capsys):
    path = tmp_path / "scores.xlsx"
    call_command(
        "scores", "--year", "2021", "--min-rated", "6", "--format", "xlsx", "-o", str(path)
    )
    expected = as_rows(command_json(capsys, "--year", "2021", "--min-rated", "6")["units"])
    assert sheet_rows(path.read_bytes()) == expected
    page = client_of(year_2021["office"]).get("/scores/scores.xlsx?year=2021").content
    assert sheet_rows(page) == expected


def test_a_negative_minimum_is_refused(year_2021):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--min-rated"):
        call_command("scores", "--year", "2021", "--min-rated", "-1")


# The page and its workbook equal the command ----------------------------------------------


def test_the_page_and_the_workbook_equal_the_command_with_the_minimum(year_2021, capsys):
    expected = as_rows(command_json(capsys, "--year", "2021", "--min-rated", "6")["units"])
    office = client_of(year_2021["office"])
    response = office.get("/scores/?year=2021")
    assert response.status_code == 200
    assert page_rows(response) == expected
    html = response.content.decode()
    assert UNRANKED in html and f'data-name="{LUCKY}" data-rank=""' in html
    assert "评定任务月数" in html
    xlsx = office.get("/scores/scores.xlsx?year=2021")
    assert xlsx.status_code == 200
    assert sheet_rows(xlsx.content) == [(r[0], *r[1:]) for r in expected]


@pytest.mark.parametrize(
    ("query", "args", "key"),
    [
        ("year=2021&quarter=2", ["--quarter", "2"], "unit"),
        ("year=2021&by=area", ["--by", "area"], "area"),
        ("year=2021&by=leader", ["--by", "leader"], "leader"),
    ],
)
def test_quarters_and_other_groupings_equal_the_command_too(year_2021, capsys, query, args, key):
    out = command_json(capsys, "--year", "2021", "--min-rated", "6", *args)
    expected = as_rows(next(v for k, v in out.items() if isinstance(v, list)), key)
    response = client_of(year_2021["auditor"]).get(f"/scores/?{query}")
    assert page_rows(response) == expected
    xlsx = client_of(year_2021["auditor"]).get(f"/scores/scores.xlsx?{query}")
    assert sheet_rows(xlsx.content) == expected


def test_the_workbook_is_the_layout_the_assessment_office_files(year_2021):
    content = client_of(year_2021["office"]).get("/scores/scores.xlsx?year=2021").content
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet["A1"].value == "德州市2021年度改革任务“四色”督查考核得分（按牵头单位）"
    header = [c.value for c in sheet[2]]
    assert header == ["排名", "牵头单位", "得分", "评定任务月数", *marks.NAMES.values(), "备注"]
    lucky = next(r for r in sheet.iter_rows(min_row=3, values_only=True) if r[1] == LUCKY)
    assert lucky[0] is None and lucky[-1] == UNRANKED
    notes = [r[0] for r in sheet.iter_rows(min_row=3, values_only=True) if r[0] and r[1] is None]
    assert any("不少于6个的参与排名" in str(n) for n in notes)
    assert any(str(n).startswith("制表单位：") and "制表日期：2022年1月11日" in n for n in notes)
    assert sheet.print_title_rows == "$2:$2" and sheet.page_setup.fitToWidth == 1


def test_deductions_show_on_the_page_and_in_the_workbook_when_there_are_any(
    year_2021, capsys, monkeypatch
):
    from decimal import Decimal

    from ducha.assessment import scores as module

    monkeypatch.setattr(module, "deductions", lambda months, j=None: {"市财政局": Decimal(5)})
    expected = as_rows(command_json(capsys, "--year", "2021", "--min-rated", "6")["units"])
    response = client_of(year_2021["office"]).get("/scores/?year=2021")
    assert page_rows(response) == expected and "问责扣分" in response.content.decode()
    content = client_of(year_2021["office"]).get("/scores/scores.xlsx?year=2021").content
    sheet = load_workbook(io.BytesIO(content)).active
    assert "问责扣分" in [c.value for c in sheet[2]]
    assert sheet_rows(content) == expected


# The policy --------------------------------------------------------------------------------


def test_the_office_sets_its_minimum_and_it_is_audited(year_2021):
    office = client_of(year_2021["office"])
    response = office.post("/scores/?year=2021", {"min_rated": "1"})
    assert response.status_code == 302 and response["Location"] == "/scores/?year=2021"
    policy = ScorePolicy.objects.get(jurisdiction__home=True)
    assert (policy.min_rated, policy.public) == (1, False)
    entry = AuditEntry.objects.get(action="scores_policy_changed")
    assert entry.actor == year_2021["office"] and entry.data()["min_rated"] == 1
    rows = page_rows(office.get("/scores/?year=2021"))
    assert rows[0][:2] == (1, LUCKY)  # with a minimum of one, the lucky horse tops it again


def test_a_bad_minimum_is_named_and_what_was_typed_stays(year_2021):
    response = client_of(year_2021["office"]).post("/scores/?year=2021", {"min_rated": "-3"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="-3"' in html and "考核排名设置未保存" in html
    assert not ScorePolicy.objects.exists() and not AuditEntry.objects.filter(
        action="scores_policy_changed"
    )


@pytest.mark.parametrize("role", ["auditor", "leader"])
def test_only_the_office_of_the_jurisdiction_sets_the_policy(year_2021, role):
    response = client_of(year_2021[role]).post("/scores/", {"min_rated": "1", "public": "on"})
    assert response.status_code == 403
    assert not ScorePolicy.objects.exists()


def test_the_city_office_reads_a_county_table_and_cannot_set_its_policy(year_2021):
    county = Jurisdiction.objects.create(
        slug="lingcheng", name="陵城区", level="county", parent=Jurisdiction.objects.home()
    )
    office = client_of(year_2021["office"])
    response = office.get("/scores/?j=lingcheng&year=2021")
    assert response.status_code == 200 and response.context["jurisdiction"] == county
    assert response.context["rows"] == [] and not response.context["can_set"]
    assert office.post("/scores/?j=lingcheng", {"min_rated": "1"}).status_code == 403
    assert client_of(year_2021["leader"]).get("/scores/?j=lingcheng").status_code == 404


# Who reads what -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/scores/", "/scores/scores.xlsx", "/scores/units/{pk}/"])
def test_each_role_reads_the_numbers_or_not(year_2021, url):
    url = url.format(pk=Unit.objects.get(name="市财政局").pk)
    anonymous = client_of().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    for role in ("reporter", "head"):
        assert client_of(year_2021[role]).get(url).status_code == 403, role
    for role in ("office", "auditor", "leader"):
        assert client_of(year_2021[role]).get(url).status_code == 200, role


def test_a_unit_of_a_jurisdiction_not_read_is_not_found(year_2021):
    county = Jurisdiction.objects.create(slug="xj", name="夏津县", level="county")
    unit = Unit.objects.create(jurisdiction=county, name="夏津县财政局")
    assert client_of(year_2021["office"]).get(f"/scores/units/{unit.pk}/").status_code == 404
    assert client_of(year_2021["office"]).get("/scores/units/999999/").status_code == 404


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("year=①", "年度"),
        ("year=２０２１", "半角数字"),
        ("year=2099", "年度不能晚于今年"),
        ("year=2021&quarter=5", "季度"),
        ("year=2021&by=everyone", "排名对象"),
        ("year=" + "X" * 300, "年度"),
    ],
)
def test_bad_filter_values_are_named_and_kept_in_the_form(year_2021, query, words):
    response = client_of(year_2021["office"]).get(f"/scores/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert "无法显示：" in html and words in html
    assert client_of(year_2021["office"]).get(f"/scores/scores.xlsx?{query}").status_code == 400


def test_a_bad_year_on_a_units_page_is_named(year_2021):
    pk = Unit.objects.get(name="市财政局").pk
    response = client_of(year_2021["office"]).get(f"/scores/units/{pk}/?year=٢٠٢١")
    assert response.status_code == 400 and "year" in response.content.decode()


# A unit's year ----------------------------------------------------------------------------


def test_a_units_page_shows_its_grid_its_months_and_its_rank_at_each_months_end(year_2021, capsys):
    units = command_json(capsys, "--year", "2021", "--min-rated", "6")["units"]
    finance = next(u for u in units if u["unit"] == "市财政局")
    unit = Unit.objects.get(name="市财政局")
    response = client_of(year_2021["leader"]).get(f"/scores/units/{unit.pk}/?year=2021")
    html = response.content.decode()
    history = response.context["history"]
    assert len(history) == 12
    last = history[-1]["standing"].score
    assert (last.rank, float(last.score), last.rated) == (
        finance["rank"],
        finance["score"],
        finance["rated"],
    )
    grid = response.context["tasks"]
    counted = [m.key for t in grid for m in t["marks"] if m.key in marks.MARKS]
    assert len(counted) == finance["rated"]
    assert counted.count("horse") == finance["horse"]
    assert all(f'data-task="{t["task"]}"' in html for t in grid)
    monthly = [h["monthly"].rated for h in history if h["monthly"]]
    assert sum(monthly) == finance["rated"]


def test_a_units_rank_history_leaves_it_unranked_until_it_has_enough_months(year_2021):
    unit = Unit.objects.get(name="市财政局")
    response = client_of(year_2021["office"]).get(f"/scores/units/{unit.pk}/?year=2021")
    for h in response.context["history"]:
        s = h["standing"].score
        if s is not None:
            assert (s.rank is None) == (s.rated < 6), h["month"]
    assert "未排名" in response.content.decode()


# The public table ---------------------------------------------------------------------------


def test_the_public_table_is_not_found_until_the_office_makes_it_public(year_2021):
    assert client_of().get("/scores/public/").status_code == 404
    client_of(year_2021["office"]).post("/scores/", {"public": "on"})
    assert ScorePolicy.objects.get().public
    assert client_of().get("/scores/public/?year=2021").status_code == 200


def test_the_public_table_counts_published_months_only(year_2021):
    ScorePolicy.objects.create(jurisdiction=Jurisdiction.objects.home(), public=True)
    august = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)
    boards = [publish(dt.date(2021, m, 1), now=august) for m in (5, 6)]
    rows = [t for b in boards for t in json.loads(b.publication.snapshot)["tasks"]]
    expected = ranked(score(unit_ratings(rows)), 6)
    response = client_of().get("/scores/public/?year=2021")
    assert response.status_code == 200
    assert page_rows(response) == [
        (s.rank, s.name, float(s.score), s.rated, s.horse, s.ox, s.ostrich, s.snail)
        for s in expected
    ]
    html = response.content.decode()
    assert "5月、6月" in html and "问责扣分" not in html and "/scores/units/" not in html
    assert client_of().get("/scores/public/?year=2021&by=leader").status_code == 400


def test_a_countys_public_table_is_its_own_office_s_choice(year_2021):
    county = Jurisdiction.objects.create(
        slug="lingcheng", name="陵城区", level="county", parent=Jurisdiction.objects.home()
    )
    ScorePolicy.objects.create(jurisdiction=Jurisdiction.objects.home(), public=True)
    assert client_of().get("/j/lingcheng/scores/").status_code == 404
    ScorePolicy.objects.create(jurisdiction=county, public=True)
    assert client_of().get("/j/lingcheng/scores/?year=2021").status_code == 200
    assert client_of().get("/j/nowhere/scores/").status_code == 404


# What it costs ------------------------------------------------------------------------------


def _ledger(tmp_path, n: int) -> None:
    rows = [
        ledger_row(code=f"T-{i}", node="N1", due="2021-09", 牵头单位=f"市单位{i % 4}")
        for i in range(1, n + 1)
    ]
    import_ledger(write_csv(tmp_path / f"ledger-{n}.csv", LEDGER_HEADER, rows))


def _queries(client, url) -> int:
    client.get(url)  # warm: the session's first write, the caches of a first visit
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _measure(client) -> tuple[int, int, int]:
    pk = Unit.objects.get(name="市单位1").pk
    return (
        _queries(client, "/scores/?year=2021"),
        _queries(client, f"/scores/units/{pk}/?year=2021"),
        _queries(client, "/scores/?year=2021&by=area"),
    )


def _publish_all(correction=None) -> None:
    for m in range(1, 8):
        at = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)
        publish(dt.date(2021, m, 1), now=at, correction=correction)


def test_the_pages_cost_the_same_queries_for_more_tasks(people, tmp_path, settings):
    settings.DUCHA_TODAY = "2021-08-20"
    office = client_of(people["office"])
    _ledger(tmp_path, 4)
    few = _measure(office)  # months as they stand
    _ledger(tmp_path, 16)
    assert _measure(office) == few
    _publish_all()
    published = _measure(office)  # months as published
    _ledger(tmp_path, 40)
    _publish_all(correction="更多任务")
    assert _measure(office) == published
