"""The accountability ladder: its conditions as a pure function, and the proposals it makes
over the demo's 2021 boards — checked against a second, independent reading of the boards
and, for one task, by hand."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction

from ducha.audit.models import AuditEntry
from ducha.boards.models import Publication
from ducha.boards.publication import posted
from ducha.desk.auditlog import describe
from ducha.lib.months import format_month, index, parse_month
from ducha.notify.models import Message
from ducha.org.models import Jurisdiction, User
from ducha.ratings.marks import HORSE, OSTRICH, OX, SNAIL
from ducha.supervision import conditions, ladder
from ducha.supervision.conditions import Node, Row, RuleSpec
from ducha.supervision.models import Interview, Notice, Proposal, Rule, Step

SN, OS, OK, HO = SNAIL.key, OSTRICH.key, OX.key, HORSE.key
MAY = index(dt.date(2021, 5, 1))


def history(*ratings, start=MAY, nodes=()):
    return {start + i: Row(r, tuple(nodes)) for i, r in enumerate(ratings)}


def fires(rule, hist, month) -> bool:
    return bool(conditions.fired([rule], hist, month))


# The conditions ---------------------------------------------------------------------------

TWO_SNAILS = RuleSpec(1, conditions.STREAK, SN, 2, Step.NOTICE)
THREE_IN_YEAR = RuleSpec(2, conditions.IN_YEAR, SN, 3, Step.INTERVIEW)
OVERDUE = RuleSpec(3, conditions.NODE_OVERDUE, "", 1, Step.NOTICE)


def test_a_streak_fires_when_it_reaches_n_and_again_each_n_months_it_lasts():
    hist = history(OK, SN, SN, SN, SN, SN)  # May ox, June to October snails
    assert [m - MAY for m in hist if fires(TWO_SNAILS, hist, m)] == [2, 4]
    (hit,) = conditions.fired([TWO_SNAILS], hist, MAY + 4)
    assert hit.reason == {
        "kind": "streak",
        "mark": "snail",
        "count": 4,
        "months": ["2021-06", "2021-07", "2021-08", "2021-09"],
    }


def test_a_month_not_published_or_not_rated_ends_a_streak():
    hist = history(SN, None, SN)
    assert not fires(TWO_SNAILS, hist, MAY + 2)
    gap = {MAY: Row(SN), MAY + 2: Row(SN)}  # June never published
    assert not fires(TWO_SNAILS, gap, MAY + 2)
    assert conditions.fired([TWO_SNAILS], history(SN, None), MAY + 1) == []


def test_three_in_a_year_counts_from_january_only():
    december = history(SN, SN, start=index(dt.date(2020, 11, 1)))
    january = december | {index(dt.date(2021, 1, 1)): Row(SN)}
    assert not fires(THREE_IN_YEAR, january, index(dt.date(2021, 1, 1)))
    spread = history(SN, OK, SN, OS, SN)  # May, July, September
    assert [m - MAY for m in spread if fires(THREE_IN_YEAR, spread, m)] == [4]


def test_a_node_more_than_a_month_overdue_fires_once_in_the_month_it_becomes_so():
    open_node = Node("N2", "完成试点", due=MAY, done=None)
    hist = history(SN, SN, SN, OS, nodes=[open_node])
    assert [m - MAY for m in hist if fires(OVERDUE, hist, m)] == [2]  # July
    done = Node("N2", "完成试点", due=MAY, done=MAY + 2)
    assert not fires(OVERDUE, history(SN, SN, OK, nodes=[done]), MAY + 2)


# The demo's 2021 -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_2021(django_db_setup, django_db_blocker):
    """The demo city's twelve boards of 2021, each read by the ladder as it was posted (the
    listener runs after a commit, which this rolled-back transaction never makes: the
    ladder is run here as `ducha tick` runs it)."""
    from ducha.demo.seeding import publish_demo_boards, seed_demo

    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        publish_demo_boards()
        city = Publication.objects.filter(jurisdiction__isnull=True).order_by("month")
        made = {p.month: ladder.run_ladder(p) for p in city}
        yield {"made": made, "publications": list(city)}
        transaction.set_rollback(True)


LETTER = {HO: "H", OK: "O", OS: "T", SN: "S", None: "."}


def _expected() -> set[tuple[str, str, str]]:
    """(task, month, step) as the default rules imply, read again from the posted boards by
    other means: each task's year as a string of letters, one a month (S for snail…)."""
    boards = {m: posted(dt.date(2021, m, 1)) for m in range(1, 13)}
    rows = {m: {r["task"]: r for r in b["tasks"]} for m, b in boards.items()}
    out = set()
    for code in rows[12]:
        year = "".join(LETTER[rows[m][code]["rating"]] for m in range(1, 13))
        for m in range(1, 13):
            if year[m - 1] == ".":
                continue
            month = f"2021-{m:02d}"
            upto = year[:m]
            snails = len(upto) - len(upto.rstrip("S"))
            ostriches = len(upto) - len(upto.rstrip("T"))
            overdue = any(
                node["done"] is None
                and (m - 1) - (parse_month(node["due"]).month - 1) == 2
                and node["due"].startswith("2021")
                for node in rows[m][code]["nodes"]
            )
            if (snails and snails % 2 == 0) or overdue:
                out.add((code, month, Step.NOTICE))
            if (snails and snails % 3 == 0) or (year[m - 1] == "S" and upto.count("S") % 3 == 0):
                out.add((code, month, Step.INTERVIEW))
            if ostriches and ostriches % 3 == 0:
                out.add((code, month, Step.REMINDER))
    return out


