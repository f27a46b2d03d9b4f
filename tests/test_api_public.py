"""The public side of /api/v1/: jurisdictions, the publication chain, boards, tasks and the
public scores table, read without a token; paging, filters, ETags and problem details."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ducha.assessment.models import ScorePolicy
from ducha.boards.publication import publish
from ducha.ledger.importing import import_ledger, import_progress
from ducha.ledger.layout import Options
from ducha.ledger.models import Progress
from ducha.org.models import Jurisdiction
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_csv

MAY, JUNE = dt.date(2021, 5, 1), dt.date(2021, 6, 1)
AUGUST_10 = dt.datetime(2021, 8, 10, 9, tzinfo=dt.UTC)
PROBLEM = "application/problem+json"


@pytest.fixture
def county(areas, tmp_path):
    """庆云县 below the city, its own HX-001 (another title) reported and June published."""
    place = Jurisdiction.objects.create(
        slug="qingyun", name="庆云县", level="county", parent=Jurisdiction.objects.home()
    )
    options = Options(jurisdiction=place)
    row = ledger_row(code="HX-001", due="2021-09", 任务名称="县级任务", 牵头单位="县财政局")
    import_ledger(write_csv(tmp_path / "county.csv", LEDGER_HEADER, [row]), options=options)
    progress = [["HX-001", "N1", "2021-06", "推进中", "", "30", "按计划推进"]]
    import_progress(write_csv(tmp_path / "p.csv", PROGRESS_HEADER, progress), options=options)
    publish(JUNE, jurisdiction=place, now=AUGUST_10)
    return place


@pytest.fixture
def site(boards, county, settings):
    """The city's May and June 2021 boards (the sample ledger) and the county's June."""
    settings.DUCHA_TODAY = "2021-08-11"
    return boards


def get(client, url, status=200, **headers):
    response = client.get(url, **headers)
    assert response.status_code == status, (url, response.content[:500])
    return response


def problem(client, url, status, method="get") -> dict:
    response = getattr(client, method)(url)
    assert response.status_code == status, (url, response.content[:500])
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["instance"] == url.split("?")[0]
    assert body["type"].startswith("https://ducha.invalid/problems/") and body["title"]
    return body


def snapshot(publication) -> dict:
    return json.loads(publication.snapshot)


# Jurisdictions -----------------------------------------------------------------------------


def test_it_lists_the_jurisdictions_with_their_parents(client, site, county):
    body = get(client, "/api/v1/jurisdictions").json()
    assert body["count"] == 2 and body["next"] is None and body["previous"] is None
    home = Jurisdiction.objects.home()
    assert body["items"] == [
        {"slug": home.slug, "name": home.name, "level": "city", "parent": None, "home": True},
        {
            "slug": "qingyun",
            "name": "庆云县",
            "level": "county",
            "parent": home.slug,
            "home": False,
        },
    ]
    below = get(client, f"/api/v1/jurisdictions?parent={home.slug}").json()
    assert [j["slug"] for j in below["items"]] == ["qingyun"]


def test_an_unknown_jurisdiction_is_a_404_problem_naming_it(client, site):
    body = problem(client, "/api/v1/tasks?jurisdiction=atlantis", 404)
    assert "atlantis" in body["detail"]
    problem(client, "/api/v1/jurisdictions?parent=atlantis", 404)
    problem(client, "/api/v1/boards/2021-06?jurisdiction=atlantis", 404)


# The chain ----------------------------------------------------------------------------------


def test_the_publications_are_the_chain_oldest_first_with_their_links(client, site, county):
    home = Jurisdiction.objects.home().slug
    body = get(client, "/api/v1/publications").json()
    items = body["items"]
    assert [(p["seq"], p["jurisdiction"], p["month"]) for p in items] == [
        (1, home, "2021-05"),
        (2, home, "2021-06"),
        (3, "qingyun", "2021-06"),
    ]
    assert items[0]["sha256"] == site[MAY].sha256 and items[0]["previous"] is None
    assert items[1]["previous"] == site[MAY].sha256 == site[JUNE].previous
    assert items[2]["previous"] is None  # the county's chain starts apart from the city's
    assert items[1]["published_at"] == "2021-08-10T17:00:00+08:00"
    assert items[1]["board"] == f"/api/v1/boards/2021-06?jurisdiction={home}&version=1"
    assert get(client, items[1]["board"]).json()["sha256"] == site[JUNE].sha256


def test_the_chain_is_filtered_by_jurisdiction_and_month(client, site, county):
    city = get(client, "/api/v1/publications?month=2021-06").json()
    assert [p["jurisdiction"] for p in city["items"]] == [
        Jurisdiction.objects.home().slug,
        "qingyun",
    ]
    own = get(client, "/api/v1/publications?jurisdiction=qingyun").json()
    assert [(p["month"], p["version"]) for p in own["items"]] == [("2021-06", 1)]
    body = problem(client, "/api/v1/publications?month=2021-13", 422)
    assert [e["field"] for e in body["errors"]] == ["month"]
    body = problem(client, "/api/v1/publications?month=June", 422)
    assert [e["field"] for e in body["errors"]] == ["month"]


def test_a_correction_is_a_new_version_in_the_chain(client, site):
    corrected = publish(JUNE, correction="更正一处笔误", now=AUGUST_10).publication
    body = get(client, "/api/v1/publications?month=2021-06&jurisdiction=city").json()
    assert [(p["version"], p["kind"], p["correction"]) for p in body["items"]] == [
        (1, "manual", None),
        (2, "correction", "更正一处笔误"),
    ]
    assert body["items"][1]["previous"] == site[JUNE].sha256
    latest = get(client, "/api/v1/boards/2021-06").json()
    assert (latest["version"], latest["sha256"]) == (2, corrected.sha256)
    first = get(client, "/api/v1/boards/2021-06?version=1").json()
    assert (first["version"], first["sha256"]) == (1, site[JUNE].sha256)


# Paging ------------------------------------------------------------------------------------


def test_lists_are_paged_with_links_to_the_pages_around(client, site):
    first = get(client, "/api/v1/tasks?page_size=10").json()
    assert (first["count"], first["page"], first["page_size"]) == (24, 1, 10)
    assert first["previous"] is None and first["next"] == "/api/v1/tasks?page_size=10&page=2"
    last = get(client, "/api/v1/tasks?page_size=10&page=3").json()
    assert len(last["items"]) == 4 and last["next"] is None
    assert last["previous"] == "/api/v1/tasks?page_size=10&page=2"
    codes = [
        t["code"]
        for p in (1, 2, 3)
        for t in get(client, f"/api/v1/tasks?page_size=10&page={p}").json()["items"]
    ]
    assert codes == sorted(codes) and len(set(codes)) == 24


def test_a_page_past_the_end_is_empty_and_points_back_to_the_last(client, site):
    body = get(client, "/api/v1/tasks?page=9&page_size=10").json()
    assert body["count"] == 24 and body["items"] == [] and body["next"] is None
    assert body["previous"] == "/api/v1/tasks?page=3&page_size=10"


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=0", "page"),
        ("page=x", "page"),
        ("page_size=101", "page_size"),
        ("page_size=0", "page_size"),
    ],
)
def test_an_unreadable_page_is_a_422_problem_naming_the_parameter(client, site, query, field):
    body = problem(client, f"/api/v1/tasks?{query}", 422)
    assert [e["field"] for e in body["errors"]] == [field]


# Boards ------------------------------------------------------------------------------------


def test_a_board_is_its_snapshot_with_the_publication_hash(client, site):
    body = get(client, "/api/v1/boards/2021-06").json()
    frozen = snapshot(site[JUNE])
    assert body["sha256"] == site[JUNE].sha256 and body["previous"] == site[MAY].sha256
    assert (body["month"], body["version"], body["kind"]) == ("2021-06", 1, "manual")
    assert body["count"] == len(frozen["tasks"]) == len(body["tasks"])
    rows = {r["task"]: r for r in body["tasks"]}
    for t in frozen["tasks"]:
        row = rows[t["task"]]
        assert (row["rating"], row["title"], row["nodes"]) == (t["rating"], t["title"], t["nodes"])
        assert [r["text"] for r in row["reasons"]] == [r["text"] for r in t["reasons"]]
        assert row["lead_units"] == [t["lead_unit"]] and row["leaders"] == [t["leader"]]
    assert body["units"] == frozen["units"]
    named = {"horse": "骏马", "ox": "黄牛", "ostrich": "鸵鸟", "snail": "蜗牛", None: "不评价"}
    assert all(r["mark"] == named[r["rating"]] for r in body["tasks"])


def test_a_board_answers_304_to_its_own_hash(client, site):
    response = get(client, "/api/v1/boards/2021-06")
    assert response["ETag"] == f'"{site[JUNE].sha256}"'
    assert response["Cache-Control"] == "public, no-cache"
    with CaptureQueriesContext(connection) as captured:
        again = client.get("/api/v1/boards/2021-06", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == response["ETag"]
    assert len(captured) <= 2  # the home jurisdiction and the publication's hash: no snapshot
    stale = client.get("/api/v1/boards/2021-06", HTTP_IF_NONE_MATCH=f'"{site[MAY].sha256}"')
    assert stale.status_code == 200


def test_a_board_asked_by_version_may_be_kept_forever(client, site):
    response = get(client, "/api/v1/boards/2021-05?version=1")
    assert response["ETag"] == f'"{site[MAY].sha256}"'
    assert "immutable" in response["Cache-Control"] and "public" in response["Cache-Control"]
    problem(client, "/api/v1/boards/2021-05?version=2", 404)


def test_a_board_is_filtered_by_rating_unit_leader_and_area(client, site):
    full = get(client, "/api/v1/boards/2021-06").json()["tasks"]
    snails = get(client, "/api/v1/boards/2021-06?rating=snail").json()
    assert snails["count"] == len(full)
    assert [r["task"] for r in snails["tasks"]] == [
        r["task"] for r in full if r["rating"] == "snail"
    ]
    row = full[0]
    for name, value, key in (
        ("unit", row["lead_units"][0], "lead_units"),
        ("leader", row["leaders"][0], "leaders"),
    ):
        shown = get(client, f"/api/v1/boards/2021-06?{name}={value}").json()["tasks"]
        assert shown and all(value in r[key] for r in shown)
        assert len(shown) == sum(1 for r in full if value in r[key])
    area = get(client, f"/api/v1/boards/2021-06?area={row['area']}").json()["tasks"]
    assert area and {r["area"] for r in area} == {row["area"]}
    assert get(client, "/api/v1/boards/2021-06?unit=无此单位").json()["tasks"] == []
    body = problem(client, "/api/v1/boards/2021-06?rating=red", 422)
    assert [e["field"] for e in body["errors"]] == ["rating"]


def test_a_month_not_published_is_a_404_problem(client, site):
    body = problem(client, "/api/v1/boards/2021-07", 404)
    assert "2021-07" in body["detail"]
    problem(client, "/api/v1/boards/2021-13", 404)  # a month that cannot exist, as on the web
    body = problem(client, "/api/v1/boards/July", 422)
    assert [e["field"] for e in body["errors"]] == ["month"]


def test_a_county_board_is_its_own(client, site, county):
    body = get(client, "/api/v1/boards/2021-06?jurisdiction=qingyun").json()
    assert body["jurisdiction"] == "qingyun" and body["previous"] is None
    assert [(r["task"], r["title"], r["lead_units"]) for r in body["tasks"]] == [
        ("HX-001", "县级任务", ["县财政局"])
    ]
    problem(client, "/api/v1/boards/2021-05?jurisdiction=qingyun", 404)


# Tasks -------------------------------------------------------------------------------------


def test_tasks_carry_their_mark_on_the_latest_board(client, site):
    body = get(client, "/api/v1/tasks?page_size=100").json()
    marks = {t["task"]: t["rating"] for t in snapshot(site[JUNE])["tasks"]}
    assert {t["code"]: t["latest"]["rating"] for t in body["items"]} == marks
    assert {(t["latest"]["month"], t["latest"]["version"]) for t in body["items"]} == {
        ("2021-06", 1)
    }


def test_tasks_are_filtered_by_unit_leader_area_and_words(client, site):
    full = get(client, "/api/v1/tasks?page_size=100").json()["items"]
    task = full[0]
    for name, value, key in (
        ("unit", task["lead_units"][0], "lead_units"),
        ("leader", task["leaders"][0], "leaders"),
    ):
        shown = get(client, f"/api/v1/tasks?page_size=100&{name}={value}").json()["items"]
        assert [t["code"] for t in shown] == [t["code"] for t in full if value in t[key]]
    area = get(client, f"/api/v1/tasks?page_size=100&area={task['area']}").json()["items"]
    assert area and {t["area"] for t in area} == {task["area"]}
    found = get(client, "/api/v1/tasks?q=任务18").json()["items"]
    assert [t["code"] for t in found] == ["HX-018"]
    assert get(client, "/api/v1/tasks?unit=无此单位").json()["count"] == 0


def test_a_county_jurisdiction_lists_its_own_ledger_only(client, site, county):
    body = get(client, "/api/v1/tasks?jurisdiction=qingyun").json()
    assert [(t["code"], t["title"]) for t in body["items"]] == [("HX-001", "县级任务")]
    city = get(client, "/api/v1/tasks/HX-001").json()
    assert city["jurisdiction"] == Jurisdiction.objects.home().slug and city["title"] != "县级任务"
    own = get(client, "/api/v1/tasks/HX-001?jurisdiction=qingyun").json()
    assert (own["jurisdiction"], own["title"]) == ("qingyun", "县级任务")


def test_the_task_list_costs_the_same_queries_for_any_page_size(client, site):
    def queries(size):
        with CaptureQueriesContext(connection) as captured:
            get(client, f"/api/v1/tasks?page_size={size}")
        return len(captured)

    queries(1)  # the latest board's snapshot is read once per process (publication.posted)
    assert queries(2) == queries(24) <= 8


def test_a_task_shows_its_nodes_as_published_never_unpublished_progress(client, site):
    # HX-018's N3 was reported done in November: after June, so not on any board yet.
    assert Progress.objects.filter(task__code="HX-018", node__code="N3", status="done").exists()
    body = get(client, "/api/v1/tasks/HX-018").json()
    nodes = {n["code"]: n for n in body["nodes"]}
    published = {
        n["code"]: n
        for n in next(t for t in snapshot(site[JUNE])["tasks"] if t["task"] == "HX-018")["nodes"]
    }
    assert {code: n["state"] for code, n in nodes.items()} == published
    assert nodes["N3"]["state"]["status"] != "done"
    assert [(h["month"], h["version"]) for h in body["history"]] == [("2021-05", 1), ("2021-06", 1)]
    assert body["history"][-1]["rating"] == body["latest"]["rating"]


def test_a_task_not_in_the_ledger_is_a_404_problem(client, site):
    body = problem(client, "/api/v1/tasks/NO-SUCH", 404)
    assert "NO-SUCH" in body["detail"]
    problem(client, "/api/v1/tasks/HX-001?jurisdiction=qingyun-x", 404)


# Scores ------------------------------------------------------------------------------------


def test_scores_are_not_public_until_the_office_says_so(client, site):
    body = problem(client, "/api/v1/scores", 404)
    assert body["detail"] == "考核得分未公开"


def test_the_public_scores_count_published_months_only(client, site):
    ScorePolicy.objects.create(jurisdiction=Jurisdiction.objects.home(), public=True, min_rated=0)
    body = get(client, "/api/v1/scores?year=2021").json()
    assert (body["year"], body["quarter"], body["by"], body["minimum"]) == (2021, None, "unit", 0)
    assert body["months"] == ["2021-05", "2021-06"]
    rated = sum(r["rated"] for r in body["rows"])
    published = sum(1 for p in (MAY, JUNE) for t in snapshot(site[p])["tasks"] if t["rating"])
    assert rated == published  # July, rated as it stands, never counts here
    assert [r["rank"] for r in body["rows"]] == sorted(r["rank"] for r in body["rows"])
    areas = get(client, "/api/v1/scores?year=2021&by=area&quarter=2").json()
    assert areas["by"] == "area" and areas["quarter"] == 2 and areas["rows"]
    body = problem(client, "/api/v1/scores?year=2099", 422)
    assert [e["field"] for e in body["errors"]] == ["year"]
    body = problem(client, "/api/v1/scores?by=leader", 422)
    assert [e["field"] for e in body["errors"]] == ["by"]


def test_the_county_league_is_public_with_the_city_table(client, site, county):
    ScorePolicy.objects.create(jurisdiction=Jurisdiction.objects.home(), public=True, min_rated=0)
    body = get(client, "/api/v1/scores?year=2021&by=county").json()
    assert [(r["name"], r["rank"]) for r in body["rows"]] == [("庆云县", 1)]
    assert body["rows"][0]["rated"] == 1  # its June, the one month it published


# Every answer -----------------------------------------------------------------------------


def test_lists_carry_a_weak_etag_and_answer_304_to_it(client, site):
    response = get(client, "/api/v1/publications")
    etag = response["ETag"]
    assert etag.startswith('W/"') and response["Cache-Control"] == "public, no-cache"
    assert client.get("/api/v1/publications", HTTP_IF_NONE_MATCH=etag).status_code == 304
    publish(dt.date(2021, 7, 1), now=AUGUST_10)
    assert client.get("/api/v1/publications", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_unknown_paths_and_methods_are_problems_too(client, site):
    problem(client, "/api/v1/nothing-here", 404)
    problem(client, "/api/v2/boards/2021-06", 404)
    problem(client, "/api/v1/tasks/", 404)
    body = problem(client, "/api/v1/boards/2021-06", 405, method="delete")
    assert "DELETE" in body["detail"]
    assert client.post("/api/v1/tasks")["Allow"] == "GET"


def test_the_document_declares_every_error_as_a_problem(client):
    document = get(client, "/api/v1/openapi.json").json()
    assert (
        "/api/v1/" in document["info"]["description"]
        and "Sunset" in document["info"]["description"]
    )
    assert document["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            answers = operation["responses"]
            assert {"422", "500"} <= set(answers), (method, path)
            for status, answer in answers.items():
                if int(status) >= 400:
                    assert answer["content"] == {
                        PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }, (method, path, status)
    board = document["paths"]["/api/v1/boards/{month}"]["get"]["responses"]
    assert {"200", "304", "404"} <= set(board)
    assert "security" not in document["paths"]["/api/v1/tasks"]["get"]
