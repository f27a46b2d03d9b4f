"""改革试点: the public register (filters, counts, constant queries, a cached page that shows
nothing of the office), the office's forms and status steps, the evaluation reminders, the
year's 盘点 section, and the demo at the source's scale."""

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ducha.audit.models import AuditEntry
from ducha.bulletins.content import YEAR_SECTIONS
from ducha.notify.models import Channel, Delivery, Message
from ducha.org.models import Jurisdiction, Unit, User
from ducha.pilots import demo, reminders, workflow
from ducha.pilots.models import Pilot, Practice
from ducha.pilots.review import year_section
from tests.conftest import PASSWORD

TODAY = dt.date(2021, 7, 3)  # the `cycle` fixture's date
Status = Pilot.Status


def client_of(user=None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    return client


def make(title, level="national", status=Status.IN_PROGRESS, unit="市工业和信息化局", **more):
    fields = {
        "approving_body": "国家发展改革委",
        "approval_number": "发改体改〔2020〕12号",
        "approved_on": dt.date(2020, 5, 1),
        "started_on": dt.date(2020, 6, 1) if status != Status.APPROVED else None,
        "evaluation_due": dt.date(2022, 6, 30),
    } | more
    return Pilot.objects.create(
        title=title, level=level, status=status, lead_unit=Unit.objects.get(name=unit), **fields
    )


@pytest.fixture
def register(cycle, areas):
    """Four pilots: two national (one in rural reform), a provincial and a city one."""
    rural = make("农村集体经营性建设用地入市试点", area=areas["rural"], unit="市财政局")
    rural.tasks.set([cycle["t2"]])
    credit = make("社会信用体系建设示范", area=areas["environment"])
    credit.tasks.set([cycle["t1"]])
    Practice.objects.create(pilot=credit, title="信用承诺制审批清单", scope="在全市推广")
    make("亩产效益评价改革试点", level="provincial", status=Status.APPROVED, area=areas["industry"])
    make("镇街综合执法改革试点", level="city", status=Status.EVALUATED, evaluated_on=TODAY)
    return cycle | {"rural": rural, "credit": credit}


def listed(html: str) -> list[str]:
    return re.findall(r'data-pilot="(\d+)"', html)


def tally(html: str, kind: str, key: str) -> int:
    found = re.search(rf'data-{kind}="{key}">[^<]*<strong>(\d+)</strong>', html)
    return int(found.group(1))


# The public register -------------------------------------------------------------------------


def test_the_register_filters_and_counts_each_level_and_status(register):
    anonymous = client_of()
    html = anonymous.get("/pilots/").content.decode()
    assert len(listed(html)) == 4
    assert [tally(html, "level", k) for k in ("national", "provincial", "city")] == [2, 1, 1]
    assert tally(html, "status", "in_progress") == 2 and tally(html, "status", "approved") == 1
    national = anonymous.get("/pilots/?level=national").content.decode()
    assert sorted(listed(national)) == sorted(
        [str(register["rural"].pk), str(register["credit"].pk)]
    )
    # The level's counts keep every level; the statuses count within the chosen level.
    assert tally(national, "level", "city") == 1 and tally(national, "status", "approved") == 0
    assert listed(anonymous.get("/pilots/?area=rural").content.decode()) == [
        str(register["rural"].pk)
    ]
    unit = Unit.objects.get(name="市财政局").pk
    assert listed(anonymous.get(f"/pilots/?unit={unit}").content.decode()) == [
        str(register["rural"].pk)
    ]
    assert listed(anonymous.get("/pilots/?q=信用+示范").content.decode()) == [
        str(register["credit"].pk)
    ]
    assert len(listed(anonymous.get("/pilots/?status=evaluated&level=city").content.decode())) == 1
    bad = anonymous.get("/pilots/?level=county")
    assert bad.status_code == 400 and "level" in bad.content.decode()


def test_the_export_is_the_filtered_register(register):
    response = client_of().get("/pilots/pilots.xlsx?level=national")
    assert response.status_code == 200 and "pilots.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    titles = [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)]
    assert sorted(titles) == ["农村集体经营性建设用地入市试点", "社会信用体系建设示范"]
    row = next(
        r for r in sheet.iter_rows(min_row=3, values_only=True) if r[1] == "社会信用体系建设示范"
    )
    assert row[8] == "T-1" and row[12] == "信用承诺制审批清单"


def test_the_public_pages_show_the_pilot_and_nothing_of_the_office(register):
    credit = register["credit"]
    anonymous = client_of()
    for url in ("/pilots/", f"/pilots/{credit.pk}/"):
        html = anonymous.get(url).content.decode()
        assert "csrfmiddlewaretoken" not in html and 'method="post"' not in html
        assert "/office/pilots" not in html
    html = anonymous.get(f"/pilots/{credit.pk}/").content.decode()
    assert 'href="/tasks/T-1/"' in html and "信用承诺制审批清单" in html
    assert "发改体改〔2020〕12号" in html and "市工业和信息化局" in html
    # The office reads the same page (uncached) with a way to its desk, still without forms.
    office = client_of(register["office"]).get(f"/pilots/{credit.pk}/").content.decode()
    assert f'href="/office/pilots/{credit.pk}/"' in office and 'action="/office/' not in office


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as seen:
        assert client.get(url).status_code == 200
    return len(seen)


def test_the_public_pages_run_a_constant_number_of_queries(register, django_assert_num_queries):
    anonymous = client_of()
    credit = register["credit"]
    few = (queries(anonymous, "/pilots/"), queries(anonymous, f"/pilots/{credit.pk}/"))
    for i in range(40):
        make(f"试点{i}", level=("national", "provincial", "city")[i % 3]).tasks.set(
            [register["t1"], register["t2"]]
        )
    for i in range(5):
        Practice.objects.create(pilot=credit, title=f"经验{i}")
    many = (queries(anonymous, "/pilots/?page=2"), queries(anonymous, f"/pilots/{credit.pk}/"))
    assert few == many == (8, 4)
    # Cached: one query (the version) until something changes.
    with django_assert_num_queries(1):
        assert anonymous.get("/pilots/?page=2").status_code == 200
    workflow.save_practice(
        Practice(pilot=credit), register["office"], {"title": "信用修复“一次办”"}
    )
    assert "信用修复“一次办”" in anonymous.get(f"/pilots/{credit.pk}/").content.decode()


# The office -------------------------------------------------------------------------------------


def test_a_refused_form_keeps_what_was_typed_and_names_the_field(register):
    office = client_of(register["office"])
    unit = Unit.objects.get(name="市财政局").pk
    typed = {
        "title": "全国义务教育优质均衡发展改革试点",
        "level": "national",
        "approving_body": "",
        "approval_number": "教基〔2021〕7号",
        "approved_on": "2021-03-01",
        "lead_unit": unit,
        "evaluation_due": "2022-03-01",
        "task_codes": "T-1，T-99",
    }
    response = office.post("/office/pilots/new/", typed)
    html = response.content.decode()
    assert response.status_code == 400
    assert "批准单位：" in html and "T-99" in html
    assert 'value="全国义务教育优质均衡发展改革试点"' in html and "教基〔2021〕7号" in html
    assert not Pilot.objects.filter(title=typed["title"]).exists()
    response = office.post(
        "/office/pilots/new/", typed | {"approving_body": "教育部", "task_codes": "T-1 T-2"}
    )
    pilot = Pilot.objects.get(title=typed["title"])
    assert response.status_code == 302 and response["Location"] == f"/office/pilots/{pilot.pk}/"
    assert sorted(pilot.tasks.values_list("code", flat=True)) == ["T-1", "T-2"]
    entry = AuditEntry.objects.get(action="pilot_saved")
    assert entry.data()["change"] == "added" and entry.target_label == typed["title"]
    edited = office.post(
        f"/office/pilots/{pilot.pk}/edit/", typed | {"approving_body": "教育部", "title": ""}
    )
    assert edited.status_code == 400 and "试点名称：" in edited.content.decode()
    bad = office.post(f"/office/pilots/{pilot.pk}/practices/", {"title": "", "scope": "在全市推广"})
    assert bad.status_code == 400 and "经验名称：" in bad.content.decode()
    assert 'value="在全市推广"' in bad.content.decode()


def step(client, pilot, to, **more):
    return client.post(f"/office/pilots/{pilot.pk}/step/", {"to": to, **more})


def test_the_status_moves_one_step_at_a_time_and_back_one(register):
    pilot = make("跨境电子商务综合试验区", status=Status.APPROVED, started_on=None)
    office = client_of(register["office"])
    refused = step(office, pilot, "evaluated", summary="很好")
    assert refused.status_code == 400 and "逐级推进" in refused.content.decode()
    assert step(office, pilot, "in_progress", on="2021-06-01").status_code == 302
    no_summary = step(office, pilot, "evaluated", on="2021-07-01")
    assert (
        no_summary.status_code == 400 and "评估结论：请填写评估结论" in no_summary.content.decode()
    )
    early = step(office, pilot, "evaluated", on="2021-05-01", summary="成效明显")
    assert (
        early.status_code == 400
        and "日期不能早于“推进中”的日期（2021-06-01）" in early.content.decode()
    )
    assert 'value="2021-05-01"' in early.content.decode() and "成效明显" in early.content.decode()
    assert step(office, pilot, "evaluated", on="2021-07-01", summary="成效明显").status_code == 302
    no_practice = step(office, pilot, "promoted")
    assert no_practice.status_code == 400 and "可复制推广经验" in no_practice.content.decode()
    office.post(f"/office/pilots/{pilot.pk}/practices/", {"title": "跨境电商公共服务平台"})
    assert step(office, pilot, "promoted").status_code == 302
    pilot.refresh_from_db()
    assert (pilot.status, pilot.started_on, pilot.evaluated_on, pilot.promoted_on) == (
        Status.PROMOTED,
        dt.date(2021, 6, 1),
        dt.date(2021, 7, 1),
        TODAY,
    )
    assert step(office, pilot, "evaluated").status_code == 302  # a mistake undone
    pilot.refresh_from_db()
    assert pilot.status == Status.EVALUATED and pilot.promoted_on is None
    steps = AuditEntry.objects.filter(action="pilot_status_changed").order_by("seq")
    assert [(e.data()["old"], e.data()["status"], e.data()["back"]) for e in steps] == [
        ("approved", "in_progress", False),
        ("in_progress", "evaluated", False),
        ("evaluated", "promoted", False),
        ("promoted", "evaluated", True),
    ]
    html = client_of(register["office"]).get(f"/office/pilots/{pilot.pk}/").content.decode()
    assert 'data-step="promoted"' in html and 'data-step="in_progress"' in html


def test_only_the_office_of_the_pilot_jurisdiction_changes_it(register):
    pilot = register["credit"]
    for who in ("reporter", "head", "leader", "auditor"):
        assert step(client_of(register[who]), pilot, "evaluated", summary="x").status_code == 403
    assert client_of(register["reporter"]).get("/office/pilots/").status_code == 403
    auditor = client_of(register["auditor"]).get(f"/office/pilots/{pilot.pk}/")
    assert auditor.status_code == 200 and 'action="/office/' not in auditor.content.decode()
    home = Jurisdiction.objects.home()
    county = Jurisdiction.objects.create(slug="lc", name="陵城区", level="county", parent=home)
    county_office = User.objects.create_user(
        "lc-office", password=PASSWORD, role=User.Role.OFFICE, jurisdiction=county
    )
    assert step(client_of(county_office), pilot, "evaluated", summary="x").status_code == 404
    assert client_of(county_office).get(f"/office/pilots/{pilot.pk}/").status_code == 404
    pilot.refresh_from_db()
    assert pilot.status == Status.IN_PROGRESS
    with pytest.raises(PermissionDenied):
        workflow.step(pilot, register["auditor"], "evaluated", summary="x")


def test_the_office_list_marks_near_and_past_deadlines(register, settings):
    settings.DUCHA_PILOT_REMIND_DAYS = 30
    make("临近试点", evaluation_due=TODAY + dt.timedelta(days=10))
    make("逾期试点", evaluation_due=TODAY - dt.timedelta(days=1))
    make("已评估试点", status=Status.EVALUATED, evaluation_due=TODAY - dt.timedelta(days=5))
    office = client_of(register["office"])
    html = office.get("/office/pilots/").content.decode()
    assert html.count('data-deadline="near"') == 2 and html.count('data-deadline="past"') == 2
    past = office.get("/office/pilots/?deadline=past").content.decode()
    assert "逾期试点" in past and "临近试点" not in past and "已评估试点" not in past


# Reminders --------------------------------------------------------------------------------------


def test_due_reminds_once_before_the_deadline_and_once_after_it(register, settings):
    settings.DUCHA_PILOT_REMIND_DAYS = 30
    pilot = make("长期护理保险制度试点", evaluation_due=dt.date(2021, 7, 20))
    make("按期评估的试点", status=Status.EVALUATED, evaluation_due=dt.date(2021, 7, 1))
    make("远期试点", evaluation_due=dt.date(2021, 12, 1))
    july_3 = dt.datetime(2021, 7, 3, 9, tzinfo=dt.UTC)
    (line,) = reminders.due(july_3)
    assert "长期护理保险制度试点" in line and "17 天" in line
    assert reminders.due(july_3) == [] and reminders.due(july_3 + dt.timedelta(days=1)) == []
    near = Message.objects.get()
    inbox = Delivery.objects.filter(message=near, channel=Channel.INBOX)
    people = set(inbox.values_list("user__username", flat=True))
    assert people == {"reporter", "head", "office"}
    july_21 = dt.datetime(2021, 7, 21, 9, tzinfo=dt.UTC)
    (line,) = reminders.due(july_21)
    assert "已逾期 1 天" in line
    assert reminders.due(july_21 + dt.timedelta(days=3)) == []
    assert Message.objects.filter(key__startswith=f"pilot:{pilot.pk}:").count() == 2


# The year's 盘点 ---------------------------------------------------------------------------------


def test_the_year_section_counts_pilots_as_they_stood_at_the_year_end(register):
    assert year_section in YEAR_SECTIONS
    late = make(
        "国家产融合作试点",
        status=Status.PROMOTED,
        approved_on=dt.date(2019, 3, 1),
        started_on=dt.date(2019, 4, 1),
        evaluated_on=dt.date(2020, 11, 2),
        promoted_on=dt.date(2021, 2, 1),
    )
    Practice.objects.create(
        pilot=late, title="产融对接平台", scope="在全省复制推广", promoted_on=dt.date(2021, 3, 1)
    )
    section = year_section(2020, None)
    assert section.heading == "改革试点"
    assert section.blocks[0].startswith(
        "截至2020年底，共有改革试点5个，其中国家级3个、省级1个、市级1个"
    )
    levels = section.blocks[1]
    assert levels.header == ("层级", "已批复", "推进中", "已评估", "已复制推广", "合计")
    assert levels.rows[0] == ("国家级", "0", "2", "1", "0", "3")  # promoted only in 2021
    assert levels.rows[-1] == ("合计", "1", "3", "1", "0", "5")
    evaluated = section.blocks[3]
    assert [r[0] for r in evaluated.rows] == ["国家产融合作试点"]
    assert year_section(2021, None).blocks[-1].rows == [
        ("产融对接平台", "国家产融合作试点", "在全省复制推广", "2021年3月1日")
    ]
    assert year_section(2018, None) is None


# The demo ---------------------------------------------------------------------------------------


def test_the_demo_holds_the_source_scale_and_seeds_once(demo_database):
    assert "改革试点：国家级32个、省级106个、市级18个" in demo_database
    pilots = Pilot.objects.filter(jurisdiction__home=True)
    assert pilots.filter(level="national").count() >= 30
    assert pilots.filter(level="provincial").count() >= 100
    assert set(pilots.values_list("status", flat=True)) == set(Status.values)
    assert Practice.objects.count() > 0 and pilots.filter(tasks__isnull=True).count() == 0
    today = dt.date(2022, 2, 8)
    assert pilots.evaluation_near(today, 30).exists() and pilots.evaluation_past(today).exists()
    before = (Pilot.objects.count(), Practice.objects.count(), Pilot.tasks.through.objects.count())
    assert demo.seed() == [next(x.strip() for x in demo_database.splitlines() if "改革试点" in x)]
    after = (Pilot.objects.count(), Practice.objects.count(), Pilot.tasks.through.objects.count())
    assert after == before
