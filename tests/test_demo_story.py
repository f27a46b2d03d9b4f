"""`make demo` tells a month's story: on 8 February 2022 January has ended, its reports are
due and partly in, and it is not yet posted. Every printed login lands on work to do."""

import datetime as dt
import io
import json
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.timezone import localtime

from ducha.audit.models import AuditEntry
from ducha.boards.models import Publication
from ducha.demo.dezhou import generate
from ducha.demo.january import JANUARY, plan_january, task_facts
from ducha.demo.seeding import DEMO_PASSWORD
from ducha.lib.months import index
from ducha.ratings import rules
from ducha.ratings.models import Override
from ducha.reports.models import Evidence, Report


@pytest.fixture
def demo(demo_database, db):
    """As `make demo` runs: the command pins its own date."""
    logins = demo_database.split("登录账号")[1].splitlines()[1:]
    return {line.split()[0]: line for line in logins if line.strip()}


def sign_in(username) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302, username
    return client


def landing(username) -> tuple[str, str]:
    """Where a login lands, and that page."""
    client = sign_in(username)
    response = client.get("/me/", follow=True)
    assert response.status_code == 200
    return response.request["PATH_INFO"], response.content.decode()


def test_the_demo_is_set_on_8_february_2022_with_january_open(demo, settings):
    assert settings.DUCHA_TODAY == "2022-02-08"
    assert not Publication.objects.filter(month=JANUARY).exists()
    assert Publication.objects.filter(month__year=2021).values("month").distinct().count() == 12
    stages = set(Report.objects.filter(month=JANUARY).values_list("status", flat=True))
    assert {"draft", "submitted", "approved", "returned", "accepted"} <= stages


def test_every_printed_login_lands_on_a_page_with_work_to_do(demo):
    assert list(demo) == ["admin", "office", "reporter", "head", "leader", "auditor", "county"]
    for username in ("admin", "office"):
        path, page = landing(username)
        assert path == "/office/", username
        queue = int(re.search(r"待审核报送（(\d+)）", page).group(1))
        assert queue >= 3 and "核对并发布" in page
        assert f"{queue} 份报送待审核" in demo[username]  # the printed line says the same
    path, page = landing("reporter")
    todo = int(re.search(r"待您填报（(\d+)）", page).group(1))
    assert path == "/me/" and todo >= 2 and "已退回修改" in page
    assert f"{todo} 项报送待填报或修改" in demo["reporter"]
    # The unit's 交办事项: those waiting for it are among the open ones its /me/ lists.
    owed = int(re.search(r"(\d+) 项交办事项待签收或反馈", demo["reporter"]).group(1))
    open_items = int(re.search(r"本单位交办事项（(\d+) 项未办结）", page).group(1))
    assert 1 <= owed <= open_items
    path, page = landing("head")
    todo = int(re.search(r"待您审核（(\d+)）", page).group(1))
    assert path == "/me/" and todo >= 1
    assert f"{todo} 份报送待您审核" in demo["head"]
    path, page = landing("leader")
    assert path == "/me/" and re.search(r"需要关注（[1-9]\d*）", page)
    path, page = landing("auditor")
    assert path == "/office/" and "待审核报送" in page and "核对并发布" not in page
    assert AuditEntry.objects.filter(at__date=dt.date(2022, 2, 7)).exists()  # a log to read
    # The county's office runs its own month: its desk, its ledger, none of the city's.
    path, page = landing("county")
    assert path == "/office/" and "德城区" in page and "核对并发布" in page
    missing = int(re.search(r"(\d+) 项未报送", demo["county"]).group(1))
    assert missing > 0 and "DZ2021-" in page and "DC2021-" in page


def test_the_reporter_reworks_the_returned_report_and_the_head_approves_it(demo):
    returned = Report.objects.get(month=JANUARY, status="returned")
    url = f"/reports/{returned.task.code}/2022-01/"
    reporter = sign_in("reporter")
    page = reporter.get(url).content.decode()
    assert "退回意见" in page and returned.comment in page
    data = {"action": "submit", "version": returned.version, "narrative": "已补充会议纪要"}
    for line in returned.lines.all():
        data |= {
            f"node-{line.node_id}-status": line.status,
            f"node-{line.node_id}-percent": line.percent or "",
            f"node-{line.node_id}-done_on": line.done_on.isoformat() if line.done_on else "",
            f"node-{line.node_id}-note": line.note or "已补充说明",
        }
    assert reporter.post(url, data).status_code == 302
    head = sign_in("head")
    returned.refresh_from_db()
    assert head.post(url, {"action": "approve", "version": returned.version}).status_code == 302
    returned.refresh_from_db()
    # Approved again after the office's return: the first approval, on time, decides.
    assert returned.status == "approved" and not returned.late


