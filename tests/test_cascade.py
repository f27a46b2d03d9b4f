"""The cascade (一竿子插到底): the city pushes a task down to its counties, each county's office
takes it up with its own lead unit and leader and deadlines no later than the city's, reports
on it and publishes; the city's task page shows the county grid and the city office reads the
reconciliation lists."""

import datetime as dt
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.audit.models import AuditEntry
from ducha.boards import cascades
from ducha.boards.publication import publish
from ducha.ledger import cascade
from ducha.ledger.models import Cascade, Node, Progress, Task
from ducha.org.models import Jurisdiction, Leader, Unit, User
from tests.conftest import PASSWORD

MAY, JUNE, AUGUST, SEPTEMBER = (dt.date(2021, m, 1) for m in (5, 6, 8, 9))
OCTOBER = dt.date(2021, 10, 1)
JULY_10 = dt.datetime(2021, 7, 10, 9, tzinfo=dt.UTC)
NAMES = {"horse": "骏马", "ox": "黄牛", "ostrich": "鸵鸟", "snail": "蜗牛", None: "不评价"}
COUNTIES = [("dc", "德城区"), ("ll", "陵城区"), ("yc", "禹城市"), ("qy", "庆云县")]
LATER = "节点 N2 的完成时限 2021年10月 晚于市级的 2021年9月：县级只能提前，不能推后"


@pytest.fixture
def world(cycle):
    """The city (home) with T-1 (N1 due 2021-06, N2 due 2021-09) and T-2, four counties
    below it, each with a unit, a leader and an office clerk, and a county of another city."""
    home = Jurisdiction.objects.home()
    out = dict(cycle) | {"home": home, "counties": {}, "offices": {}, "units": {}, "leaders": {}}
    for order, (slug, name) in enumerate(COUNTIES):
        county = Jurisdiction.objects.create(
            slug=slug, name=name, level=Jurisdiction.Level.COUNTY, parent=home, order=order
        )
        out["counties"][slug] = county
        out["units"][slug] = Unit.objects.create(jurisdiction=county, name=f"{name}发展改革局")
        out["leaders"][slug] = Leader.objects.create(jurisdiction=county, name=f"{name}副县长")
        out["offices"][slug] = User.objects.create_user(
            f"office-{slug}", password=PASSWORD, role=User.Role.OFFICE, jurisdiction=county
        )
    other_city = Jurisdiction.objects.create(slug="jn", name="济南市")
    out["stray"] = Jurisdiction.objects.create(
        slug="lx", name="历下区", level=Jurisdiction.Level.COUNTY, parent=other_city
    )
    return out


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def accept_form(world, slug, **dues) -> dict:
    data = {"lead_unit": world["units"][slug].pk, "leader": world["leaders"][slug].pk}
    for code, month in dues.items():
        node = world["t1"].nodes.get(code=code)
        data[f"due-{node.pk}"] = month
    return data


def pushed(world, task="t1", to=("dc", "ll", "yc")) -> dict[str, Cascade]:
    cascades = cascade.push(world[task], [world["counties"][s] for s in to])
    return {c.jurisdiction.slug: c for c in cascades}


def take_up(world, c: Cascade, **nodes) -> Task:
    slug = c.jurisdiction.slug
    return cascade.accept(c, world["units"][slug], world["leaders"][slug], nodes=nodes)


def report(task: Task, month: dt.date, **states):
    """Progress rows for `month`: N1="done" (done in the month), or ("in_progress", 40)."""
    for code, state in states.items():
        status, percent = state if isinstance(state, tuple) else (state, None)
        Progress.objects.create(
            task=task,
            node=task.nodes.get(code=code),
            month=month,
            status=status,
            percent=percent,
            done_on=month.replace(day=20) if status == "done" else None,
        )


