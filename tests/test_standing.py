"""One definition of "expected to report in month M": the rating, /me/, the desk, the leader's
page and the publication check agree task by task on who was expected and who reported."""

import datetime as dt
import re

import pytest
from django.test import Client

from ducha.ledger.importing import import_ledger, import_progress
from ducha.ledger.models import Node, Task
from ducha.org.models import Leader, Unit, User
from ducha.ratings.monthly import rate_month
from ducha.reports import standing, workflow
from ducha.reports.models import Report
from tests.helpers import LEDGER_HEADER, PROGRESS_HEADER, ledger_row, write_csv

JUNE = dt.date(2021, 6, 1)
UNIT = "市工业和信息化局"


@pytest.fixture
def june(db, areas, tmp_path, settings):
    """Seven tasks of one unit in June 2021, one of each kind:

    DONE   finished in May: not expected;      IMPORT  its June rows came from Excel;
    ONLINE approved online by the head;        WAITS   submitted, waiting for the head;
    NONE   nothing at all;                     PAUSED  suspended: not expected;
    LATER  starts in July: not expected.
    """
    settings.DUCHA_TODAY = "2021-07-03"  # before the 5 July deadline
    rows = [
        ledger_row(code="DONE", node="N1", due="2021-05"),
        ledger_row(code="IMPORT", node="N1", due="2021-06"),
        ledger_row(code="ONLINE", node="N1", due="2021-09"),
        ledger_row(code="WAITS", node="N1", due="2021-09"),
        ledger_row(code="NONE", node="N1", due="2021-09"),
        ledger_row(code="PAUSED", node="N1", due="2021-09"),
        ledger_row(code="LATER", node="N1", due="2021-12"),
    ]
    import_ledger(write_csv(tmp_path / "ledger.csv", LEDGER_HEADER, rows))
    Task.objects.filter(code="PAUSED").update(status=Task.Status.SUSPENDED)
    Task.objects.filter(code="LATER").update(start_month=dt.date(2021, 7, 1))
    progress = [
        ["DONE", "N1", "2021-05", "已完成", "2021-05-20", "", "印发"],
        ["IMPORT", "N1", "2021-06", "推进中", "", "40", "表格报送"],
    ]
    import_progress(write_csv(tmp_path / "progress.csv", PROGRESS_HEADER, progress))
    unit = Unit.objects.get(name=UNIT)
    people = {
        "reporter": User.objects.create_user("reporter", role=User.Role.REPORTER, unit=unit),
        "head": User.objects.create_user("head", role=User.Role.HEAD, unit=unit),
        "office": User.objects.create_user("office", role=User.Role.OFFICE),
        "leader": User.objects.create_user(
            "leader", role=User.Role.LEADER, leader=Leader.objects.get(name="赵明")
        ),
    }
    for code, steps in (("ONLINE", ("submit", "approve")), ("WAITS", ("submit",))):
        task = Task.objects.get(code=code)
        report = workflow.open_report(task, JUNE)
        node = Node.objects.get(task=task)
        line = workflow.LineInput("in_progress", 30, None, "推进中")
        workflow.save_report(
            report, people["reporter"], report.version, narrative="推进", problems="",
            next_steps="", lines={node.pk: line},
        )  # fmt: skip
        workflow.submit_report(report, people["reporter"], report.version)
        if "approve" in steps:
            workflow.approve_report(report, people["head"], report.version)
    return people


EXPECTED = {"IMPORT", "ONLINE", "WAITS", "NONE"}
REPORTED = {"IMPORT", "ONLINE"}


def rows_of(html: str) -> dict[str, dict[str, str]]:
    """The task rows of a page, by the data attributes each row carries."""
    found = {}
    for attrs in re.findall(r"<(?:tr|div)[^>]*data-task=[^>]*>", html):
        values = dict(re.findall(r'data-(\w+)="([^"]*)"', attrs))
        found[values["task"]] = values
    return found


def page(user, url):
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_rating_expects_exactly_the_rated_tasks_and_counts_imports_as_reported(june):
    ratings = {r.task: r for r in rate_month(JUNE)}
    assert {code for code, r in ratings.items() if r.expected} == EXPECTED
    assert {code for code, r in ratings.items() if r.expected and r.reported} == REPORTED
    # Not expected is exactly "not rated"; expected and not reported is exactly the snail
    # for 未报送 (SPEC §2 rule 2).
    assert {code for code, r in ratings.items() if r.computed is None} == {
        "DONE",
        "PAUSED",
        "LATER",
    }
    not_reported = {c for c, r in ratings.items() if r.reasons[0].code == "not_reported"}
    assert not_reported == EXPECTED - REPORTED


