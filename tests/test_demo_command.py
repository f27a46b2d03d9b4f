"""`ducha demo --no-serve`: seeds the Dezhou-2021 demo, idempotently, with published boards."""

import json

from django.contrib.auth import authenticate
from django.core.management import call_command

from ducha.boards.models import Publication
from ducha.boards.publication import verify
from ducha.demo.seeding import DEMO_PASSWORD
from ducha.ledger.models import Node, Progress, Task
from ducha.org.models import Unit, User


def counts():
    return (
        Task.objects.count(),
        Node.objects.count(),
        Progress.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        Publication.objects.count(),
    )


def test_demo_seeds_186_tasks_and_publishes_every_month_of_2021(db, capsys):
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    assert "186 项任务" in out and f"密码均为 {DEMO_PASSWORD}" in out
    assert Task.objects.filter(source=Task.Source.PROVINCIAL).count() == 112
    assert Task.objects.filter(source=Task.Source.CITY).count() == 74
    assert Unit.objects.filter(kind=Unit.Kind.COUNTY).count() == 13
    boards = {p.month.month: json.loads(p.snapshot) for p in Publication.objects.all()}
    assert sorted(boards) == list(range(1, 13))
    for month, board in boards.items():
        icons = {t["rating"] for t in board["tasks"]}
        assert {"horse", "ox", "ostrich", "snail"} <= icons, month
    assert verify() == []


def test_running_the_demo_twice_changes_nothing(db, capsys):
    call_command("demo", "--no-serve")
    before = counts()
    snapshots = list(Publication.objects.values_list("sha256", flat=True))
    call_command("demo", "--no-serve")
    assert counts() == before
    assert list(Publication.objects.values_list("sha256", flat=True)) == snapshots
    assert "数据已是最新，未作改动" in capsys.readouterr().out


def test_every_printed_login_works(db, capsys):
    call_command("demo", "--no-serve")
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.split("登录账号")[1].splitlines()[1:] if line.strip()]
    assert names == ["admin", "office", "reporter", "head", "leader", "auditor"]
    for name in names:
        assert authenticate(username=name, password=DEMO_PASSWORD) is not None, name
    assert User.objects.get(username="reporter").unit == User.objects.get(username="head").unit
    assert User.objects.get(username="leader").leader is not None
