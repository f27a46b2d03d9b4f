"""`ducha province-data`: the province data set (ducha/demo/province.py), at a hundredth of
its size, and a tick that publishes December for every one of its jurisdictions."""

import datetime as dt
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Max, Min

from ducha.boards.models import Publication
from ducha.demo import province
from ducha.ledger.checks import progress_problems
from ducha.ledger.models import CoUnit, ImportRun, Node, Progress, Task
from ducha.lib import clock
from ducha.org.models import Jurisdiction, Leader, Unit

SCALE = 0.01
TICK_AT = "2022-01-10T09:00"


@pytest.fixture
def seeded(areas, capsys):
    call_command("province_data", "--scale", str(SCALE))
    return capsys.readouterr().out


def test_the_counts_scale_and_the_tree_does_not():
    full, tiny = province.places(), province.places(scale=SCALE)
    assert sum(p.tasks for p in full) == province.TASKS == 45_000
    assert sum(p.tasks for p in tiny) == 450
    assert [(p.slug, p.name, p.parent) for p in full] == [(p.slug, p.name, p.parent) for p in tiny]
    assert all(p.tasks >= 1 for p in tiny)
    assert max(full, key=lambda p: p.tasks).level == "province"


def test_the_same_seed_gives_the_same_province():
    tree = province.places(7, SCALE)
    assert tree == province.places(7, SCALE)
    assert tree != province.places(8, SCALE)
    county = next(p for p in tree if p.level == "county")
    assert province.ledger(county, 7) == province.ledger(county, 7)


def test_the_home_city_is_one_of_the_sixteen_under_the_province(seeded, settings):
    home = Jurisdiction.objects.home()
    assert (home.slug, home.name, home.level) == (
        settings.DUCHA_HOME_JURISDICTION,
        settings.DUCHA_CITY,
        "city",
    )
    levels = Counter(Jurisdiction.objects.values_list("level", flat=True))
    assert levels == {"province": 1, "city": 16, "county": province.COUNTIES}
    shandong = Jurisdiction.objects.get(level="province")
    assert shandong.parent is None and not shandong.home
    assert home.parent == shandong
    cities = Jurisdiction.objects.filter(level="city")
    assert set(cities.values_list("parent", flat=True)) == {shandong.pk}
    counties = Jurisdiction.objects.filter(level="county")
    assert set(counties.values_list("parent__level", flat=True)) == {"city"}
    per_city = cities.annotate(n=Count("children")).aggregate(low=Min("n"), high=Max("n"))
    low, high = province.COUNTIES_PER_CITY
    assert low <= per_city["low"] < per_city["high"] <= high  # 5 to 13, unevenly
    assert "1 个省、16 个市、130 个县市区" in seeded
    assert "450 项任务" in seeded


def test_every_jurisdiction_has_its_own_units_leaders_and_tasks(seeded):
    for model in (Task, Unit, Leader):
        mine = model.objects.values("jurisdiction").annotate(n=Count("id"))
        assert mine.count() == Jurisdiction.objects.count()
    assert Task.objects.count() == 450
    assert 3.4 <= Node.objects.count() / 450 <= 4.2
    assert not Task.objects.exclude(lead_unit__jurisdiction=F("jurisdiction")).exists()
    assert not Task.objects.exclude(leader__jurisdiction=F("jurisdiction")).exists()
    assert not CoUnit.objects.exclude(unit__jurisdiction=F("task__jurisdiction")).exists()
    # A city's counties lead some of its tasks, as Dezhou's do.
    assert Unit.objects.filter(kind="county", jurisdiction__level="city").count() == 130


def test_progress_rows_are_what_the_importer_would_have_stored(seeded):
    rows = list(
        Progress.objects.values_list(
            "task_id", "node__task_id", "month", "status", "done_on", "percent", "import_run_id"
        )
    )
    assert len(rows) > 4 * 450
    for task, node_task, month, status, done_on, percent, run in rows:
        assert task == node_task
        assert dt.date(2021, 1, 1) <= month <= dt.date(2021, 12, 1)
        assert progress_problems(status, month, done_on, percent) == []
        assert status != "done" or percent == 100
        assert run is not None
    assert set(Progress.objects.order_by().values_list("origin", flat=True).distinct()) == {
        "import"
    }
    runs = ImportRun.objects.values_list("kind").annotate(n=Count("id"))
    assert dict(runs) == {"ledger": 147, "progress": 147}
    # Once done, a node is not reported again.
    done = dict(
        Progress.objects.filter(status="done").values_list("node").annotate(first=Min("month"))
    )
    later = [n for n, m in Progress.objects.values_list("node", "month") if m > done.get(n, m)]
    assert later == []


def test_the_tick_publishes_december_once_for_every_jurisdiction_and_verify_passes(
    seeded, settings, capsys
):
    settings.DUCHA_PUBLISH_LOOKBACK = 1  # December alone, not October and November too
    with clock.frozen(dt.datetime.fromisoformat(TICK_AT)):
        call_command("tick", "--now", TICK_AT)
        call_command("tick", "--now", TICK_AT)
    out = capsys.readouterr().out
    assert out.count("2021年12月：已自动发布") == 147
    assert out.strip().endswith("没有到期的工作")
    published = Publication.objects.all()
    assert {(p.month, p.version, p.kind) for p in published} == {
        (dt.date(2021, 12, 1), 1, "scheduled")
    }
    # The home chain's boards are stored without a jurisdiction, as before there were several.
    owners = Counter(published.values_list("jurisdiction__slug", flat=True))
    others = Jurisdiction.objects.filter(home=False).values_list("slug", flat=True)
    assert owners == {None: 1, **dict.fromkeys(others, 1)}
    call_command("verify")
    assert "核验通过：147 条发布（147 条发布链）" in capsys.readouterr().out


def test_it_writes_into_an_empty_ledger_only(seeded):
    with pytest.raises(CommandError, match="只写入空数据库"):
        call_command("province_data", "--scale", str(SCALE))
    assert Task.objects.count() == 450


def test_it_refuses_to_run_in_production(areas, settings):
    settings.DUCHA_PRODUCTION = True
    with pytest.raises(CommandError, match="DUCHA_PRODUCTION"):
        call_command("province_data", "--scale", str(SCALE))
    assert not Task.objects.exists()