def test_the_office_previews_overrides_and_publishes_january(demo):
    office = sign_in("office")
    desk = office.get("/office/?month=2022-01").content.decode()
    assert "评价预览" in desk
    code = re.search(r'data-task="(DZ2021-\d+)">', desk).group(1)
    data = {"month": "2022-01", "task": code, "rating": "ostrich", "reason": "已书面说明情况"}
    assert office.post("/office/override/", data).status_code == 302
    check = office.get("/office/publication/?month=2022-01").content.decode()
    missing = int(re.search(r"(\d+) 项应报送的任务尚未报送", check).group(1))
    assert missing > 0 and '<div class="alert-danger" role="alert">' in check
    confirm = {"month": "2022-01", "action": "publish", "confirm": "2022-01"}
    response = office.post("/office/publication/", confirm, follow=True)
    assert "2022年1月已发布" in response.content.decode()
    board = json.loads(Publication.objects.get(month=JANUARY).snapshot)
    row = next(t for t in board["tasks"] if t["task"] == code)
    assert row["rating"] == "ostrich" and row["override"]["reason"] == "已书面说明情况"
    assert Override.objects.get().by.username == "office"
    assert localtime(Publication.objects.get(month=JANUARY).published_at).date() == dt.date(
        2022, 2, 8
    )
    assert office.get("/board/2022-01/").status_code == 200


def test_one_clock_stamps_everything_in_the_demo_with_its_own_dates(demo):
    # Nothing the demo wrote carries the real date of the machine it runs on.
    years = set(AuditEntry.objects.dates("at", "year").values_list("at__year", flat=True))
    assert years <= {2021, 2022}
    published = AuditEntry.objects.filter(action="board_published").order_by("seq").first()
    assert localtime(published.at).strftime("%Y-%m-%d %H:%M") == "2021-02-10 09:00"
    assert set(Report.objects.dates("updated_at", "month")) <= {dt.date(2022, 2, 1)}
    # The log is a chain appended in order: the demo's month reads as a diary.
    times = list(AuditEntry.objects.order_by("seq").values_list("at", flat=True))
    assert times == sorted(times)
    assert not Evidence.objects.exclude(uploaded_at__year=2022).exists()


def test_the_follow_up_nodes_change_no_2021_rating():
    data = generate()
    plan = plan_january(data)
    rows = {}
    for r in data.progress:
        rows.setdefault(r.task, []).append(r)
    assert len(plan.follow_ups) > 20
    for task in data.tasks:
        extra = plan.follow_ups.get(task.code)
        if extra is None:
            continue
        for month in range(1, 13):
            m = index(dt.date(2021, month, 1))
            before = rules.rate(task_facts(task, rows.get(task.code, [])), m)
            after = rules.rate(task_facts(task, rows.get(task.code, []), extra), m)
            assert before.rating == after.rating, (task.code, month)


def test_january_has_every_kind_of_report_and_a_few_late_units():
    plan = plan_january(generate())
    channels = {r.channel for r in plan.reports}
    assert channels == {"import", "accepted", "approved", "returned", "submitted", "draft", "none"}
    late_units = {r.unit for r in plan.reports if r.channel == "none"}
    assert 2 <= len(late_units) <= 6
    mine = {r.channel for r in plan.reports if r.unit == plan.demo_unit}
    assert {"submitted", "returned", "draft"} <= mine


def test_tick_reminds_before_the_deadline_exactly_the_units_the_desk_lists_once(demo):
    """Three days before January's deadline, every unit the desk shows with a task expected
    and not yet submitted is reminded — its people in their inbox, its mailbox by e-mail —
    and no other; a second tick sends nothing new."""
    from ducha.desk.month import summarize
    from ducha.desk.reminders import UNSUBMITTED
    from ducha.notify.models import Delivery, Message, UnitChannel
    from ducha.org.models import Jurisdiction

    call_command("tick", "--now", "2022-02-02T09:00", stdout=io.StringIO())
    desk = {  # the city's desk and each county's
        s.task.lead_unit_id
        for place in Jurisdiction.objects.all()
        for s in summarize(JANUARY, jurisdiction=place).missing
        if s.stage in UNSUBMITTED
    }
    reminded = Delivery.objects.filter(message__kind="reminder_remind", channel="email")
    mailboxes = dict(UnitChannel.objects.values_list("address", "unit_id"))
    assert {mailboxes[d.address] for d in reminded} == desk and len(desk) > 50
    before = Message.objects.count(), Delivery.objects.count()
    call_command("tick", "--now", "2022-02-02T09:00", stdout=io.StringIO())
    call_command("tick", "--now", "2022-02-02T15:00", stdout=io.StringIO())
    assert (Message.objects.count(), Delivery.objects.count()) == before
