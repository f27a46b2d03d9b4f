"""`ducha demo --no-serve`: seeds the Dezhou-2021 demo, idempotently, with published boards."""

import json

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count

from ducha.boards.models import Publication
from ducha.boards.publication import chain_filter, verify
from ducha.demo.seeding import DEMO_PASSWORD, DEMO_USERNAMES, demo_logins, strangers
from ducha.ledger.models import Cascade, Node, Progress, Task
from ducha.org.models import Jurisdiction, Unit, User


def counts():
    return (
        Task.objects.count(),
        Node.objects.count(),
        Progress.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        Publication.objects.count(),
        Cascade.objects.count(),
        Jurisdiction.objects.count(),
    )


def test_demo_seeds_the_city_and_its_counties_and_publishes_every_month_of_2021(demo_database, db):
    out = demo_database  # what `ducha demo --no-serve` printed
    assert "186 项任务" in out and f"密码均为 {DEMO_PASSWORD}" in out
    city = Task.objects.filter(jurisdiction__home=True)
    assert city.filter(source=Task.Source.PROVINCIAL).count() == 112
    assert city.filter(source=Task.Source.CITY).count() == 74
    assert Unit.objects.filter(jurisdiction__home=True, kind=Unit.Kind.COUNTY).count() == 13
    counties = Jurisdiction.objects.filter(parent__home=True)
    assert counties.count() == 13 and "13 个县市区" in out
    for place in [None, *counties]:
        chain = Publication.objects.filter(chain_filter(place))
        boards = {p.month.month: json.loads(p.snapshot) for p in chain}
        assert sorted(boards) == list(range(1, 13)), place
        icons = {m: {t["rating"] for t in board["tasks"]} for m, board in boards.items()}
        if place is None:  # the city's every month shows the four icons
            assert all({"horse", "ox", "ostrich", "snail"} <= i for i in icons.values()), icons
        else:  # a county's smaller ledger, over its year
            assert {"horse", "ox", "ostrich", "snail"} <= set().union(*icons.values()), place
    assert verify() == []
    # Every county keeps a ledger of 40 to 80 tasks, its own and the city's it took up.
    sizes = dict(
        Task.objects.filter(jurisdiction__in=counties)
        .values_list("jurisdiction__slug")
        .annotate(n=Count("pk"))
    )
    assert len(sizes) == 13 and all(40 <= n <= 80 for n in sizes.values()), sizes
    cascaded = Cascade.objects.filter(task__isnull=False)
    assert 50 <= cascaded.values("source").distinct().count() <= 75  # about a third of 186
    # The printed logins work, the county's office in its county.
    names = [line.split()[0] for line in out.split("登录账号")[1].splitlines()[1:] if line.strip()]
    assert names == list(DEMO_USERNAMES)
    for name in names:
        assert authenticate(username=name, password=DEMO_PASSWORD) is not None, name
    assert User.objects.get(username="reporter").unit == User.objects.get(username="head").unit
    assert User.objects.get(username="leader").leader is not None
    # Every unit has a mailbox, for January's reminders; 2021's digests filled none of them
    # (the demo's 交办事项, assigned on the demo date, are announced at the units' mailboxes).
    from ducha.notify.models import Delivery, UnitChannel

    assert UnitChannel.objects.count() == Unit.objects.count()
    emails = Delivery.objects.filter(channel="email")
    assert not emails.exclude(message__kind="assignment_issued").exists()
    county = User.objects.get(username="county")
    assert county.is_office and county.jurisdiction.slug == "decheng"
    assert county.unit.jurisdiction == county.jurisdiction


def test_the_counties_league_table_for_2021_has_a_top_and_a_bottom(demo_database, db, capsys):
    """The counties differ: the 2021 table spreads by more than ten points."""
    from ducha.demo.dezhou import generate

    call_command("scores", "--year", "2021", "--by", "county", "--format", "json")
    table = json.loads(capsys.readouterr().out)["counties"]
    assert {row["county"] for row in table} == set(
        Jurisdiction.objects.filter(parent__home=True).values_list("name", flat=True)
    )
    points = [float(row["score"]) for row in table]
    assert points == sorted(points, reverse=True) and points[0] - points[-1] > 10
    assert generate() == generate()  # pure: the same seed, the same city


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


def test_a_new_database_has_no_strangers(db):
    assert strangers() == []  # no accounts yet: nothing to protect


def test_the_demo_runs_again_over_its_own_accounts_only_and_changes_nothing(
    demo_database, db, capsys
):
    assert strangers() == []  # its printed logins and its story's unit people
    assert User.objects.filter(username__regex=r"^u[0-9]+-(reporter|head)$").exists()
    before = counts()
    snapshots = list(Publication.objects.values_list("sha256", flat=True))
    call_command("demo", "--no-serve")  # its own logins and story people: no refusal
    assert counts() == before
    assert list(Publication.objects.values_list("sha256", flat=True)) == snapshots
    assert "数据已是最新，未作改动" in capsys.readouterr().out
    User.objects.create_user("newcomer", password="pw-12345678")
    with pytest.raises(CommandError, match="newcomer"):
        call_command("demo", "--no-serve")


def test_the_demo_names_are_its_printed_logins():
    from ducha.demo.dezhou import generate

    assert tuple(login.username for login in demo_logins(generate(2021))) == DEMO_USERNAMES
