"""`ducha demo --no-serve`: seeds the Dezhou-2021 demo, idempotently, with published boards."""

import json

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from ducha.boards.models import Publication
from ducha.boards.publication import verify
from ducha.demo.seeding import DEMO_PASSWORD, DEMO_USERNAMES, demo_logins, strangers
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


# The demo touches only a database of its own (finding F16) -----------------------------


def test_the_demo_refuses_to_run_with_production_settings(db, settings):
    settings.DUCHA_PRODUCTION = True
    with pytest.raises(CommandError, match="DUCHA_PRODUCTION=1"):
        call_command("demo", "--no-serve")
    assert not Task.objects.exists() and not User.objects.exists()


def test_the_demo_refuses_a_database_that_holds_someone_elses_account(db):
    User.objects.create_user("zhangsan", password="his-own-secret", role=User.Role.OFFICE)
    with pytest.raises(CommandError, match="不属于演示的账号（zhangsan）"):
        call_command("demo", "--no-serve")
    assert not Task.objects.exists() and User.objects.count() == 1


def test_the_demo_leaves_a_real_account_with_a_demo_name_alone(db):
    """It used to make this real reporter the office's clerk, staff in the admin."""
    real = User.objects.create_user("office", password="a-real-password", role=User.Role.REPORTER)
    with pytest.raises(CommandError, match="（office）"):
        call_command("demo", "--no-serve")
    real.refresh_from_db()
    assert real.role == User.Role.REPORTER and not real.is_staff
    assert real.check_password("a-real-password")


def test_the_demo_runs_again_over_its_own_accounts_only(db, capsys):
    assert strangers() == []  # no accounts yet
    call_command("demo", "--no-serve")
    assert strangers() == []  # its six logins and its story's unit people
    assert User.objects.filter(username__regex=r"^u[0-9]+-(reporter|head)$").exists()
    call_command("demo", "--no-serve")  # its own logins and story people: no refusal
    User.objects.create_user("newcomer", password="pw-12345678")
    with pytest.raises(CommandError, match="newcomer"):
        call_command("demo", "--no-serve")


def test_the_demo_names_are_its_printed_logins():
    from ducha.demo.dezhou import generate

    assert tuple(login.username for login in demo_logins(generate(2021))) == DEMO_USERNAMES
