"""共同牵头: a task with several lead units and several leaders (SPEC.md §5).

The first lead unit files the monthly report; every lead unit counts the task's rating in
its own score, and sees the task; a single-lead ledger's board is the document it was."""

import datetime as dt

import pytest

from ducha.assessment.scores import scores
from ducha.boards.publication import build_board
from ducha.ledger.exporting import export_ledger
from ducha.ledger.importing import import_ledger
from ducha.ledger.layout import Options
from ducha.ledger.models import Task
from ducha.org.models import Unit
from tests.helpers import LEDGER_HEADER, ledger_row, sign_in_fully, write_csv

JUNE = dt.date(2021, 6, 1)


@pytest.fixture
def joint(cycle, tmp_path):
    both = {"牵头单位": "市工业和信息化局、市财政局", "分管市领导": "赵明、钱红"}
    rows = [
        ledger_row(code="T-1", node="N1", due="2021-06", **both),
        ledger_row(code="T-1", node="N2", due="2021-09", **both),
    ]
    import_ledger(write_csv(tmp_path / "joint.csv", LEDGER_HEADER, rows))
    return cycle


def test_the_ledger_keeps_every_lead_unit_and_leader_in_order(joint):
    task = Task.objects.get(code="T-1")
    assert task.lead_unit_names() == ["市工业和信息化局", "市财政局"]
    assert task.leader_names() == ["赵明", "钱红"]
    assert task.lead_unit.name == "市工业和信息化局"


def test_each_lead_unit_counts_the_rating_in_its_own_score(joint):
    board = build_board(JUNE)
    row = next(r for r in board["tasks"] if r["task"] == "T-1")
    assert row["lead_units"] == ["市工业和信息化局", "市财政局"]
    assert row["leaders"] == ["赵明", "钱红"]
    rated = {u["unit"]: u["horse"] + u["ox"] + u["ostrich"] + u["snail"] for u in board["units"]}
    # 市财政局 has its own T-2 and counts the jointly led T-1 as well.
    t2 = next(r for r in board["tasks"] if r["task"] == "T-2")
    assert rated["市工业和信息化局"] == (row["rating"] is not None)
    assert rated["市财政局"] == (row["rating"] is not None) + (t2["rating"] is not None)
    by_leader = {s.name: s.rated for s in scores(2021, by="leader", today=dt.date(2021, 7, 3))}
    assert by_leader.get("钱红", 0) >= by_leader.get("赵明", 0)


def test_a_single_lead_row_has_no_joint_keys(cycle):
    row = next(r for r in build_board(JUNE)["tasks"] if r["task"] == "T-2")
    assert "lead_units" not in row and "leaders" not in row


def test_a_joint_lead_unit_sees_the_task_but_the_first_files_the_report(joint, client):
    sign_in_fully(client, joint["other_reporter"])
    page = client.get("/me/").content.decode()
    assert "T-1" in page and "T-2" in page
    assert not joint["other_reporter"].leads(Task.objects.get(code="T-1"))
    assert joint["reporter"].leads(Task.objects.get(code="T-1"))


def test_the_export_writes_every_lead_unit_and_imports_back_unchanged(joint, tmp_path):
    export_ledger(tmp_path / "out.xlsx")
    units = Unit.objects.count()
    summary = import_ledger(tmp_path / "out.xlsx", options=Options())
    assert not summary.changed, summary.lines()
    assert Unit.objects.count() == units
    assert Task.objects.get(code="T-1").lead_unit_names() == ["市工业和信息化局", "市财政局"]


def test_the_public_task_page_names_every_lead_unit(joint, client):
    page = client.get("/tasks/T-1/").content.decode()
    assert "市工业和信息化局、市财政局" in page
    assert "赵明、钱红" in page
