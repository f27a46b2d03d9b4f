"""挂图作战 (ducha/warmap): a project's month rated by the ledger's own rules, the unit's
report, the public map, the office's register, the workbook and the demo's scale."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ducha.audit.models import AuditEntry
from ducha.ledger.models import Progress, Task
from ducha.lib.months import index
from ducha.org.models import User
from ducha.ratings import rules
from ducha.ratings.monthly import rate_month
from ducha.warmap import gantt, rating, workflow
from ducha.warmap.models import (
    CommandPost,
    Phase,
    PhaseProgress,
    Project,
    ProjectMonth,
    ServiceTeam,
)

MAY, JUNE, JULY = dt.date(2021, 5, 1), dt.date(2021, 6, 1), dt.date(2021, 7, 1)


def client_for(user=None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    return client


def add_project(code, post, unit, phases, **more) -> Project:
    """A project with phases given as (code, planned start, planned end)."""
    fields = {"investment": Decimal(50000), "annual_investment": Decimal(20000), "plan_year": 2021}
    project = Project.objects.create(
        code=code, name=more.pop("name", f"{code}项目"), post=post, unit=unit, **fields | more
    )
    for order, (phase, start, end) in enumerate(phases, 1):
        Phase.objects.create(
            project=project,
            code=phase,
            title=f"阶段{phase}",
            planned_start=start,
            planned_end=end,
            order=order,
        )
    return project


def row(project, phase, month, status, percent=None, done_on=None):
    return PhaseProgress.objects.create(
        project=project,
        phase=project.phases.get(code=phase),
        month=month,
        status=status,
        percent=percent,
        done_on=done_on,
    )


def make_project(cycle) -> dict:
    """A post with one project of the reporter's unit (P1 done in May, P2 due in June, P3 in
    December) and another post with a 市财政局 project; a service team."""
    gxj, czj = cycle["reporter"].unit, cycle["other_reporter"].unit
    post = CommandPost.objects.create(name="新旧动能转换重大项目指挥部", order=1)
    other_post = CommandPost.objects.create(name="城市更新项目指挥部", order=2)
    team = ServiceTeam.objects.create(name="要素保障专班", order=1, lead_unit=czj)
    project = add_project(
        "ZD-1",
        post,
        gxj,
        [
            ("P1", dt.date(2021, 3, 1), dt.date(2021, 5, 31)),
            ("P2", dt.date(2021, 5, 1), dt.date(2021, 6, 30)),
            ("P3", dt.date(2021, 6, 1), dt.date(2021, 12, 31)),
        ],
        team=team,
        name="智能装备制造基地项目",
        start_month=MAY,
    )
    row(project, "P1", MAY, "done", 100, dt.date(2021, 5, 20))
    row(project, "P2", MAY, "in_progress", 40)
    other = add_project(
        "ZD-2", other_post, czj, [("Q1", dt.date(2021, 4, 1), MAY)], start_month=dt.date(2021, 4, 1)
    )
    return {"post": post, "other_post": other_post, "team": team, "project": project, "z2": other}


@pytest.fixture
def war(cycle):
    return cycle | make_project(cycle)


def phase_field(project, code, name) -> str:
    return workflow.field(project.phases.get(code=code).pk, name)


# The rules -------------------------------------------------------------------------------


def test_a_projects_month_is_rated_by_the_same_function_as_a_tasks(cycle):
    """T-1's nodes and rows, and a project whose phases and phase rows are the same: every
    month comes out with the same mark and reasons, through rules.rate for both (and the
    ledger's own monthly path says the same for the task)."""
    task = cycle["t1"]
    nodes = list(task.nodes.order_by("order", "code"))
    post = CommandPost.objects.create(name="指挥部")
    project = add_project("T-1", post, task.lead_unit, [], name="同一任务")
    for n in nodes:
        Phase.objects.create(
            project=project,
            code=n.code,
            title=n.title,
            planned_start=n.due_month.replace(month=1),
            planned_end=n.due_month.replace(day=28),
            order=n.order,
        )
    story = [  # (month, node, status, percent, done day); April is not reported
        (3, "N1", "in_progress", 20, None),
        (3, "N2", "not_started", None, None),
        (5, "N1", "in_progress", 50, None),
        (5, "N2", "not_started", None, None),
        (6, "N1", "in_progress", 50, None),  # due in June, no progress: 蜗牛
        (6, "N2", "not_started", None, None),
        (7, "N1", "done", 100, 12),  # a month late
        (7, "N2", "in_progress", 10, None),
        (8, "N2", "done", 100, 30),  # a month early
    ]
    for m, code, status, percent, day in story:
        month = dt.date(2021, m, 1)
        done_on = month.replace(day=day) if day else None
        node = next(n for n in nodes if n.code == code)
        Progress.objects.create(
            task=task, node=node, month=month, status=status, percent=percent, done_on=done_on
        )
        row(project, code, month, status, percent, done_on)

    def task_facts() -> rules.TaskFacts:
        return rules.TaskFacts(
            task.code,
            tuple(rules.NodeFacts(n.code, n.title, index(n.due_month)) for n in nodes),
            tuple(
                rules.Row(p.node.code, index(p.month), p.status, p.percent)
                for p in task.progress.select_related("node")
            ),
        )

    months = [dt.date(2021, m, 1) for m in range(2, 10)]
    with mock.patch.object(rules, "rate", wraps=rules.rate) as rate:
        facts = rating.load([project], dt.date(2021, 9, 1))[project.pk]
        as_project = [rating.rate(facts, m) for m in months]
        as_task = [rules.rate(task_facts(), index(m)) for m in months]
    rated = {call.args[0].nodes for call in rate.call_args_list}
    assert rated == {task_facts().nodes}  # the phases went in as the task's very nodes
    assert rate.call_count == 2 * len(months)
    assert as_project == as_task
    ledger = [rate_month(m, Task.objects.filter(pk=task.pk))[0] for m in months]
    assert [(r.rating, r.reasons) for r in as_project] == [(t.computed, t.reasons) for t in ledger]
    assert [r.rating for r in as_project] == [
        "snail",  # February: not reported
        "ox",
        "snail",  # April: not reported
        "ox",
        "snail",  # June: N1 due, no progress
        "ostrich",  # July: N1 done a month late
        "horse",  # August: N2 done a month early
        None,  # September: both done before
    ]


def test_a_phase_is_due_in_its_planned_ends_month_and_done_stays_done():
    phases = [("A", "立项", dt.date(2021, 3, 31)), ("B", "开工", dt.date(2021, 9, 15))]
    rows = [("A", dt.date(2021, 3, 1), "done", 100), ("A", dt.date(2021, 4, 1), "in_progress", 50)]
    facts = rating._facts("X", None, "active", phases, rows)
    assert [n.due for n in facts.nodes] == [index(dt.date(2021, 3, 1)), index(dt.date(2021, 9, 1))]
    assert rating.rate(facts, dt.date(2021, 3, 1)).rating == "ox"  # on time
    assert rating.reported(facts, dt.date(2021, 4, 1))
    assert not rating.expected(rating._facts("X", None, "suspended", phases, rows), JUNE)


def test_the_chart_places_bars_by_day_and_todays_line_within_the_months():
    bars = [
        gantt.ProjectBars(
            1,
            "ZD-1",
            "一个名字很长很长很长很长很长很长很长很长的重点项目",
            "horse",
            (
                gantt.PhaseBar("P1", "立项", dt.date(2021, 3, 1), dt.date(2021, 3, 31)),
                gantt.PhaseBar(
                    "P2", "开工", dt.date(2021, 4, 1), dt.date(2021, 8, 31), dt.date(2021, 5, 1)
                ),
            ),
        )
    ]
    chart = gantt.chart(bars, today=dt.date(2021, 7, 3), rated=JUNE)
    assert [t.label for t in chart.months] == ["3", "4", "5", "6", "7", "8"]
    assert chart.months[0].year == "2021" and [t.rated for t in chart.months].count(True) == 1
    project, p1, p2 = chart.lines
    assert project.label.endswith("…") and project.full.startswith("ZD-1 ")
    assert p1.planned.x == gantt.LABEL_WIDTH and p1.planned.width == gantt.MONTH_WIDTH
    # Still running: the actual bar reaches today, striped as open.
    assert p2.actual.open and p2.actual.x + p2.actual.width == pytest.approx(chart.today, abs=1.5)
    assert gantt.LABEL_WIDTH + 4 * gantt.MONTH_WIDTH < chart.today < chart.width
    # A month asked years away does not stretch the calendar to it.
    far = gantt.chart(bars, today=dt.date(2021, 7, 3), rated=dt.date(1900, 1, 1))
    assert len(far.months) == 6 and not any(t.rated for t in far.months)


# The unit's report -------------------------------------------------------------------------


def test_the_responsible_unit_reports_a_month_audited_and_the_dates_follow(war):
    project = war["project"]
    client = client_for(war["reporter"])
    url = f"/war-map/projects/{project.pk}/report/"
    page = client.get(url)
    assert page.status_code == 200 and "2021年6月报送" in page.content.decode()
    # P1 was done in May: June does not ask about it again.
    assert phase_field(project, "P1", "status") not in page.content.decode()
    response = client.post(
        url + "?month=2021-06",
        {
            phase_field(project, "P2", "status"): "done",
            phase_field(project, "P2", "done_on"): "2021-06-20",
            phase_field(project, "P2", "note"): "手续办结",
            phase_field(project, "P3", "status"): "in_progress",
            phase_field(project, "P3", "percent"): "15",
            "invested": "1,200.5",
            "note": "主体开工",
        },
    )
    assert response.status_code == 302
    june = PhaseProgress.objects.filter(project=project, month=JUNE)
    assert {(r.phase.code, r.status, r.percent) for r in june} == {
        ("P2", "done", 100),
        ("P3", "in_progress", 15),
    }
    assert ProjectMonth.objects.get(project=project, month=JUNE).invested == Decimal("1200.50")
    p2, p3 = project.phases.get(code="P2"), project.phases.get(code="P3")
    assert (p2.actual_start, p2.actual_end) == (MAY, dt.date(2021, 6, 20))
    assert (p3.actual_start, p3.actual_end) == (JUNE, None)
    entry = AuditEntry.objects.get(action="project_reported")
    assert entry.actor == war["reporter"] and entry.month == JUNE
    assert entry.data()["invested"] == "1200.50"
    facts = rating.load([project], JUNE)[project.pk]
    assert rating.rate(facts, JUNE).rating == "ox"  # P2 on time
    # Saved again, the month's rows are changed, not doubled.
    again = client.post(
        url + "?month=2021-06",
        {
            phase_field(project, "P2", "status"): "done",
            phase_field(project, "P2", "done_on"): "2021-06-21",
            phase_field(project, "P3", "status"): "in_progress",
            phase_field(project, "P3", "percent"): "20",
            "invested": "1300",
        },
    )
    assert again.status_code == 302 and june.count() == 2
    assert project.phases.get(code="P2").actual_end == dt.date(2021, 6, 21)


def test_only_the_responsible_unit_may_report_and_a_visitor_signs_in_first(war):
    url = f"/war-map/projects/{war['project'].pk}/report/"
    assert client_for().get(url).status_code == 302
    assert "/accounts/login/" in client_for().get(url)["Location"]
    for name in ("other_reporter", "office", "leader", "auditor"):
        assert client_for(war[name]).get(url).status_code == 403, name
        assert client_for(war[name]).post(url, {"invested": "1"}).status_code == 403, name
    assert client_for(war["head"]).get(url).status_code == 200
    assert client_for(war["head"]).get("/war-map/projects/99999/report/").status_code == 404
    assert not PhaseProgress.objects.filter(month=JUNE).exists()


def test_a_refused_report_shows_every_problem_at_its_field_and_keeps_what_was_typed(war):
    project = war["project"]
    response = client_for(war["reporter"]).post(
        f"/war-map/projects/{project.pk}/report/?month=2021-06",
        {
            phase_field(project, "P2", "status"): "done",  # without its date
            phase_field(project, "P2", "note"): "说明保留",
            phase_field(project, "P3", "status"): "in_progress",
            phase_field(project, "P3", "percent"): "一半",
            "invested": "很多",
            "note": "本月情况保留",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "状态为已完成时必须填写完成日期" in html
    assert "「一半」不是 0–100 之间的数字" in html
    assert "请填写金额（万元）" in html
    assert "P2 · 完成日期" in html and 'href="#invested"' in html
    for kept in ("说明保留", 'value="一半"', 'value="很多"', "本月情况保留"):
        assert kept in html
    assert not PhaseProgress.objects.filter(month=JUNE).exists()
    assert not AuditEntry.objects.filter(action="project_reported").exists()


def test_a_month_after_the_current_one_cannot_be_reported(war):
    project = war["project"]
    client = client_for(war["reporter"])
    url = f"/war-map/projects/{project.pk}/report/"
    assert client.get(url + "?month=2021-08").status_code == 400
    assert client.get(url + "?month=2021-07").status_code == 200  # the current month
    with pytest.raises(workflow.Invalid):
        workflow.report_month(
            project, war["reporter"], dt.date(2021, 8, 1), lines={}, invested=Decimal(0)
        )


def test_me_lists_the_units_projects_with_their_report_links(war):
    project = war["project"]
    html = client_for(war["reporter"]).get("/me/").content.decode()
    assert f'href="/war-map/projects/{project.pk}/report/?month=2021-06"' in html
    assert 'data-project="ZD-1" data-reported="0"' in html
    other = client_for(war["other_reporter"]).get("/me/").content.decode()
    assert "ZD-1" not in other and 'data-project="ZD-2"' in other


# The public pages ---------------------------------------------------------------------------


def test_the_ranking_orders_posts_by_their_projects_mean_points(war):
    project, z2 = war["project"], war["z2"]
    # ZD-2 (城市更新): Q1 due in May, done early in April (骏马), on time nothing after.
    row(z2, "Q1", dt.date(2021, 4, 1), "done", 100, dt.date(2021, 4, 9))
    # ZD-1 (from May): May on time (黄牛), June not reported (蜗牛).
    response = client_for().get("/war-map/?month=2021-06")
    ranking = response.context["ranking"]
    assert [r["post"].name for r in ranking] == ["城市更新项目指挥部", "新旧动能转换重大项目指挥部"]
    first, second = (r["score"] for r in ranking)
    # ZD-2: April only (done before May, it is no longer rated).
    assert (first.rank, first.score, first.horse, first.rated) == (1, Decimal(100), 1, 1)
    assert (second.rank, second.score, second.ox, second.snail) == (2, Decimal(40), 1, 1)
    html = response.content.decode()
    assert html.index('data-rank="1"') < html.index('data-rank="2"')
    assert project.code == "ZD-1"


def _query_counts(urls) -> list[int]:
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client_for().get(url).status_code == 200, url
        counts.append(len(queries))
    return counts


def test_the_public_pages_ask_the_database_a_fixed_number_of_times(
    war, django_assert_max_num_queries
):
    post, project = war["post"], war["project"]
    urls = ["/war-map/", f"/war-map/posts/{post.pk}/", f"/war-map/projects/{project.pk}/"]
    few = _query_counts([u + "?month=2021-06" for u in urls])
    for n in range(5):  # more projects with their phases and rows under the same post
        more = add_project(
            f"ZD-9{n}",
            post,
            war["reporter"].unit,
            [("A", dt.date(2021, 3, 1), MAY), ("B", dt.date(2021, 4, 1), JUNE)],
        )
        row(more, "A", MAY, "done", 100, dt.date(2021, 5, 3))
        ProjectMonth.objects.create(project=more, month=MAY, invested=Decimal(10))
    many = _query_counts([u + "?month=2021-06" for u in urls])
    assert few == many
    cache.clear()
    for url in urls:
        with django_assert_max_num_queries(7):
            client_for().get(url)
        with django_assert_max_num_queries(1):  # cached: the version's one query
            assert client_for().get(url).status_code == 200


def test_a_cached_chart_shows_a_new_report_at_once(war):
    post, project = war["post"], war["project"]
    url = f"/war-map/posts/{post.pk}/"
    before = client_for().get(url).content.decode()
    assert 'data-project="ZD-1" data-mark="snail"' in before  # June not reported
    p2, p3 = project.phases.get(code="P2"), project.phases.get(code="P3")
    workflow.report_month(
        project,
        war["reporter"],
        JUNE,
        lines={
            p2.pk: workflow.PhaseInput("done", None, dt.date(2021, 6, 18)),
            p3.pk: workflow.PhaseInput("in_progress", 10),
        },
        invested=Decimal(500),
    )
    after = client_for().get(url).content.decode()
    assert 'data-project="ZD-1" data-mark="ox"' in after
    chart = after[after.index('<svg class="gantt"') : after.index("</svg>\n")]
    assert 'class="gantt-today"' in chart and "<script" not in chart and " style=" not in after


def test_the_public_pages_answer_bad_months_and_missing_rows_in_words(war):
    client = client_for()
    assert client.get("/war-map/?month=2021-13").status_code == 400
    assert client.get("/war-map/?month=2021-08").status_code == 400  # not yet begun
    assert client.get("/war-map/posts/99999/").status_code == 404
    assert client.get("/war-map/projects/99999/").status_code == 404
    page = client.get(f"/war-map/projects/{war['project'].pk}/?month=2021-05").content.decode()
    assert 'data-month="2021-05" data-mark="ox"' in page  # P1 on time in May
    assert "按期于2021年5月完成" in page


# The office --------------------------------------------------------------------------------


def test_the_office_registers_projects_and_phases_audited(war):
    office = client_for(war["office"])
    gxj = war["reporter"].unit
    fields = {
        "code": "ZD-3",
        "name": "城市大数据中心二期项目",
        "post": war["post"].pk,
        "team": war["team"].pk,
        "unit": gxj.pk,
        "investment": "80000",
        "annual_investment": "30000",
        "plan_year": "2021",
        "status": "active",
        "start": "2021-03",
    }
    response = office.post("/office/war-map/projects/new/", fields)
    assert response.status_code == 302
    project = Project.objects.get(code="ZD-3")
    assert project.start_month == dt.date(2021, 3, 1) and project.jurisdiction.home
    taken = office.post("/office/war-map/projects/new/", fields | {"name": "又一个"})
    assert taken.status_code == 400 and "项目编号 ZD-3 已被使用" in taken.content.decode()
    assert 'value="又一个"' in taken.content.decode()
    url = f"/office/war-map/projects/{project.pk}/phases/new/"
    phase = {"code": "P1", "kind": "decision", "title": "立项", "order": "1"}
    wrong = office.post(url, phase | {"planned_start": "2021-05-01", "planned_end": "2021-04-30"})
    assert wrong.status_code == 400 and "计划完成不能早于计划开始" in wrong.content.decode()
    right = office.post(url, phase | {"planned_start": "2021-03-01", "planned_end": "2021-04-30"})
    assert right.status_code == 302 and project.phases.get().due_month == dt.date(2021, 4, 1)
    changes = [
        e.data()["change"]
        for e in AuditEntry.objects.filter(action="project_saved").order_by("seq")
    ]
    assert changes == ["added", "phase_added"]
    # The auditor reads the register and changes nothing; a unit sees none of it.
    assert client_for(war["auditor"]).get("/office/war-map/").status_code == 200
    assert (
        client_for(war["auditor"]).post("/office/war-map/projects/new/", fields).status_code == 403
    )
    assert client_for(war["reporter"]).get("/office/war-map/").status_code == 403


def test_the_office_page_lists_the_months_unreported_projects(war):
    row(war["z2"], "Q1", dt.date(2021, 4, 1), "done", 100, dt.date(2021, 4, 9))
    html = client_for(war["office"]).get("/office/war-map/?month=2021-06").content.decode()
    missing = html[html.index('id="missing-h"') : html.index('id="projects-h"')]
    assert 'data-project="ZD-1"' in missing  # rated in June, not reported
    assert 'data-project="ZD-2"' not in missing  # done in April: no longer rated
    assert 'data-project="ZD-2"' in html


def test_the_workbook_opens_and_lists_projects_phases_and_the_months_marks(war):
    response = client_for(war["office"]).get("/war-map/projects.xlsx?month=2021-05")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["重点项目", "项目阶段"]
    projects = [[c.value for c in r] for r in book["重点项目"].iter_rows(min_row=3)]
    assert projects[0][:3] == ["ZD-1", "智能装备制造基地项目", "新旧动能转换重大项目指挥部"]
    assert projects[0][10] == "黄牛"  # P1 done on time in May
    phases = [[c.value for c in r] for r in book["项目阶段"].iter_rows(min_row=3)]
    assert [p[:2] for p in phases] == [
        ["ZD-1", "P1"],
        ["ZD-1", "P2"],
        ["ZD-1", "P3"],
        ["ZD-2", "Q1"],
    ]
    assert client_for(war["reporter"]).get("/war-map/projects.xlsx").status_code == 403


# The demo ----------------------------------------------------------------------------------


def test_the_demo_holds_13_command_posts_11_service_teams_and_their_projects(demo_database):
    from ducha.warmap import demo

    assert "挂图作战：指挥部13个、服务专班11个" in demo_database
    assert CommandPost.objects.count() == 13 and ServiceTeam.objects.count() == 11
    projects = list(Project.objects.all())
    assert 60 <= len(projects) <= 80
    phases = Phase.objects.values_list("project_id", flat=True)
    per_project = {p.pk: 0 for p in projects}
    for pk in phases:
        per_project[pk] += 1
    assert set(per_project.values()) <= {4, 5, 6}
    facts = rating.load(projects, dt.date(2021, 12, 1))
    marks = {
        rating.rate(f, dt.date(2021, m, 1)).rating for f in facts.values() for m in range(1, 13)
    }
    assert {"horse", "ox", "ostrich", "snail"} <= marks
    reporter = User.objects.get(username="reporter")
    mine = Project.objects.filter(unit=reporter.unit)
    assert 2 <= mine.count() <= 3
    assert not PhaseProgress.objects.filter(project__in=mine, month=dt.date(2022, 1, 1)).exists()
    assert "重点项目 · 2022年1月" in client_for(reporter).get("/me/").content.decode()
    rows = PhaseProgress.objects.count()
    assert demo.seed() == [next(x for x in demo_database.splitlines() if "挂图作战" in x).strip()]
    assert (Project.objects.count(), PhaseProgress.objects.count()) == (len(projects), rows)