def _made() -> set[tuple[str, str, str]]:
    return {
        (p.task.code, format_month(p.month), p.step)
        for p in Proposal.objects.filter(jurisdiction__home=True).select_related("task")
    }


@pytest.mark.slow
def test_the_ladder_proposes_over_2021_what_its_default_rules_imply(demo_2021, db):
    assert _made() == _expected()
    assert sum(demo_2021["made"].values()) == len(_made()) > 50
    # Every step of the practice occurs in the demo's year.
    assert {step for _task, _month, step in _made()} == set(Step.values)


@pytest.mark.slow
def test_running_the_ladder_again_proposes_nothing_new(demo_2021, db):
    before = Proposal.objects.count()
    assert [ladder.run_ladder(p) for p in demo_2021["publications"]] == [0] * 12
    assert Proposal.objects.count() == before


@pytest.mark.slow
def test_one_task_checked_by_hand(demo_2021, db):
    """DZ2021-135 (创建大面积“吨半粮”生产示范市, led by 市农业农村局, leader 韩晓岚), as
    the twelve boards published it:

        month   1  2  3  4  5  6  7  8  9  10 11 12
        mark    O  O  O  O  S  S  S  T  S  O  S  O     (O ox, S snail, T ostrich)
        node N2 due 2021-05, done only in August.

    - June: the second snail in a row → a 督办通知 (two consecutive snails).
    - July: the third snail in a row, which is also the third of the year → one 约谈
      proposal carrying both rules; and N2, due in May and still open at the end of July,
      is more than a month overdue → a 督办通知.
    - August's ostrich is alone (no streak of three); September's and November's snails
      are each alone, and they are the year's fourth and fifth (not a multiple of three).
    So three proposals in all. Confirmed, they make two draft notices to 市农业农村局 and
    put 韩晓岚 with the task on the interview list.
    """
    found = Proposal.objects.filter(task__code="DZ2021-135", jurisdiction__home=True)
    assert sorted((format_month(p.month), p.step) for p in found) == [
        ("2021-06", "notice"),
        ("2021-07", "interview"),
        ("2021-07", "notice"),
    ]
    interview = found.get(step="interview")
    assert [(r["kind"], r["count"]) for r in interview.reason_list()] == [
        ("streak", 3),
        ("in_year", 3),
    ]
    assert interview.trigger_list() == [
        {"month": "2021-05", "rating": SN},
        {"month": "2021-06", "rating": SN},
        {"month": "2021-07", "rating": SN},
    ]
    overdue = found.get(step="notice", month=dt.date(2021, 7, 1))
    (reason,) = overdue.reason_list()
    assert reason["kind"] == "node_overdue"
    assert [n["code"] for n in reason["nodes"]] == ["N2"]

    office = next(u for u in User.objects.filter(jurisdiction__home=True) if u.is_office)
    for proposal in found:
        ladder.confirm(proposal, office)
    notices = Notice.objects.filter(task__code="DZ2021-135").order_by("pk")
    assert [(n.state, n.unit.name) for n in notices] == [("draft", "市农业农村局")] * 2
    listed = Interview.objects.filter(task__code="DZ2021-135")
    assert [(i.leader.name, format_month(i.month)) for i in listed] == [("韩晓岚", "2021-07")]


@pytest.mark.slow
def test_the_office_is_told_once_per_board_and_the_run_is_audited(demo_2021, db):
    entries = AuditEntry.objects.filter(action="ladder_proposed")
    assert entries.count() == sum(1 for n in demo_2021["made"].values() if n)
    june = entries.get(month=dt.date(2021, 6, 1))
    assert re.search(r"2021年6月 公示提出了 \d+ 条问责建议", describe(june).sentence)
    messages = Message.objects.filter(kind="ladder_proposed")
    assert messages.count() == entries.count()


@pytest.mark.slow
def test_a_rule_turned_off_proposes_nothing(demo_2021, db):
    home = Jurisdiction.objects.home()
    Rule.objects.filter(jurisdiction=home).update(active=False)
    Proposal.objects.all().delete()
    assert ladder.run_ladder(demo_2021["publications"][6]) == 0


@pytest.mark.slow
def test_confirmed_the_proposals_make_the_notices_and_the_interview_list_they_imply(demo_2021, db):
    """Every proposal of the year confirmed: one draft notice per 督办 proposal, to the task's
    lead unit; each 约谈 proposal puts each of the task's leaders on the list."""
    from ducha.ledger.models import Task

    office = next(u for u in User.objects.filter(jurisdiction__home=True) if u.is_office)
    expected = _expected()
    for proposal in Proposal.objects.filter(step__in=["notice", "interview"]):
        ladder.confirm(proposal, office)
    drafted = {
        (n.task.code, format_month(n.proposal.month), n.unit.name)
        for n in Notice.objects.select_related("task", "proposal", "unit")
    }
    tasks = {t.code: t for t in Task.objects.filter(jurisdiction__home=True).with_co_units()}
    assert drafted == {
        (code, month, tasks[code].lead_unit.name)
        for code, month, step in expected
        if step == Step.NOTICE
    }
    listed = {
        (i.leader.name, i.task.code, format_month(i.month))
        for i in Interview.objects.select_related("leader", "task")
    }
    assert listed == {
        (leader, code, month)
        for code, month, step in expected
        if step == Step.INTERVIEW
        for leader in tasks[code].leader_names()
    }
    assert Notice.objects.filter(state="draft").count() == len(drafted)