def test_me_the_desk_and_the_leader_page_agree_task_by_task(june):
    me = rows_of(page(june["reporter"], "/me/?month=2021-06"))
    leader = rows_of(page(june["leader"], "/me/?month=2021-06"))
    desk_html = page(june["office"], "/office/?month=2021-06")
    desk = rows_of(desk_html)
    all_codes = {"DONE", "IMPORT", "ONLINE", "WAITS", "NONE", "PAUSED", "LATER"}
    assert set(me) == set(leader) == all_codes
    for rows in (me, leader):
        assert {c for c, r in rows.items() if r["expected"] == "1"} == EXPECTED
        assert {c for c, r in rows.items() if r["reported"] == "1"} == REPORTED
    # The desk lists exactly the expected tasks that have not reported, with their stage.
    assert set(desk) == EXPECTED - REPORTED
    assert desk["WAITS"]["stage"] == "submitted" and desk["NONE"]["stage"] == "none"
    assert me["IMPORT"]["stage"] == "imported" and me["ONLINE"]["stage"] == "approved"
    assert "本月参与评价、应报送 4 项" in desk_html
    assert "共 7 项任务" in desk_html  # the same total as the month's board


def test_the_desk_counts_as_many_tasks_as_the_board(june):
    from ducha.boards.publication import build_board

    summary = standing.tally(standing.month_standings(JUNE))
    board = build_board(JUNE)
    assert summary.total == len(board["tasks"])
    assert summary.expected == sum(t["rating"] is not None for t in board["tasks"])


def test_nothing_is_late_before_the_deadline_and_late_after_it(june, settings):
    before = page(june["reporter"], "/me/?month=2021-06")
    assert "逾期" not in before and "7月5日前报送" in before
    settings.DUCHA_TODAY = "2021-07-08"
    after = page(june["reporter"], "/me/?month=2021-06")
    late = re.findall(r'data-task="(\w+)"[^>]*>(?:(?!</tr>).)*逾期 3 天', after, re.S)
    assert set(late) == {"WAITS", "NONE"}


def test_the_reporter_is_asked_for_what_is_due_and_the_head_for_what_waits(june):
    reporter = page(june["reporter"], "/me/?month=2021-06")
    head = page(june["head"], "/me/?month=2021-06")
    todo = re.search(r'<section class="card todo".*?</section>', reporter, re.S).group(0)
    assert "NONE" in todo and "WAITS" not in todo and "IMPORT" not in todo
    todo = re.search(r'<section class="card todo".*?</section>', head, re.S).group(0)
    assert "WAITS" in todo and "NONE" not in todo


def test_a_report_returned_after_approval_is_not_reported_until_approved_again(june):
    report = Report.objects.get(task__code="ONLINE")
    workflow.return_report(report, june["office"], report.version, "补充材料")
    rows = standing.month_standings(JUNE)
    online = next(r for r in rows if r.task.code == "ONLINE")
    # The return undid the rows the approval wrote: June stands as before the report came.
    assert not online.reported and online.stage == "returned"
    assert online in standing.to_do(june["reporter"], rows)
    tally = standing.tally(rows)
    assert tally.reworking == 0 and tally.stages["returned"] == 1
    assert sum(tally.stages.values()) == tally.expected - tally.reported  # the parts add up
    check = page(june["office"], "/office/publication/?month=2021-06")
    assert "已退回修改、尚未重新报送" not in check


def test_a_returned_report_over_imported_rows_leaves_the_import_to_be_rated(june):
    task = Task.objects.get(code="IMPORT")
    report = workflow.open_report(task, JUNE)
    node = Node.objects.get(task=task)
    line = workflow.LineInput("in_progress", 60, None, "在线更正")
    workflow.save_report(
        report, june["reporter"], report.version, narrative="推进", problems="",
        next_steps="", lines={node.pk: line},
    )  # fmt: skip
    workflow.submit_report(report, june["reporter"], report.version)
    workflow.approve_report(report, june["head"], report.version)
    workflow.return_report(report, june["office"], report.version, "补充材料")
    rows = standing.month_standings(JUNE)
    imported = next(r for r in rows if r.task.code == "IMPORT")
    assert imported.reported and imported.stage == "returned"
    assert standing.tally(rows).reworking == 1
    check = page(june["office"], "/office/publication/?month=2021-06")
    assert "1 项已退回修改、尚未重新报送：发布将按原报送评价" in check