def grid_cells(html: str, slug: str) -> list[tuple[str, str]]:
    """(cell class, mark name or text) of each month in a county's row of the grid."""
    row = re.search(rf'<tr class="county-row[^"]*" id="county-{slug}">(.*?)</tr>', html, re.S)
    assert row, f"no grid row for {slug}"
    cells = re.findall(r'<td class="grid-cell cell-([\w-]+)"[^>]*>(.*?)</td>', row[1], re.S)
    out = []
    for key, body in cells:
        name = re.search(r'<span class="mark-name">(.*?)</span>', body)
        out.append((key, name[1] if name else re.sub(r"<[^>]+>", "", body).strip()))
    return out


# The whole way through -------------------------------------------------------------------


def test_a_city_task_pushed_to_three_counties_is_taken_up_reported_and_shown_on_its_page(world):
    city = signed_in(world["office"])
    response = city.post(
        "/office/cascade/push/", {"task": "T-1", "county": ["dc", "ll", "yc", "qy"]}
    )
    assert response.status_code == 302
    assert set(
        Cascade.objects.filter(source=world["t1"]).values_list("jurisdiction__slug", flat=True)
    ) == {"dc", "ll", "yc", "qy"}

    # Three counties take it up, each as its own office; 庆云县 does not (yet).
    for slug, dues in (("dc", {}), ("ll", {"N2": "2021-08"}), ("yc", {})):
        county = signed_in(world["offices"][slug])
        inbox = county.get("/office/cascade/inbox/").content.decode()
        assert "T-1" in inbox and world["units"][slug].name in inbox
        response = county.post(
            f"/office/cascade/{Cascade.objects.get(jurisdiction__slug=slug).pk}/accept/",
            accept_form(world, slug, **dues),
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    tasks = {
        c.jurisdiction.slug: c.task
        for c in Cascade.objects.filter(source=world["t1"]).select_related("task", "jurisdiction")
    }
    assert tasks["qy"] is None
    for slug in ("dc", "ll", "yc"):
        task = tasks[slug]
        assert (task.jurisdiction.slug, task.code, task.title) == (slug, "T-1", world["t1"].title)
        assert (task.area, task.source) == (world["t1"].area, world["t1"].source)
        assert (task.lead_unit, task.leader) == (world["units"][slug], world["leaders"][slug])
    dues = {slug: dict(tasks[slug].nodes.values_list("code", "due_month")) for slug in ("dc", "ll")}
    assert dues["dc"] == {"N1": JUNE, "N2": SEPTEMBER}  # copied from the city's
    assert dues["ll"] == {"N1": JUNE, "N2": AUGUST}  # 陵城区 tightened N2

    # Each reports June and publishes its own board; the city publishes too.
    report(tasks["dc"], JUNE, N1="done", N2="done")  # N2 three months early: horse
    report(tasks["ll"], JUNE, N1="done", N2=("in_progress", 40))  # N1 on time: ox
    report(tasks["yc"], JUNE, N1=("in_progress", 50))  # N1 overdue, some progress: ostrich
    report(world["t1"], JUNE, N1="done")
    for slug in ("dc", "ll", "yc"):
        publish(JUNE, jurisdiction=world["counties"][slug], now=JULY_10)
    publish(JUNE, now=JULY_10)
    html = Client().get("/tasks/T-1/").content.decode()
    assert "县市区落实情况" in html
    assert grid_cells(html, "dc") == [("horse", NAMES["horse"])]
    assert grid_cells(html, "ll") == [("ox", NAMES["ox"])]
    assert grid_cells(html, "yc") == [("ostrich", NAMES["ostrich"])]
    assert grid_cells(html, "qy") == [("not-accepted", "尚未承接")]
    assert "尚未承接：庆云县" in html
    for slug in ("dc", "ll", "yc"):
        assert f'href="/j/{slug}/tasks/T-1/"' in html
    assert html.count('<use href="#mark-') == 3  # one drawn mark per county cell


def test_the_grid_reads_each_countys_published_board_and_leaves_its_other_months_blank(world):
    c = pushed(world)
    tasks = {slug: take_up(world, c[slug]) for slug in c}
    report(tasks["dc"], JUNE, N1="done")
    publish(JUNE, jurisdiction=world["counties"]["dc"], now=JULY_10)
    publish(MAY, now=JULY_10)
    publish(JUNE, now=JULY_10)
    html = Client().get("/tasks/T-1/").content.decode()
    # 德城区 published June only; 禹城市 has published nothing, whatever stands in its ledger.
    report(tasks["yc"], JUNE, N1="done")
    assert grid_cells(html, "dc") == [("unpublished", "未公示"), ("ox", NAMES["ox"])]
    assert grid_cells(html, "yc") == [("unpublished", "未公示"), ("unpublished", "未公示")]


def test_the_grid_costs_two_queries_for_one_county_as_for_three(world):
    publish(JUNE, now=JULY_10)
    signed = signed_in(world["auditor"])  # signed in: the page cache steps aside

    def cost() -> int:
        signed.get("/tasks/T-1/")  # the boards read once, then cached under their hashes
        with CaptureQueriesContext(connection) as queries:
            assert signed.get("/tasks/T-1/").status_code == 200
        return len(queries)

    counts = [cost()]
    for to in (("dc",), ("ll", "yc")):
        for c in pushed(world, to=to).values():
            report(take_up(world, c), JUNE, N1="done")
            publish(JUNE, jurisdiction=c.jurisdiction, now=JULY_10)
        counts.append(cost())
    # The cascades with their counties and tasks; the counties' publications.
    assert counts == [counts[0], counts[0] + 2, counts[0] + 2]


def test_a_task_never_pushed_down_has_no_grid(world):
    publish(JUNE, now=JULY_10)
    assert "县市区落实情况" not in Client().get("/tasks/T-1/").content.decode()


# Deadlines: tighten, never loosen ----------------------------------------------------------


def test_a_county_setting_a_node_later_than_the_city_gets_a_clear_error_and_keeps_its_input(
    world,
):
    c = pushed(world)["dc"]
    county = signed_in(world["offices"]["dc"])
    data = accept_form(world, "dc", N1="2021-05", N2="2021-10")
    response = county.post(f"/office/cascade/{c.pk}/accept/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert LATER in html
    # What was typed is kept: the chosen unit and leader, both months.
    assert re.search(rf'<option value="{world["units"]["dc"].pk}" selected>', html)
    assert re.search(rf'<option value="{world["leaders"]["dc"].pk}" selected>', html)
    assert 'value="2021-05"' in html and 'value="2021-10"' in html
    c.refresh_from_db()
    assert c.task is None and not Task.objects.filter(jurisdiction__slug="dc").exists()


def test_accept_refuses_a_later_deadline_and_takes_an_earlier_one(world):
    c = pushed(world)["dc"]
    with pytest.raises(cascade.CascadeError) as refused:
        take_up(world, c, N2=OCTOBER)
    assert str(refused.value) == LATER
    assert refused.value.fields == {"N2": LATER}
    assert not Task.objects.filter(jurisdiction__slug="dc").exists()
    task = take_up(world, c, N1=MAY, N2=SEPTEMBER)  # earlier, and the same month
    assert dict(task.nodes.values_list("code", "due_month")) == {"N1": MAY, "N2": SEPTEMBER}


def test_accept_refuses_a_unit_or_leader_of_another_jurisdiction_and_a_second_time(world):
    c = pushed(world)["dc"]
    with pytest.raises(cascade.CascadeError) as refused:
        cascade.accept(c, world["units"]["ll"], world["t1"].leader)
    assert set(refused.value.fields) == {"lead_unit", "leader"}
    assert "不是德城区的单位" in refused.value.fields["lead_unit"]
    take_up(world, c)
    with pytest.raises(cascade.CascadeError, match="德城区已承接任务 T-1"):
        take_up(world, c)


def test_the_importers_check_names_each_node_later_than_the_citys(world):
    dc, ll = world["counties"]["dc"], world["counties"]["ll"]
    pushed(world, to=("dc",))
    # Later than the city's: named; the same month, an earlier one, and a node the county
    # added: nothing.
    given = {"N1": JUNE, "N2": dt.date(2021, 10, 31), "N9": dt.date(2022, 3, 1)}
    assert cascade.deadline_problems("T-1", dc, given) == [("N2", LATER)]
    assert cascade.deadline_problems("T-1", dc, {"N1": MAY, "N2": SEPTEMBER}) == []
    # Not pushed to 陵城区, and T-2 not pushed at all: a county's own tasks are its own.
    assert cascade.deadline_problems("T-1", ll, given) == []
    assert cascade.deadline_problems("T-2", dc, {"N1": dt.date(2030, 1, 1)}) == []
    many = cascade.deadline_problems_of(dc, {"T-1": given, "T-2": {"N1": OCTOBER}})
    assert many == {"T-1": [("N2", LATER)]}


# Who may do what ---------------------------------------------------------------------------


def test_a_county_office_cannot_accept_another_countys_cascade_nor_the_city_its_own(world):
    c = pushed(world, to=("dc",))["dc"]
    url = f"/office/cascade/{c.pk}/accept/"
    for who in (world["offices"]["ll"], world["office"]):
        response = signed_in(who).post(url, accept_form(world, "dc"))
        assert response.status_code == 404
    assert signed_in(world["reporter"]).post(url, accept_form(world, "dc")).status_code == 403
    assert Client().post(url, accept_form(world, "dc")).status_code == 302  # to sign in
    # Nor does another county's inbox list it.
    assert (
        "T-1"
        not in signed_in(world["offices"]["ll"]).get("/office/cascade/inbox/").content.decode()
    )
    c.refresh_from_db()
    assert c.task is None and not Task.objects.filter(jurisdiction__slug="dc").exists()


def test_a_county_cannot_choose_a_unit_of_another_county(world):
    c = pushed(world)["dc"]
    data = accept_form(world, "dc") | {"lead_unit": world["units"]["ll"].pk}
    response = signed_in(world["offices"]["dc"]).post(f"/office/cascade/{c.pk}/accept/", data)
    assert response.status_code == 400 and "请选择牵头单位" in response.content.decode()
    assert not Task.objects.filter(jurisdiction__slug="dc").exists()


def test_nobody_pushes_a_task_of_another_jurisdiction(world):
    # A county's office names the city's task: not in its ledger, not found.
    county = signed_in(world["offices"]["dc"])
    assert county.post("/office/cascade/push/", {"task": "T-1", "all": "1"}).status_code == 404
    # The city's office names a county that is not its own.
    city = signed_in(world["office"])
    response = city.post("/office/cascade/push/", {"task": "T-1", "county": ["dc", "lx"]})
    assert response.status_code == 400
    assert "只能下达到本级直属的下级辖区" in response.content.decode()
    with pytest.raises(cascade.CascadeError, match="「历下区」不是德州市的下级辖区"):
        cascade.push(world["t1"], [world["stray"]])
    assert (
        signed_in(world["reporter"])
        .post("/office/cascade/push/", {"task": "T-1", "all": "1"})
        .status_code
        == 403
    )
    assert not Cascade.objects.exists()


def test_a_push_without_a_task_or_county_is_refused_keeping_the_choice(world):
    city = signed_in(world["office"])
    response = city.post("/office/cascade/push/", {"task": "T-1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请选择下达到哪些县市区" in html
    assert re.search(r'name="task" value="T-1"[^>]*checked', html)
    response = city.post("/office/cascade/push/", {"county": ["dc"]})
    assert response.status_code == 400 and "请选择要下达的任务" in response.content.decode()
    assert not Cascade.objects.exists()


def test_pushing_again_changes_nothing_and_each_push_is_audited_once(world):
    city = signed_in(world["office"])
    before = AuditEntry.objects.count()
    for _ in range(2):
        response = city.post("/office/cascade/push/", {"task": ["T-1", "T-2"], "all": "1"})
        assert response.status_code == 302
    assert Cascade.objects.count() == 2 * len(COUNTIES)
    entries = AuditEntry.objects.order_by("seq")[before:]
    assert [(e.action, e.task_code) for e in entries] == [
        (cascade.PUSHED, "T-1"),
        (cascade.PUSHED, "T-2"),
    ]
    assert entries[0].actor == world["office"]
    assert json.loads(entries[0].detail)["to"] == [slug for slug, _ in COUNTIES]


def test_taking_up_is_audited_with_the_countys_choices(world):
    c = pushed(world)["ll"]
    signed_in(world["offices"]["ll"]).post(
        f"/office/cascade/{c.pk}/accept/", accept_form(world, "ll", N2="2021-08")
    )
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == cascade.ACCEPTED
    assert entry.actor == world["offices"]["ll"] and entry.task_code == "T-1"
    detail = json.loads(entry.detail)
    assert detail["tightened"] == {"N2": "2021-08"} and detail["jurisdiction"] == "ll"
    c.refresh_from_db()
    assert c.accepted_by == world["offices"]["ll"] and c.accepted_at is not None


def test_no_get_writes_anything(world):
    c = pushed(world)["dc"]

    def state():
        return (
            Cascade.objects.count(),
            Task.objects.count(),
            Node.objects.count(),
            AuditEntry.objects.count(),
            Cascade.objects.filter(task__isnull=False).count(),
        )

    before = state()
    city, county = signed_in(world["office"]), signed_in(world["offices"]["dc"])
    assert city.get("/office/cascade/").status_code == 200
    assert county.get("/office/cascade/inbox/").status_code == 200
    assert city.get("/office/cascade/push/?task=T-1&all=1").status_code == 405
    assert county.get(f"/office/cascade/{c.pk}/accept/").status_code == 405
    assert state() == before


# Reconciliation ----------------------------------------------------------------------------


@pytest.fixture
def reconciled(world):
    """T-1 pushed to four counties, three take it up and report June; T-2 pushed to
    德城区, which took it up and then dropped its nodes. The city reports N1 done in June."""
    c = pushed(world, to=("dc", "ll", "yc", "qy"))
    tasks = {slug: take_up(world, c[slug]) for slug in ("dc", "ll", "yc")}
    report(tasks["dc"], JUNE, N1="done", N2="done")  # horse
    report(tasks["ll"], JUNE, N1="done")  # ox
    report(tasks["yc"], JUNE, N1=("in_progress", 50))  # ostrich, N1 not done
    report(world["t1"], JUNE, N1="done")  # ox
    other = pushed(world, task="t2", to=("dc",))["dc"]
    cascade.accept(other, world["units"]["dc"], world["leaders"]["dc"]).nodes.all().delete()
    return world | {"cascades": c, "tasks": tasks}


def test_the_lists_name_what_was_not_taken_up_and_what_has_no_nodes(reconciled):
    waiting = cascades.pushed_not_accepted()
    assert [(c.source.code, c.jurisdiction.slug) for c in waiting] == [("T-1", "qy")]
    empty = cascades.accepted_without_nodes()
    assert [(c.source.code, c.jurisdiction.slug) for c in empty] == [("T-2", "dc")]
    # Another city's lists are its own.
    assert cascades.pushed_not_accepted(reconciled["stray"].parent) == []


@pytest.mark.parametrize("published", [False, True])
def test_a_county_is_behind_when_slow_while_the_city_is_on_track_or_a_done_node_is_not(
    reconciled, published
):
    if published:  # the boards' word, once each has published
        for slug in ("dc", "ll", "yc"):
            publish(JUNE, jurisdiction=reconciled["counties"][slug], now=JULY_10)
        publish(JUNE, now=JULY_10)
    behind = cascades.behind_city(JUNE)
    assert [(b.cascade.jurisdiction.slug, b.cascade.source.code) for b in behind] == [("yc", "T-1")]
    (b,) = behind
    assert (b.rating, b.city_rating, b.by_rating, b.nodes) == ("ostrich", "ox", True, ["N1"])
    assert b.reasons == ["市级评价良好，县级评价落后", "节点 N1 市级已完成，县级尚未完成"]


def test_a_county_is_behind_on_a_node_the_city_finished_early(reconciled):
    report(reconciled["t1"], JUNE.replace(month=7), N2="done")  # the city: N2 in July
    report(reconciled["tasks"]["ll"], JUNE.replace(month=7), N2=("in_progress", 60))
    behind = {b.cascade.jurisdiction.slug: b for b in cascades.behind_city(JUNE.replace(month=7))}
    assert behind["ll"].nodes == ["N2"] and not behind["ll"].by_rating
    assert "dc" not in behind  # finished N2 in June


def test_the_city_office_page_shows_the_tasks_and_the_three_lists(reconciled):
    html = signed_in(reconciled["office"]).get("/office/cascade/?month=2021-06").content.decode()
    assert re.search(r'id="task-T-1">.*?class="pushed">4 / 3<', html, re.S)
    not_accepted = html.split('id="not-accepted"')[1].split("</section>")[0]
    assert "庆云县" in not_accepted and "德城区" not in not_accepted
    without = html.split('id="without-nodes"')[1].split("</section>")[0]
    assert "T-2" in without and "德城区" in without
    behind = html.split('id="behind"')[1].split("</section>")[0]
    assert "禹城市" in behind and "陵城区" not in behind
    assert f'<span class="mark-name">{NAMES["ostrich"]}</span>' in behind
    assert "节点 N1 市级已完成，县级尚未完成" in behind
    for slug, name in COUNTIES:  # the push form offers every county
        assert f'name="county" value="{slug}"' in html and name in html


def test_a_county_office_inbox_lists_what_it_took_up(reconciled):
    html = signed_in(reconciled["offices"]["dc"]).get("/office/cascade/inbox/").content.decode()
    assert "待承接（0）" in html and "已承接（2）" in html
    assert 'href="/j/dc/tasks/T-1/"' in html


# The command line --------------------------------------------------------------------------


def test_the_command_pushes_to_chosen_counties_then_all_and_reports_the_status(world, capsys):
    call_command("cascade", "push", "--task", "T-1", "--to", "dc", "ll")
    assert "T-1 → 德城区（dc）：已下达" in capsys.readouterr().out
    call_command("cascade", "push", "--task", "T-1", "--all")
    out = capsys.readouterr().out
    assert "德城区（dc）：已下达过" in out and "庆云县（qy）：已下达" in out
    assert Cascade.objects.count() == len(COUNTIES)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.actor is None and entry.actor_name  # the operating-system user

    c = Cascade.objects.get(jurisdiction__slug="dc")
    report(take_up(world, c), JUNE, N1="done")
    publish(JUNE, jurisdiction=world["counties"]["dc"], now=JULY_10)
    call_command("cascade", "status", "--task", "T-1", "--month", "2021-06", "--format", "json")
    status = json.loads(capsys.readouterr().out)
    assert status["months"] == ["2021-06"]
    rows = {r["slug"]: r for r in status["counties"]}
    assert rows["dc"] == {
        "slug": "dc",
        "name": "德城区",
        "accepted": True,
        "task": "T-1",
        "ratings": {"2021-06": "ox"},
    }
    assert rows["ll"]["accepted"] is False and rows["ll"]["ratings"] == {}
    assert status["not_accepted"] == ["ll", "yc", "qy"]
    call_command("cascade", "status", "--task", "T-1", "--month", "2021-06")
    table = capsys.readouterr().out
    assert f"德城区\t已承接\t{NAMES['ox']}" in table and "陵城区\t未承接\t—" in table


def test_the_command_refuses_what_it_cannot_do(world):
    with pytest.raises(CommandError, match="「lx」不是德州市的下级辖区；可下达到：dc、ll、yc、qy"):
        call_command("cascade", "push", "--task", "T-1", "--to", "lx")
    with pytest.raises(CommandError, match="没有编号为「NOPE」的任务"):
        call_command("cascade", "push", "--task", "NOPE", "--all")
    with pytest.raises(CommandError, match="没有标识为「nowhere」的辖区"):
        call_command("cascade", "status", "--task", "T-1", "--jurisdiction", "nowhere")
    # From a county, whose ledger does not have the city's task.
    with pytest.raises(CommandError, match="的台账里没有编号为「T-1」的任务"):
        call_command("cascade", "push", "--task", "T-1", "--all", "--jurisdiction", "dc")
    assert not Cascade.objects.exists()


def test_taking_up_twice_on_the_web_changes_nothing(world):
    c = pushed(world, to=("dc",))["dc"]
    county = signed_in(world["offices"]["dc"])
    url = f"/office/cascade/{c.pk}/accept/"
    assert county.post(url, accept_form(world, "dc")).status_code == 302
    entries = AuditEntry.objects.count()
    page = county.post(url, accept_form(world, "dc"), follow=True).content.decode()
    assert "任务 T-1 已承接。" in page
    assert Task.objects.filter(jurisdiction__slug="dc").count() == 1
    assert AuditEntry.objects.count() == entries


def test_the_inbox_and_the_grid_speak_english_after_the_switch(world, settings):
    c = pushed(world)["dc"]
    county = signed_in(world["offices"]["dc"])
    county.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = county.get("/office/cascade/inbox/").content.decode()
    assert "Tasks pushed down to us" in html and "Our lead unit" in html
    response = county.post(
        f"/office/cascade/{c.pk}/accept/", accept_form(world, "dc", N2="2021-10")
    )
    assert "Not taken up: correct what is shown" in response.content.decode()
    take_up(world, c)
    publish(JUNE, now=JULY_10)
    visitor = Client()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = visitor.get("/tasks/T-1/").content.decode()
    assert "In the counties" in page and "Not taken up yet: " in page


def test_the_office_pages_cost_the_same_queries_for_one_task_as_for_two(world):
    publish(JUNE, now=JULY_10)
    city, county = signed_in(world["office"]), signed_in(world["offices"]["dc"])

    def cost(client, url) -> int:
        client.get(url)  # the boards read once, then cached under their hashes
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    costs = []
    for task in ("t1", "t2"):
        c = pushed(world, task=task, to=("dc", "ll"))
        report(take_up(world, c["dc"]), JUNE, N1=("in_progress", 10))
        publish(JUNE, jurisdiction=world["counties"]["dc"], now=JULY_10)
        pushed(world, task=task, to=("yc",))
        costs.append(
            (cost(city, "/office/cascade/?month=2021-06"), cost(county, "/office/cascade/inbox/"))
        )
    assert costs[0] == costs[1]


def test_a_county_ledger_file_loosening_a_cascaded_deadline_is_refused_naming_the_row(
    world, tmp_path
):
    from ducha.ledger.importing import ImportFailed, import_ledger
    from ducha.ledger.layout import Options
    from tests.helpers import LEDGER_HEADER, ledger_row, write_csv

    dc = world["counties"]["dc"]
    take_up(world, pushed(world, to=("dc",))["dc"])
    unit, leader = world["units"]["dc"].name, world["leaders"]["dc"].name
    rows = [
        ledger_row(code="T-1", node="N1", due="2021-06", 牵头单位=unit, 分管市领导=leader),
        ledger_row(code="T-1", node="N2", due="2021-10", 牵头单位=unit, 分管市领导=leader),
    ]
    path = write_csv(tmp_path / "county.csv", LEDGER_HEADER, rows)
    with pytest.raises(ImportFailed) as refused:
        import_ledger(path, options=Options(jurisdiction=dc, allow_new=True))
    message = str(refused.value)
    assert "第3行 J列（完成时限）" in message and "晚于市级" in message
    assert Task.objects.get(jurisdiction=dc, code="T-1").nodes.get(code="N2").due_month == SEPTEMBER


def test_an_anonymous_visitor_sees_a_county_taking_the_task_up_at_once(world):
    pushed(world, to=("dc", "ll"))
    visitor = Client()
    before = visitor.get("/tasks/T-1/").content.decode()
    assert "尚未承接" in before and "德城区" in before
    take_up(world, Cascade.objects.get(source=world["t1"], jurisdiction__slug="dc"))
    after = visitor.get("/tasks/T-1/").content.decode()
    assert after != before
