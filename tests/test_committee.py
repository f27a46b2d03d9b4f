"""深改委: who opens and writes the meeting pages, a meeting recorded and corrected through its
form, a decision tracked as a new task, a follow-up or a 交办事项 (and the forms that refuse,
keeping what was typed), the origin on the task's pages, the year's figures on the page and in
the 盘点, and the demo at the source's scale."""

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ducha.assignments.models import Assignment
from ducha.audit.models import AuditEntry
from ducha.bulletins.content import YEAR_SECTIONS, Table
from ducha.committee import demo, workflow
from ducha.committee.models import AgendaItem, Decision, Meeting, MeetingDocument
from ducha.committee.workflow import AgendaRow, AttendanceRow, DecisionRow, MeetingData
from ducha.committee.yearly import figures, review_section
from ducha.ledger.models import Task
from ducha.notify.models import Message
from ducha.org.models import Area, Jurisdiction, Leader, Unit, User
from tests.test_reports import PDF

Kind = AgendaItem.Kind
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


def client_of(user=None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


def meeting_of(cycle, number=2, day=dt.date(2021, 6, 24), agenda=None, decisions=None, **more):
    """A meeting recorded by the office through the workflow."""
    gxj = Unit.objects.get(name="市工业和信息化局")
    agenda = agenda or [
        AgendaRow(1, Kind.PLAN, "审议亩产效益评价改革实施方案", gxj),
        AgendaRow(2, Kind.REPORT, "听取市财政局关于预算绩效改革的汇报"),
    ]
    decisions = decisions or [DecisionRow("原则同意亩产效益评价改革实施方案，纳入台账跟踪", 1)]
    data = MeetingData(
        number=number,
        held_on=day,
        kind=Meeting.Kind.PLENARY,
        agenda=agenda,
        decisions=decisions,
        attendance=[
            AttendanceRow("赵明", "副市长"),
            AttendanceRow("钱红", "副市长", False, "出差"),
        ],
        **more,
    )
    return workflow.save_meeting(None, cycle["office"], data, jurisdiction=cycle["t1"].jurisdiction)


def rows(prefix: str, filled: list[dict], total: int | None = None, initial: int = 0) -> dict:
    """A formset's POST: its management form and its rows."""
    total = len(filled) if total is None else total
    data = {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(filled):
        data |= {f"{prefix}-{i}-{k}": v for k, v in row.items()}
    return data


def meeting_post(**over) -> dict:
    data = {
        "number": "1",
        "held_on": "2021-03-18",
        "kind": "plenary",
        "title": "",
        "presided_by": "",
        "summary": "部署全年改革工作",
        **rows("agenda", [{"order": "1", "kind": "plan", "title": "审议改革工作要点"}]),
        **rows("attendance", [{"name": "赵明", "post": "副市长", "status": "present"}]),
        **rows("decisions", [{"agenda": "1", "text": "原则同意改革工作要点"}]),
    }
    data.update(over)
    return data


def track_post(how: str, **fields) -> dict:
    prefix = {"new_task": "new", "follow_up": "follow", "assignment": "assign"}[how]
    data = {"how": how, **{f"{prefix}-{k}": v for k, v in fields.items()}}
    if how == "new_task":
        data |= rows("nodes", [], total=3)
    return data


def new_task_post(cycle, nodes=None, **over) -> dict:
    data = track_post(
        "new_task",
        code="SGW-1",
        title="建立亩产效益评价结果应用机制",
        area=str(Area.objects.get(key="industry").pk),
        source="city",
        leader=str(Leader.objects.get(name="赵明").pk),
        lead_unit=str(cycle["reporter"].unit_id),
        plan_year="2021",
        requirements="",
    )
    nodes = (
        [{"code": "N1", "title": "出台评价结果应用办法", "due": "2021-06"}]
        if nodes is None
        else nodes
    )
    data |= rows("nodes", nodes, total=3)
    data.update(over)
    return data


@pytest.fixture
def county(cycle):
    """德城区, a county below the city, with its office and a meeting of its own."""
    place = Jurisdiction.objects.create(
        slug="dc", name="德城区", level="county", parent=Jurisdiction.objects.home()
    )
    office = User.objects.create_user("dc-office", role=User.Role.OFFICE, jurisdiction=place)
    meeting = workflow.save_meeting(
        None,
        office,
        MeetingData(number=1, held_on=dt.date(2021, 4, 1), kind="plenary"),
        jurisdiction=place,
    )
    return {"place": place, "office": office, "meeting": meeting}


# Who opens and writes -------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in(cycle):
    meeting = meeting_of(cycle)
    for url in ("/committee/", f"/committee/{meeting.pk}/", "/committee/new/"):
        response = client_of().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_reporter_may_neither_read_nor_record_meetings_nor_track_decisions(cycle):
    meeting = meeting_of(cycle)
    decision = meeting.decisions.get()
    client = client_of(cycle["reporter"])
    assert client.get("/committee/").status_code == 403
    assert client.get(f"/committee/{meeting.pk}/").status_code == 403
    assert client.post("/committee/new/", meeting_post()).status_code == 403
    response = client.post(f"/committee/decisions/{decision.pk}/track/", new_task_post(cycle))
    assert response.status_code == 403
    assert Meeting.objects.count() == 1 and not Task.objects.filter(code="SGW-1").exists()


def test_the_leader_and_the_auditor_read_but_write_nothing(cycle):
    meeting = meeting_of(cycle)
    decision = meeting.decisions.get()
    for who in ("leader", "auditor"):
        client = client_of(cycle[who])
        html = page(client.get("/committee/?year=2021"))
        assert meeting.title in html and "登记会议" not in html
        assert "转办跟踪" not in page(client.get(f"/committee/{meeting.pk}/"))
        assert client.get("/committee/new/").status_code == 403
        assert client.post(f"/committee/{meeting.pk}/edit/", meeting_post()).status_code == 403
        track = client.post(f"/committee/decisions/{decision.pk}/track/", new_task_post(cycle))
        assert track.status_code == 403


def test_the_county_office_cannot_touch_the_citys_meetings(cycle, county):
    meeting = meeting_of(cycle)
    decision = meeting.decisions.get()
    client = client_of(county["office"])
    assert client.get(f"/committee/{meeting.pk}/").status_code == 404
    assert client.post(f"/committee/{meeting.pk}/edit/", meeting_post()).status_code == 404
    response = client.post(f"/committee/decisions/{decision.pk}/track/", new_task_post(cycle))
    assert response.status_code == 404
    assert meeting.title not in page(client.get("/committee/?year=2021"))
    assert client.get("/committee/?j=city").status_code == 404
    # The city's office reads the county's meetings, and changes nothing there.
    city = client_of(cycle["office"])
    assert county["meeting"].title in page(city.get("/committee/?year=2021&j=dc"))
    assert city.get(f"/committee/{county['meeting'].pk}/").status_code == 200
    edit = city.post(f"/committee/{county['meeting'].pk}/edit/", meeting_post())
    assert edit.status_code == 403


def test_the_pages_write_nothing_on_get(cycle):
    meeting = meeting_of(cycle)
    decision = meeting.decisions.get()
    client = client_of(cycle["office"])
    urls = ["/committee/", "/committee/new/", f"/committee/{meeting.pk}/"]
    urls += [f"/committee/{meeting.pk}/edit/", f"/committee/decisions/{decision.pk}/track/"]
    for url in urls:
        client.get(url)  # warm up: the session
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200, url
        writes = [q["sql"] for q in captured if WRITES.match(q["sql"])]
        assert all("django_session" in sql for sql in writes), (url, writes)


def test_a_bad_year_is_a_400_naming_it(cycle):
    response = client_of(cycle["office"]).get("/committee/?year=①")
    assert response.status_code == 400 and "year" in page(response)


# The meeting form -----------------------------------------------------------------------------


def test_the_office_records_a_meeting_with_its_rows_and_a_file(cycle):
    client = client_of(cycle["office"])
    data = meeting_post(
        **rows(
            "agenda",
            [
                {"order": "1", "kind": "plan", "title": "审议改革工作要点"},
                {"order": "2", "kind": "report", "title": "听取财政局汇报"},
                {"order": "3", "kind": "plan", "title": ""},  # a blank row: left out
            ],
        ),
        **rows(
            "attendance",
            [
                {"name": "赵明", "post": "副市长", "status": "present"},
                {"name": "钱红", "post": "副市长", "status": "leave", "leave_reason": "出差"},
            ],
        ),
        upload_agenda="2",
        files=SimpleUploadedFile("汇报材料.pdf", PDF),
    )
    response = client.post("/committee/new/", data)
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/committee/{meeting.pk}/"
    assert (meeting.year, meeting.number, meeting.title) == (2021, 1, "市委深改委2021年第1次会议")
    assert [(a.order, a.kind, a.title) for a in meeting.agenda.all()] == [
        (1, "plan", "审议改革工作要点"),
        (2, "report", "听取财政局汇报"),
    ]
    assert [(p.name, p.present, p.leave_reason) for p in meeting.attendance.all()] == [
        ("赵明", True, ""),
        ("钱红", False, "出差"),
    ]
    (decision,) = meeting.decisions.all()
    assert decision.agenda_item.order == 1 and not decision.is_tracked
    (document,) = meeting.documents.all()
    assert (document.original_name, document.agenda_item.order) == ("汇报材料.pdf", 2)
    download = client.get(f"/committee/files/{document.pk}/")
    assert b"".join(download.streaming_content) == PDF
    assert client_of(cycle["reporter"]).get(f"/committee/files/{document.pk}/").status_code == 403
    (entry,) = AuditEntry.objects.filter(action="meeting_saved")
    assert json.loads(entry.detail) | {"held_on": ""} == {
        "year": 2021,
        "number": 1,
        "held_on": "",
        "created": True,
        "agenda": 2,
        "decisions": 1,
        "files": 1,
        "files_removed": 0,
    }
    html = page(client.get(f"/committee/{meeting.pk}/"))
    assert "审议改革工作要点" in html and "出差" in html and "汇报材料.pdf" in html


def test_a_refused_meeting_form_answers_400_naming_the_field_and_keeps_what_was_typed(cycle):
    meeting_of(cycle, number=1, day=dt.date(2021, 3, 18))
    client = client_of(cycle["office"])
    response = client.post("/committee/new/", meeting_post(summary="这段纪要要保留"))
    html = page(response)
    assert response.status_code == 400
    assert response.context["forms"].meeting.errors["number"] == ["2021年已有第1次会议"]
    assert "这段纪要要保留" in html and 'value="审议改革工作要点"' in html
    # A decision naming an agenda item that is not there, and a leave without its reason.
    bad = meeting_post(
        number="5",
        **rows("decisions", [{"agenda": "7", "text": "决定甲"}]),
        **rows("attendance", [{"name": "钱红", "status": "leave", "leave_reason": ""}]),
    )
    response = client.post("/committee/new/", bad)
    assert response.status_code == 400
    forms = response.context["forms"]
    assert forms.decisions.forms[0].errors["agenda"] == ["没有序号为 7 的议题"]
    assert forms.attendance.forms[0].errors["leave_reason"] == ["请假的请写明事由"]
    assert "决定甲" in page(response) and Meeting.objects.count() == 1


def test_correcting_a_meeting_keeps_its_tracked_decisions_as_they_are(cycle):
    meeting = meeting_of(cycle, decisions=[DecisionRow("决定甲", 1), DecisionRow("决定乙", 2)])
    first, second = meeting.decisions.all()
    workflow.track_follow_up(first, cycle["office"], task=cycle["t1"])
    agenda = list(meeting.agenda.all())
    data = meeting_post(
        number="2",
        held_on="2021-06-24",
        **rows(
            "agenda",
            [
                {"id": agenda[0].pk, "order": "1", "kind": "plan", "title": "审议方案（修改）"},
                {"id": agenda[1].pk, "order": "2", "kind": "report", "title": "", "DELETE": "on"},
            ],
            initial=2,
        ),
        **rows(
            "decisions",
            [{"id": second.pk, "agenda": "1", "text": "决定乙（修改）"}],
            initial=1,
        ),
        **rows("attendance", []),
    )
    form = client_of(cycle["office"]).get(f"/committee/{meeting.pk}/edit/")
    assert "决定甲" in page(form)  # listed, not editable
    assert [f.initial["id"] for f in form.context["forms"].decisions.initial_forms] == [second.pk]
    response = client_of(cycle["office"]).post(f"/committee/{meeting.pk}/edit/", data)
    assert response.status_code == 302, page(response)
    assert [a.title for a in meeting.agenda.all()] == ["审议方案（修改）"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.text, first.tracking, first.agenda_item_id) == (
        "决定甲",
        "follow_up",
        agenda[0].pk,
    )
    assert (second.text, second.agenda_item_id) == ("决定乙（修改）", agenda[0].pk)
    # The attendance rows were there before and not sent: still there.
    assert meeting.attendance.count() == 2
    with pytest.raises(workflow.CommitteeError, match="已转办的决定不能修改或删除"):
        workflow.save_meeting(
            meeting,
            cycle["office"],
            MeetingData(
                2, dt.date(2021, 6, 24), "plenary", decisions=[DecisionRow("x", id=first.pk)]
            ),
        )


# Tracking a decision --------------------------------------------------------------------------


def test_a_decision_becomes_a_new_task_led_by_a_unit_which_is_told(cycle):
    decision = meeting_of(cycle).decisions.get()
    url = f"/committee/decisions/{decision.pk}/track/"
    form = page(client_of(cycle["office"]).get(url))
    assert 'value="原则同意亩产效益评价改革实施方案，纳入台账跟踪"' in form  # the title offered
    response = client_of(cycle["office"]).post(url, new_task_post(cycle))
    assert response.status_code == 302, page(response)
    task = Task.objects.get(code="SGW-1")
    assert (task.lead_unit, task.leader.name, task.plan_year, task.source) == (
        cycle["reporter"].unit,
        "赵明",
        2021,
        "city",
    )
    assert [(n.code, n.due_month) for n in task.nodes.all()] == [("N1", dt.date(2021, 6, 1))]
    decision.refresh_from_db()
    assert (decision.tracking, decision.task, decision.tracked_by) == (
        "new_task",
        task,
        cycle["office"],
    )
    (entry,) = AuditEntry.objects.filter(action="decision_tracked")
    assert entry.task_code == "SGW-1"
    assert json.loads(entry.detail)["meeting"] == "市委深改委2021年第2次会议"
    message = Message.objects.get(kind="decision_tracked")
    assert cycle["reporter"] in [d.user for d in message.deliveries.filter(user__isnull=False)]
    # Tracked once: the page sends the office back to the meeting.
    again = client_of(cycle["office"]).post(url, new_task_post(cycle, code="SGW-2"))
    assert again.status_code == 302 and not Task.objects.filter(code="SGW-2").exists()


def test_a_refused_track_form_answers_400_naming_the_field_and_keeps_what_was_typed(cycle):
    decision = meeting_of(cycle).decisions.get()
    url = f"/committee/decisions/{decision.pk}/track/"
    client = client_of(cycle["office"])

    taken = client.post(url, new_task_post(cycle, **{"new-code": "T-1"}))
    assert taken.status_code == 400
    assert taken.context["new"].errors["code"] == ["台账中已有编号为 T-1 的任务，请换一个编号"]
    html = page(taken)
    assert 'value="T-1"' in html and 'value="建立亩产效益评价结果应用机制"' in html
    assert 'value="出台评价结果应用办法"' in html

    no_node = client.post(url, new_task_post(cycle, nodes=[], **{"new-code": "SGW-9"}))
    assert no_node.status_code == 400
    assert "请至少填写一个节点（编号、节点目标和完成时限）" in page(no_node)
    assert 'value="SGW-9"' in page(no_node)

    bad_month = [{"code": "N1", "title": "出台办法", "due": "2021-13"}]
    refused = client.post(url, new_task_post(cycle, nodes=bad_month))
    assert refused.status_code == 400
    assert refused.context["nodes"].forms[0].errors["due"] == ["请按 YYYY-MM 填写，例如 2022-06"]

    unknown = client.post(url, track_post("follow_up", task="NOPE"))
    assert unknown.status_code == 400
    assert unknown.context["follow"].errors["task"] == ["台账中没有编号为 NOPE 的任务"]
    assert 'value="NOPE"' in page(unknown)

    decision.refresh_from_db()
    assert not decision.is_tracked and not Task.objects.filter(code__startswith="SGW").exists()


def test_a_follow_up_shows_the_decision_as_the_origin_of_the_task(cycle):
    meeting = meeting_of(cycle)
    decision = meeting.decisions.get()
    response = client_of(cycle["office"]).post(
        f"/committee/decisions/{decision.pk}/track/", track_post("follow_up", task="T-2")
    )
    assert response.status_code == 302
    origin = "市委深改委2021年第2次会议决定：原则同意亩产效益评价改革实施方案，纳入台账跟踪"
    # The public page: the origin, no link to a page the visitor may not read.
    public = page(client_of().get("/tasks/T-2/"))
    assert "来源：" + origin in re.sub(r"<[^>]+>", "", public)
    assert f'href="/committee/{meeting.pk}/"' not in public
    # Those who read the committee follow it to the meeting; the unit reads the origin.
    office = page(client_of(cycle["office"]).get("/tasks/T-2/"))
    assert f'<a href="/committee/{meeting.pk}/">市委深改委2021年第2次会议</a>' in office
    report = page(client_of(cycle["other_reporter"]).get("/reports/T-2/2021-06/"))
    assert origin in re.sub(r"<[^>]+>", "", report)
    assert f'href="/committee/{meeting.pk}/"' not in report
    # In English too.
    english = client_of()
    english.cookies["django_language"] = "en"
    assert "Source:" in page(english.get("/tasks/T-2/"))


def test_the_origin_costs_one_query_however_many_decisions(cycle):
    visitor = client_of()

    def count() -> tuple[int, int]:
        cache.clear()  # the page drawn, not served from the page cache
        with CaptureQueriesContext(connection) as captured:
            html = page(visitor.get("/tasks/T-2/"))
        return len(captured), html.count('class="task-origin"')

    none, _ = count()
    for number in (2, 3):
        decision = meeting_of(cycle, number=number).decisions.get()
        workflow.track_follow_up(decision, cycle["office"], task=cycle["t2"])
    assert count() == (none, 2)


def test_a_decision_becomes_a_numbered_assignment_of_the_unit(cycle):
    decision = meeting_of(cycle).decisions.get()
    url = f"/committee/decisions/{decision.pk}/track/"
    post = track_post(
        "assignment",
        title="报送亩产效益评价结果应用情况",
        instruction="原则同意亩产效益评价改革实施方案",
        unit=str(cycle["other_reporter"].unit_id),
        deadline="2021-07-31",
    )
    late = client_of(cycle["office"]).post(url, post | {"assign-deadline": "2021-06-30"})
    assert late.status_code == 400
    assert late.context["assign"].errors["deadline"] == ["办理时限不能早于今天"]
    response = client_of(cycle["office"]).post(url, post)
    assert response.status_code == 302, page(response)
    item = Assignment.objects.get()
    assert (item.kind, item.unit.name, item.deadline, item.origin) == (
        "decision",
        "市财政局",
        dt.date(2021, 7, 31),
        "市委深改委2021年第2次会议决定",
    )
    decision.refresh_from_db()
    assert (decision.tracking, decision.assignment) == ("assignment", item)
    html = page(client_of(cycle["office"]).get(f"/committee/{decision.meeting_id}/"))
    assert item.document_number in html
    entry = AuditEntry.objects.get(action="decision_tracked")
    assert json.loads(entry.detail)["assignment"] == item.document_number


# The year -------------------------------------------------------------------------------------


def test_the_years_figures_count_meetings_agenda_and_decisions_by_how_tracked(cycle):
    plan, report, study = Kind.PLAN, Kind.REPORT, Kind.STUDY
    one = meeting_of(
        cycle,
        number=1,
        day=dt.date(2021, 3, 18),
        agenda=[
            AgendaRow(1, plan, "方案甲"),
            AgendaRow(2, plan, "方案乙"),
            AgendaRow(3, study, "学习"),
        ],
        decisions=[DecisionRow("决定一", 1), DecisionRow("决定二", 2), DecisionRow("决定三")],
    )
    meeting_of(
        cycle, number=2, agenda=[AgendaRow(1, report, "汇报甲"), AgendaRow(2, report, "汇报乙")]
    )
    meeting_of(cycle, number=1, day=dt.date(2022, 1, 20))  # another year
    first, second, _third = one.decisions.all()
    workflow.track_follow_up(first, cycle["office"], task=cycle["t1"])
    workflow.track_follow_up(second, cycle["office"], task=cycle["t2"])
    f = figures(2021)
    assert (f.meetings, f.plenary, f.plans, f.reports, f.studies) == (2, 2, 2, 2, 1)
    assert (f.decisions, f.follow_ups, f.new_tasks, f.assignments, f.untracked) == (4, 2, 0, 0, 2)
    html = page(client_of(cycle["office"]).get("/committee/?year=2021"))
    for name, value in (("meetings", 2), ("plans", 2), ("reports", 2), ("follow_ups", 2)):
        assert f'data-figure="{name}">{value}<' in html
    assert '<a href="?year=2022">2022</a>' in html


def test_the_year_page_costs_the_same_queries_for_one_meeting_or_four(cycle):
    client = client_of(cycle["office"])
    meeting_of(cycle, number=1)
    client.get("/committee/?year=2021")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/committee/?year=2021").status_code == 200
        return len(captured)

    one = count()
    for number in (2, 3, 4):
        meeting_of(cycle, number=number)
    assert count() == one


def test_the_years_review_has_a_committee_section_or_none(cycle):
    assert review_section in YEAR_SECTIONS
    assert review_section(2021) is None
    meeting = meeting_of(cycle)
    workflow.track_follow_up(meeting.decisions.get(), cycle["office"], task=cycle["t1"])
    section = review_section(2021)
    assert section.heading == "深改委会议及决定落实情况"
    opening, tracked, table = section.blocks
    assert (
        opening == "2021年，市委深改委共召开会议1次（全体会议1次），审议改革方案1个，听取汇报1项。"
    )
    assert tracked.startswith(
        "会议作出决定1项，已转化为跟踪事项1项：新列改革任务0项，纳入已有任务跟踪1项"
    )
    assert isinstance(table, Table)
    assert table.rows == [("第2次", "2021年6月24日", "全体会议", "—", "1", "1", "1")]


# The demo ---------------------------------------------------------------------------------------


def test_the_demo_holds_the_sources_2021_committee(demo_database, db):
    home = Jurisdiction.objects.home()
    f = figures(2021, home)
    assert (f.meetings, f.plans) == (4, 12) and f.reports >= 20 and f.studies >= 1
    assert 3 <= f.assignments <= 5 and f.new_tasks == 0 and f.follow_ups >= 12
    assert Task.objects.in_jurisdiction(home).count() == 186  # the ledger untouched
    reporter = User.objects.get(username="reporter")
    assigned = Assignment.objects.filter(committee_decision__isnull=False)
    assert assigned.filter(unit=reporter.unit, kind="decision").exists()
    assert f"深改委：2021年召开会议4次，审议方案12个，听取汇报{f.reports}项" in demo_database
    assert all(m.attendance.exists() for m in Meeting.objects.of_year(home, 2021))
    before = (Meeting.objects.count(), Decision.objects.count(), Assignment.objects.count())
    demo.seed()
    after = (Meeting.objects.count(), Decision.objects.count(), Assignment.objects.count())
    assert before == after
    assert not MeetingDocument.objects.exists()
