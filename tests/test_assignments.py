"""交办事项: assigned by the office, signed for, answered, returned, closed; who may take each
step and when; the urgency grade at its boundaries; the tick's warnings once each; the list's
scope per role; constant queries on /me/, the leader's page and the desk."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from ducha.assignments import deadlines, urgency, workflow
from ducha.assignments.models import Assignment, Step
from ducha.audit.models import AuditEntry
from ducha.lib.xlsx import CONTENT_TYPE
from ducha.notify.models import Message
from ducha.org.models import Jurisdiction, Leader, Unit, User
from tests.test_reports import PDF

TODAY = dt.date(2021, 7, 3)  # the cycle's pinned date


def client_of(user=None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    return client


def page(response) -> str:
    return response.content.decode()


def item_for(cycle, *, unit="市工业和信息化局", days=20, kind="instruction", title="推进政务服务"):
    return workflow.assign(
        jurisdiction=Jurisdiction.objects.home(),
        kind=kind,
        title=title,
        instruction="请抓紧研究，拿出具体措施。",
        unit=Unit.objects.get(name=unit),
        deadline=TODAY + dt.timedelta(days=days),
        by=cycle["office"],
        leader=Leader.objects.get(name="赵明") if kind == "instruction" else None,
        origin="" if kind == "instruction" else "市委深改委2021年第2次会议",
        task=cycle["t1"],
    )


def actions(item) -> list[str]:
    found = AuditEntry.objects.filter(target_type="Assignment", target_id=str(item.pk))
    return list(found.order_by("seq").values_list("action", flat=True))


# The urgency grade (pure) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "grade"),
    [
        (dt.date(2021, 7, 6), urgency.NORMAL),  # 4 days before
        (dt.date(2021, 7, 7), urgency.NEAR),  # 3 days before: near
        (dt.date(2021, 7, 10), urgency.NEAR),  # the deadline day itself
        (dt.date(2021, 7, 11), urgency.OVERDUE),  # the day after
    ],
)
def test_an_open_item_is_graded_by_its_deadline(today, grade):
    assert urgency.grade(dt.date(2021, 7, 10), today, closed=False, near_days=3) == grade


def test_a_closed_item_is_graded_on_time_or_late_whatever_the_day():
    deadline, later = dt.date(2021, 7, 10), dt.date(2021, 9, 1)
    on_time = urgency.grade(deadline, later, closed=True, closed_on=deadline, near_days=3)
    late = urgency.grade(deadline, later, closed=True, closed_on=dt.date(2021, 7, 11))
    assert (on_time, late) == (urgency.CLOSED, urgency.CLOSED_LATE)


def test_no_near_grade_when_the_setting_is_zero():
    deadline = dt.date(2021, 7, 10)
    assert urgency.grade(deadline, dt.date(2021, 7, 9), closed=False, near_days=0) == "normal"
    assert urgency.grade(deadline, deadline, closed=False, near_days=0) == "near"


def test_the_database_filter_grades_as_the_function_does(cycle):
    items = [item_for(cycle, days=d, title=f"事项{d}") for d in (-2, -1, 0, 1, 3, 4, 9)]
    for item in items:
        Assignment.objects.filter(pk=item.pk).update(deadline=item.deadline)
    for which in urgency.OPEN_GRADES:
        found = set(Assignment.objects.graded(which, TODAY).values_list("pk", flat=True))
        assert found == {i.pk for i in items if i.urgency(TODAY) == which}, which


# The steps ------------------------------------------------------------------------------------


def test_assigning_numbers_the_item_per_jurisdiction_and_year_and_tells_the_unit(cycle):
    first, second = item_for(cycle), item_for(cycle, kind="decision")
    assert (first.document_number, second.document_number) == (
        "德改交〔2021〕1号",
        "德改交〔2021〕2号",
    )
    assert first.state == "issued" and first.awaits_signing
    assert actions(first) == ["assignment_issued"]
    message = Message.objects.get(key=f"assignment:{first.pk}:issued")
    people = set(message.deliveries.values_list("user__username", flat=True))
    assert {"reporter", "head", "leader"} <= people and "other_reporter" not in people


def test_only_the_office_of_the_jurisdiction_assigns(cycle):
    with pytest.raises(PermissionDenied):
        workflow.assign(
            jurisdiction=Jurisdiction.objects.home(),
            kind="decision",
            title="x",
            instruction="y",
            unit=cycle["t1"].lead_unit,
            deadline=TODAY,
            by=cycle["reporter"],
        )


def test_an_item_goes_from_issued_to_closed_through_a_return(cycle):
    item = item_for(cycle)
    item = workflow.sign(item, cycle["reporter"])
    item = workflow.answer(
        item, cycle["head"], text="已制定方案", uploads=[SimpleUploadedFile("方案.pdf", PDF)]
    )
    item = workflow.send_back(item, cycle["office"], comment="措施不具体")
    assert item.state == "returned" and item.awaits_answer
    item = workflow.answer(item, cycle["reporter"], text="已细化措施")
    item = workflow.close(item, cycle["office"], comment="同意销号")
    assert (item.state, item.closed_on, item.closed_late) == ("closed", TODAY, False)
    assert actions(item) == [
        "assignment_issued",
        "assignment_signed",
        "assignment_answered",
        "assignment_returned",
        "assignment_answered",
        "assignment_closed",
    ]
    steps = list(item.steps.values_list("action", flat=True))
    assert steps == ["issued", "signed", "answered", "returned", "answered", "closed"]
    assert item.steps.get(action="answered", text="已制定方案").files.count() == 1
    assert item.urgency(TODAY + dt.timedelta(days=99)) == urgency.CLOSED


def test_closing_after_the_deadline_is_recorded_as_late(cycle, settings):
    item = item_for(cycle, days=1)
    workflow.sign(item, cycle["reporter"])
    workflow.answer(item, cycle["reporter"], text="办结")
    settings.DUCHA_TODAY = "2021-07-09"
    item = workflow.close(item, cycle["office"])
    assert item.closed_late is True and item.urgency() == urgency.CLOSED_LATE


def test_a_step_in_the_wrong_state_is_refused(cycle):
    item = item_for(cycle)
    with pytest.raises(workflow.AssignmentError):
        workflow.answer(item, cycle["reporter"], text="未签收先反馈")
    with pytest.raises(workflow.AssignmentError):
        workflow.close(item, cycle["office"])
    workflow.sign(item, cycle["reporter"])
    with pytest.raises(workflow.AssignmentError):
        workflow.sign(item, cycle["head"])


# The pages: who may POST what ----------------------------------------------------------------


def answered_item(cycle):
    item = workflow.sign(item_for(cycle), cycle["reporter"])
    return workflow.answer(item, cycle["reporter"], text="已办理")


@pytest.mark.parametrize(
    ("step", "wrong"),
    [
        ("sign", ["office", "other_reporter", "leader", "auditor"]),
        ("answer", ["office", "other_head", "leader", "auditor"]),
        ("review", ["reporter", "head", "leader", "auditor", "other_reporter"]),
    ],
)
def test_every_post_refuses_the_wrong_person(cycle, step, wrong):
    item = {"sign": item_for, "answer": lambda c: workflow.sign(item_for(c), c["reporter"])}.get(
        step, answered_item
    )(cycle)
    data = {"text": "x", "outcome": "close", "comment": ""}
    for who in wrong:
        response = client_of(cycle[who]).post(f"/assignments/{item.pk}/{step}/", data)
        # Out of their scope is a 404 (another unit's item), in it a 403.
        assert response.status_code in (403, 404), (who, response.status_code)
    assert client_of().post(f"/assignments/{item.pk}/{step}/", data).status_code == 302
    assert Assignment.objects.get(pk=item.pk).state == item.state


def test_every_post_refuses_the_wrong_state_with_a_409(cycle):
    item = item_for(cycle)  # issued
    reporter, office = client_of(cycle["reporter"]), client_of(cycle["office"])
    assert reporter.post(f"/assignments/{item.pk}/answer/", {"text": "x"}).status_code == 409
    review = {"outcome": "close"}
    assert office.post(f"/assignments/{item.pk}/review/", review).status_code == 409
    assert reporter.post(f"/assignments/{item.pk}/sign/").status_code == 302
    response = reporter.post(f"/assignments/{item.pk}/sign/")
    assert response.status_code == 409 and "办理中" in page(response)
    assert actions(item) == ["assignment_issued", "assignment_signed"]


def test_the_steps_through_the_pages(cycle):
    item = item_for(cycle)
    reporter, office = client_of(cycle["reporter"]), client_of(cycle["office"])
    assert "去签收" in page(reporter.get("/me/"))
    html = page(reporter.get(f"/assignments/{item.pk}/"))
    assert f'action="/assignments/{item.pk}/sign/"' in html and "review-form" not in html
    reporter.post(f"/assignments/{item.pk}/sign/")
    upload = SimpleUploadedFile("办理.pdf", PDF)
    response = reporter.post(f"/assignments/{item.pk}/answer/", {"text": "已完成", "files": upload})
    assert response.status_code == 302
    html = page(office.get(f"/assignments/{item.pk}/"))
    assert f'action="/assignments/{item.pk}/review/"' in html and "办理.pdf" in html
    file_pk = Step.objects.get(assignment=item, action="answered").files.get().pk
    download = reporter.get(f"/assignments/files/{file_pk}/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert (
        client_of(cycle["other_reporter"]).get(f"/assignments/files/{file_pk}/").status_code == 404
    )
    response = office.post(f"/assignments/{item.pk}/review/", {"outcome": "close", "comment": "好"})
    assert response.status_code == 302
    assert Assignment.objects.get(pk=item.pk).state == "closed"


def test_a_return_without_a_reason_keeps_the_page_and_names_the_field(cycle):
    item = answered_item(cycle)
    response = client_of(cycle["office"]).post(
        f"/assignments/{item.pk}/review/", {"outcome": "return", "comment": "  "}
    )
    assert response.status_code == 400 and "审核意见：退回时请写明理由" in page(response)
    assert Assignment.objects.get(pk=item.pk).state == "answered"


def test_an_empty_answer_is_refused_naming_the_field(cycle):
    item = workflow.sign(item_for(cycle), cycle["reporter"])
    response = client_of(cycle["reporter"]).post(f"/assignments/{item.pk}/answer/", {"text": ""})
    assert response.status_code == 400 and "办理情况：" in page(response)


def test_the_form_keeps_what_was_typed_and_names_the_field_in_error(cycle):
    office = client_of(cycle["office"])
    assert office.get("/assignments/new/").status_code == 200
    data = {
        "kind": "instruction",
        "title": "关于优化营商环境的批示",
        "instruction": "请市发改委牵头研究落实。",
        "leader": Leader.objects.get(name="赵明").pk,
        "deadline": "2021-07-20",
        "task": "T-1",
    }
    response = office.post("/assignments/new/", data)  # no unit
    html = page(response)
    assert response.status_code == 400 and "承办单位：" in html
    assert "关于优化营商环境的批示" in html and "请市发改委牵头研究落实。" in html
    assert 'value="2021-07-20"' in html
    past = data | {"unit": cycle["t1"].lead_unit_id, "deadline": "2021-07-01", "task": "T-404"}
    html = page(office.post("/assignments/new/", past))
    assert "办理时限：办理时限不能早于今天" in html and "T-404" in html
    response = office.post("/assignments/new/", data | {"unit": cycle["t1"].lead_unit_id})
    item = Assignment.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/assignments/{item.pk}/"
    assert (item.task, item.leader.name, item.unit) == (cycle["t1"], "赵明", cycle["t1"].lead_unit)
    assert client_of(cycle["reporter"]).get("/assignments/new/").status_code == 403
    assert client_of(cycle["auditor"]).post("/assignments/new/", data).status_code == 403


# The list, per role ---------------------------------------------------------------------------


def test_the_list_shows_each_role_its_items(cycle):
    mine = item_for(cycle, title="工信局的事项")
    theirs = item_for(cycle, unit="市财政局", kind="decision", title="财政局的事项")
    seen = {
        "office": {mine, theirs},
        "auditor": {mine, theirs},
        "reporter": {mine},
        "head": {mine},
        "other_reporter": {theirs},
        "leader": {mine},  # 赵明's instruction; the other is a meeting's decision
    }
    for who, items in seen.items():
        html = page(client_of(cycle[who]).get("/assignments/"))
        shown = {i for i in (mine, theirs) if f'data-assignment="{i.pk}"' in html}
        assert shown == items, who
        detail = client_of(cycle[who]).get(f"/assignments/{theirs.pk}/")
        assert detail.status_code == (200 if theirs in items else 404), who
    assert client_of().get("/assignments/").status_code == 302


def test_the_list_filters_and_refuses_unreadable_filters(cycle):
    near, later = item_for(cycle, days=2, title="临期事项"), item_for(cycle, title="从容事项")
    office = client_of(cycle["office"])
    html = page(office.get("/assignments/?urgency=near"))
    assert f'data-assignment="{near.pk}"' in html and f'data-assignment="{later.pk}"' not in html
    html = page(office.get(f"/assignments/?state=issued&kind=instruction&unit={near.unit_id}"))
    assert f'data-assignment="{later.pk}"' in html
    assert 'data-urgency="near"' in html and "还有 2 天" in html
    for bad in ("urgency=red", "state=x", "unit=①", "kind=z"):
        assert office.get(f"/assignments/?{bad}").status_code == 400, bad


def test_the_list_exports_as_a_workbook(cycle):
    item_for(cycle, days=2, title="临期事项")
    item_for(cycle, unit="市财政局", title="财政局的事项")
    response = client_of(cycle["office"]).get("/assignments/export/?urgency=near")
    assert response.status_code == 200 and response["Content-Type"] == CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[2] for r in rows] == ["临期事项"] and rows[0][7] == "临期"


# Warnings from the tick -----------------------------------------------------------------------


def test_due_warns_once_when_near_and_once_when_overdue(cycle):
    item = item_for(cycle, days=5)
    now = dt.datetime(2021, 7, 3, 9, tzinfo=dt.UTC)
    assert deadlines.due(now) == []
    near = now + dt.timedelta(days=2)
    assert deadlines.due(near) == [
        f"交办事项 {item.document_number}（市工业和信息化局）临期，已提醒"
    ]
    assert deadlines.due(near) == [] and deadlines.due(near + dt.timedelta(days=1)) == []
    late = now + dt.timedelta(days=6)
    assert len(deadlines.due(late)) == 1 and deadlines.due(late) == []
    keys = set(Message.objects.filter(kind__startswith="assignment_").values_list("key", flat=True))
    assert {f"assignment:{item.pk}:near", f"assignment:{item.pk}:overdue"} <= keys
    overdue = Message.objects.get(key=f"assignment:{item.pk}:overdue")
    assert "office" in set(overdue.deliveries.values_list("user__username", flat=True))


def test_due_leaves_alone_what_the_unit_no_longer_owes(cycle):
    item = workflow.sign(item_for(cycle, days=1), cycle["reporter"])
    workflow.answer(item, cycle["reporter"], text="已办理")
    assert deadlines.due(dt.datetime(2021, 7, 9, 9, tzinfo=dt.UTC)) == []


# /me/, the leader's page and the desk: constant queries ------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("reporter", "/me/"),
        ("leader", "/me/"),
        ("office", "/office/"),
        ("office", "/assignments/"),
        ("reporter", "/assignments/"),
    ],
)
def test_the_pages_that_show_items_ask_the_same_number_of_queries_for_more_items(cycle, who, url):
    item_for(cycle, days=-1)
    client = client_of(cycle[who])
    client.get(url)  # warm the caches every page has
    few = _queries(client, url)
    for n in range(6):
        item = item_for(cycle, days=n - 3, title=f"事项{n}")
        if n % 2:
            workflow.sign(item, cycle["reporter"])
    assert _queries(client, url) == few


def test_me_shows_the_unit_what_to_do_and_the_desk_the_overdue(cycle):
    to_sign, to_answer = (
        item_for(cycle, days=2, title="待签收事项"),
        item_for(cycle, title="待反馈事项"),
    )
    workflow.sign(to_answer, cycle["head"])
    Assignment.objects.filter(pk=to_sign.pk).update(deadline=TODAY - dt.timedelta(days=1))
    html = page(client_of(cycle["reporter"]).get("/me/"))
    assert f'data-assignment="{to_sign.pk}" data-state="issued" data-todo="sign"' in html
    assert f'data-assignment="{to_answer.pk}" data-state="signed" data-todo="answer"' in html
    assert "assignments-mine" not in page(client_of(cycle["other_reporter"]).get("/me/"))
    html = page(client_of(cycle["leader"]).get("/me/"))
    assert "我的批示交办事项" in html and f'data-assignment="{to_sign.pk}"' in html
    desk = page(client_of(cycle["office"]).get("/office/"))
    overdue = desk[desk.index("已逾期") :]
    assert f'data-assignment="{to_sign.pk}"' in overdue
    assert f'data-assignment="{to_answer.pk}"' not in overdue
    assert 'data-urgency="overdue">逾期 <strong>1</strong>' in desk


# The demo -------------------------------------------------------------------------------------


def test_the_demo_holds_items_in_every_state_for_the_demo_logins(demo_database, db):
    from ducha.assignments import demo

    line = next(x for x in demo_database.splitlines() if "交办事项：" in x)
    found = Assignment.objects.filter(jurisdiction__home=True)
    assert 15 <= found.count() <= 25 and line.strip() == demo.seed()[0]
    assert set(found.values_list("state", flat=True)) == set(Assignment.State.values)
    grades = {i.urgency() for i in found}
    assert set(urgency.GRADES) <= grades, grades
    assert found.filter(steps__action="returned").exists()
    numbers = list(found.values_list("year", "number"))
    assert len(set(numbers)) == len(numbers)
    reporter, leader = (User.objects.get(username=u) for u in ("reporter", "leader"))
    mine = found.filter(unit=reporter.unit).exclude(state="closed")
    assert mine.filter(state="issued").exists() and mine.filter(state="returned").exists()
    html = page(client_of(reporter).get("/me/"))
    assert 'data-todo="sign"' in html and 'data-todo="answer"' in html
    assert "我的批示交办事项" in page(client_of(leader).get("/me/"))
    before = (Assignment.objects.count(), Step.objects.count())
    demo.seed()
    assert (Assignment.objects.count(), Step.objects.count()) == before
