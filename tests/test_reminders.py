"""Chasing: `ducha tick` reminds before, on and after the deadline, heads of what waits for
them and the office of its queue; 催报 on the desk; the missing list as a workbook; the
marks of a posted board to each unit and leader. Nothing is ever sent twice."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook

from ducha.audit.models import AuditEntry
from ducha.boards.publication import publish
from ducha.desk import reminders
from ducha.desk.models import ReminderPlan
from ducha.desk.month import summarize
from ducha.lib import clock
from ducha.notify.models import Delivery, Message
from ducha.org.models import Jurisdiction, User
from ducha.reports import workflow

JUNE = dt.date(2021, 6, 1)


def tick(at: str) -> str:
    out = io.StringIO()
    call_command("tick", "--now", at, stdout=out)
    return out.getvalue()


def inbox(user, posted: bool = False) -> list[str]:
    """The subjects in `user`'s inbox, oldest first: reminders, or (`posted`) the marks of
    posted boards (tick posts April and May on its first run: the sample ledger's months)."""
    rows = Delivery.objects.filter(user=user, channel=Delivery.Channel.INBOX).order_by("pk")
    kinds = ("board_posted", "board_digest") if posted else ("reminder_",)
    rows = rows.filter(message__kind__startswith=kinds[0]) | rows.filter(message__kind__in=kinds)
    return [d.message.subject for d in rows.select_related("message").order_by("pk")]


def keys(prefix: str) -> list[str]:
    return sorted(Message.objects.filter(key__startswith=prefix).values_list("key", flat=True))


def client_for(user) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def test_three_and_one_days_before_the_deadline_each_unit_not_submitted_is_reminded(cycle):
    people = cycle
    said = tick("2021-07-02T09:00")  # the deadline is 5 July: three days before
    assert "2021年6月：发送报送提醒" in said
    expected = {
        s.task.lead_unit.name for s in summarize(JUNE).missing if s.stage in reminders.UNSUBMITTED
    }
    reminded = {m.body.split("：")[0] for m in Message.objects.filter(kind="reminder_remind")}
    assert reminded == expected and expected  # exactly the desk's missing units
    assert inbox(people["reporter"]) == [
        "【提醒】2021年6月改革任务进展请于2021年7月5日前报送（还有 3 天）"
    ]
    assert inbox(people["head"]) == inbox(people["reporter"])
    assert inbox(people["office"]) == [] and inbox(people["leader"]) == []
    # Run again, or again that day: nothing new.
    count = Message.objects.count()
    assert tick("2021-07-02T09:00").strip() == "没有到期的工作"
    tick("2021-07-02T17:00")
    assert Message.objects.count() == count
    tick("2021-07-03T09:00")  # two days before: no reminder of its own
    assert len(inbox(people["reporter"])) == 1
    tick("2021-07-04T09:00")
    assert inbox(people["reporter"])[-1].endswith("（还有 1 天）")
    tick("2021-07-05T09:00")
    assert (
        inbox(people["reporter"])[-1]
        == "【提醒】今天（2021年7月5日）是2021年6月改革任务进展报送截止日"
    )


def test_nothing_is_sent_before_the_hour_of_the_plan(cycle):
    assert "提醒" not in tick("2021-07-02T08:59")
    ReminderPlan.objects.create(jurisdiction=Jurisdiction.objects.home(), hour=7, before="2")
    tick("2021-07-02T08:59")  # three days before: not in this plan
    assert not Message.objects.filter(kind__startswith="reminder").exists()
    tick("2021-07-03T07:00")
    assert keys("remind:city:2021-06:2021-07-03")


def test_after_the_deadline_the_head_of_a_late_unit_is_reminded_daily(cycle):
    people = cycle
    tick("2021-07-06T09:00")
    tick("2021-07-06T09:30")
    tick("2021-07-07T09:00")
    late = [s for s in inbox(people["head"]) if s.startswith("【逾期】")]
    assert len(late) == 2 and "逾期 1 天" in late[0] and "逾期 2 天" in late[1]
    assert not [s for s in inbox(people["reporter"]) if s.startswith("【逾期】")]


def test_a_submitted_report_reminds_the_head_to_approve_and_no_longer_the_unit(cycle):
    people, task = cycle, cycle["t1"]
    with clock.frozen(dt.datetime(2021, 7, 1, 10)):
        report = workflow.open_report(task, JUNE)
        n1, n2 = task.nodes.get(code="N1"), task.nodes.get(code="N2")
        lines = {
            n1.pk: workflow.LineInput("done", 100, dt.date(2021, 6, 28), "已完成"),
            n2.pk: workflow.LineInput("in_progress", 30, None, "正在起草"),
        }
        workflow.save_report(
            report,
            people["reporter"],
            report.version,
            narrative="已按计划完成",
            problems="",
            next_steps="",
            lines=lines,
        )
        workflow.submit_report(report, people["reporter"], report.version)
    tick("2021-07-02T09:00")
    assert inbox(people["head"]) == ["【待审核】1 份2021年6月进展报送待您审核"]
    assert inbox(people["reporter"]) == []
    with clock.frozen(dt.datetime(2021, 7, 2, 11)):
        report.refresh_from_db()
        workflow.approve_report(report, people["head"], report.version)
    tick("2021-07-03T09:00")
    assert inbox(people["office"]) == ["【待审核】1 份2021年6月进展报送待改革办审核"]


def test_a_posted_board_sends_each_unit_its_marks_and_each_leader_his_digest(
    cycle, django_capture_on_commit_callbacks
):
    people = cycle
    with django_capture_on_commit_callbacks(execute=True):
        publish(JUNE, now=clock.local(dt.datetime(2021, 7, 10, 9)))
    posted = inbox(people["reporter"], posted=True)
    assert len(posted) == 1 and posted[0].startswith("【公示】2021年6月改革任务“四色”督查结果：")
    digest = inbox(people["leader"], posted=True)
    assert len(digest) == 1 and digest[0].startswith("【公示】您分管的 1 项改革任务2021年6月评价")
    body = Message.objects.get(kind="board_digest").body
    assert "T-1" in body and "T-2" not in body  # 赵明's task only
    # tick's catch-up sends April's and May's (it posts them now), never June's again.
    tick("2021-07-10T10:00")
    june = [s for s in inbox(people["reporter"], posted=True) if "2021年6月" in s]
    assert len(june) == 1 and len(inbox(people["reporter"], posted=True)) == 3


# 催报 ------------------------------------------------------------------------------------


def test_the_office_previews_then_chases_every_unit_still_missing_once_a_day(cycle):
    people = cycle
    office = client_for(people["office"])
    page = office.get("/office/chase/?month=2021-06").content.decode()
    assert "市工业和信息化局" in page and "reporter" in page and "发送催报" in page
    assert not Message.objects.exists()  # the preview writes nothing
    response = office.post("/office/chase/", {"month": "2021-06"}, follow=True)
    assert "已向 " in response.content.decode()
    assert inbox(people["reporter"])[0].startswith("【催报】请尽快报送2021年6月改革任务进展")
    entry = AuditEntry.objects.get(action="units_chased")
    assert entry.actor == people["office"] and entry.data()["sent"] >= 1
    again = office.post("/office/chase/", {"month": "2021-06"}, follow=True)
    assert "今天已催报过，未重复发送" in again.content.decode()
    assert len(inbox(people["reporter"])) == 1


@pytest.mark.parametrize("who", ["reporter", "head", "leader", "auditor"])
def test_only_the_office_chases(cycle, who):
    client = client_for(cycle[who])
    assert client.post("/office/chase/", {"month": "2021-06"}).status_code == 403
    assert client.get("/office/chase/?month=2021-06").status_code == 403
    assert not Message.objects.exists()


def test_a_bad_month_is_refused_and_chases_nobody(cycle):
    office = client_for(cycle["office"])
    assert office.post("/office/chase/", {"month": "June"}).status_code == 400
    assert not Message.objects.exists()


def test_a_county_office_chases_only_its_own_county(cycle):
    county = Jurisdiction.objects.create(
        slug="decheng", name="德城区", level="county", parent=Jurisdiction.objects.home()
    )
    clerk = User.objects.create_user("dc", password="pw-12345678", role="office")
    clerk.jurisdiction = county
    clerk.save()
    response = client_for(clerk).post("/office/chase/", {"month": "2021-06"}, follow=True)
    assert "没有需要催报的单位" in response.content.decode()
    assert not Message.objects.exists()


def test_the_missing_list_downloads_as_a_workbook(cycle):
    response = client_for(cycle["auditor"]).get("/office/missing.xlsx?month=2021-06")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    missing = summarize(JUNE).missing
    assert [(r[0], r[1]) for r in rows] == [
        (u.unit.name, s.task.code) for u in summarize(JUNE).units for s in u.missing
    ]
    assert len(rows) == len(missing) and "未报送清单" in sheet.cell(1, 1).value
    assert client_for(cycle["reporter"]).get("/office/missing.xlsx").status_code == 403


def test_only_the_month_being_reported_is_chased(cycle):
    office = client_for(cycle["office"])
    for month in ("2021-05", "2021-07"):  # before it, and the month under way
        assert office.post("/office/chase/", {"month": month}).status_code == 400
        assert office.get(f"/office/chase/?month={month}").status_code == 400
    assert office.put("/office/chase/").status_code == 405
    assert not Message.objects.exists()


def test_a_subject_is_one_line_whatever_the_title_held(cycle):
    """A task title typed with Alt+Enter in Excel keeps its line break; an e-mail subject
    cannot carry one."""
    from ducha.notify.api import send

    message, _ = send([cycle["reporter"]], kind="test", subject="第一行\n第二行", body="", key="k")
    assert message.subject == "第一行 第二行"
